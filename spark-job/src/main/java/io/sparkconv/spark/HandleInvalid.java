package io.sparkconv.spark;

import java.util.Locale;

/** What to do with a row whose input cannot be convolved, in the words Spark's own transformers use. */
public enum HandleInvalid {
    /** Fail the job, naming the row and what is wrong with it. */
    ERROR,
    /** Drop the row. */
    SKIP,
    /** Keep the row with a null output. */
    KEEP;

    public static final String[] NAMES = {"error", "skip", "keep"};

    public String paramValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static HandleInvalid fromParam(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
