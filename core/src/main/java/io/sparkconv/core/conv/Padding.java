package io.sparkconv.core.conv;

import java.util.Locale;

/** Keras {@code padding}: "valid" (no padding) or "same" (TensorFlow's split, the odd pixel after). */
public enum Padding {
    VALID,
    SAME;

    /** The lower-case name Keras stores and serializes. */
    public String kerasName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
