package io.sparkconv.datasets;

import java.util.Locale;

/** What to do with a record (or file) that cannot be read. */
public enum BadRecordPolicy {
    /** Stop with a {@link DatasetException} naming the file and the problem (the default). */
    FAIL,
    /** Leave the record out of the output; it is counted as rejected. */
    SKIP,
    /** Leave it out and write (source, index, reason) to the quarantine output; counted as rejected. */
    QUARANTINE;

    /** Parses {@code fail|skip|quarantine} in any case; Spark ML's {@code error|skip|keep} are accepted too. */
    public static BadRecordPolicy parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "fail":
            case "error":
                return FAIL;
            case "skip":
                return SKIP;
            case "quarantine":
            case "keep":
                return QUARANTINE;
            default:
                throw new IllegalArgumentException("bad-record policy '" + value
                        + "' is not supported: expected one of fail, skip, quarantine");
        }
    }
}
