package io.sparkconv.core.spec;

import java.util.Locale;

/** Keras {@code padding}: "valid" (no padding) or "same" (TensorFlow's split, the odd pixel after). */
public enum Padding {
    VALID,
    SAME;

    /** The lower-case name Keras stores and serializes. */
    public String kerasName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a Keras padding name in any case, as {@code conv_utils.normalize_padding} does. {@code "causal"}
     * exists only for Conv1D and is rejected, as are all other values.
     */
    public static Padding fromKerasName(String value) {
        if (value == null) {
            throw new IllegalArgumentException(
                    "padding=None is not supported: expected one of \"valid\", \"same\" (any case)");
        }
        String lower = value.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "valid":
                return VALID;
            case "same":
                return SAME;
            case "causal":
                throw new IllegalArgumentException("padding='" + value + "' is not supported by Conv2D: causal "
                        + "padding exists only for Conv1D and SeparableConv1D; expected one of \"valid\", \"same\"");
            default:
                throw new IllegalArgumentException("padding='" + value
                        + "' is not supported: expected one of \"valid\", \"same\" (any case)");
        }
    }
}
