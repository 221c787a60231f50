package io.sparkconv.datasets;

import java.util.Locale;

/** How integer pixel samples of image files become floats. */
public enum PixelScale {
    /** The sample value itself: 0..255 for 8-bit, 0..65535 for 16-bit images. */
    RAW,
    /** Divided by the largest value of the sample's bit depth: 0..1. */
    UNIT;

    public static PixelScale parse(String value) {
        String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
        try {
            return valueOf(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pixel scale '" + value + "' is not supported: expected raw or unit");
        }
    }
}
