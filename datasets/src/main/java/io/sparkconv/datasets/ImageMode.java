package io.sparkconv.datasets;

import java.util.Locale;

/** How many channels decoded image files get. */
public enum ImageMode {
    /** As stored: 1 (gray), 2 (gray + alpha), 3 (colour) or 4 (colour + alpha). */
    AS_STORED(0),
    /** One channel: luma 0.299 R + 0.587 G + 0.114 B of colour images; alpha dropped. */
    GRAY(1),
    /** Three colour channels in the configured {@link ChannelOrder}; gray replicated, alpha dropped. */
    COLOR(3),
    /** Colour plus alpha (opaque images get alpha = full scale). */
    COLOR_ALPHA(4);

    private final int channels;

    ImageMode(int channels) {
        this.channels = channels;
    }

    /** Channel count, 0 for {@link #AS_STORED}. */
    public int channels() {
        return channels;
    }

    public static ImageMode parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "as_stored":
            case "as-stored":
            case "keep":
                return AS_STORED;
            case "gray":
            case "grey":
            case "grayscale":
            case "1":
                return GRAY;
            case "color":
            case "colour":
            case "rgb":
            case "3":
                return COLOR;
            case "color_alpha":
            case "rgba":
            case "4":
                return COLOR_ALPHA;
            default:
                throw new IllegalArgumentException("image mode '" + value
                        + "' is not supported: expected one of as_stored, gray, color, color_alpha");
        }
    }
}
