package io.sparkconv.datasets;

import java.util.Locale;

/** Order of the colour channels of images: RGB (Keras, PIL) or BGR (OpenCV, Spark's image data source). */
public enum ChannelOrder {
    RGB,
    BGR;

    public static ChannelOrder parse(String value) {
        String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
        try {
            return valueOf(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("channel order '" + value + "' is not supported: expected RGB or BGR");
        }
    }
}
