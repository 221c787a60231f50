package io.sparkconv.core.tensor;

import java.util.Locale;

/** Keras {@code data_format}: where the channel axis of a 4-D image batch is. */
public enum DataFormat {
    /** (batch, height, width, channels), TensorFlow's NHWC. */
    CHANNELS_LAST("channels_last"),
    /** (batch, channels, height, width), TensorFlow's NCHW. */
    CHANNELS_FIRST("channels_first");

    private final String kerasName;

    DataFormat(String kerasName) {
        this.kerasName = kerasName;
    }

    /** The name Keras serializes, e.g. {@code "channels_last"}. */
    public String kerasName() {
        return kerasName;
    }

    /** Parses a Keras name in any case, as {@code conv_utils.normalize_data_format} does. */
    public static DataFormat fromKerasName(String value) {
        if (value != null) {
            String lower = value.toLowerCase(Locale.ROOT);
            for (DataFormat f : values()) {
                if (f.kerasName.equals(lower)) {
                    return f;
                }
            }
        }
        throw new IllegalArgumentException("data_format=" + (value == null ? "None" : "'" + value + "'")
                + " is not supported: expected one of \"channels_first\", \"channels_last\"");
    }
}
