package io.sparkconv.spark.ml;

import java.util.Locale;

/** What to do with a row whose input cannot be convolved, in the words Spark's own transformers use. */
enum HandleInvalid {
    /** Fail the job, naming the row and what is wrong with it. */
    ERROR,
    /** Drop the row. */
    SKIP,
    /** Keep the row with a null output. */
    KEEP;

    static final String[] NAMES = {"error", "skip", "keep"};

    String paramValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    static HandleInvalid fromParam(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
