package io.sparkconv.datasets;

/**
 * The one error type of this module: a file or record that cannot be read as the format says.
 * The message always names the file (and the record index, when one record is at fault) and what is wrong.
 */
public class DatasetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Index value meaning "the whole file (or the rest of a split), not one record". */
    public static final long WHOLE_FILE = -1L;

    private final String source;
    private final long index;
    private final String reason;
    private final boolean recoverable;

    private DatasetException(String source, long index, String reason, boolean recoverable, Throwable cause) {
        super(compose(source, index, reason), cause);
        this.source = source;
        this.index = index;
        this.reason = reason;
        this.recoverable = recoverable;
    }

    /** A problem with a whole file (header, size, truncation): reading of that file or split stops. */
    public static DatasetException file(String source, String reason) {
        return new DatasetException(source, WHOLE_FILE, reason, false, null);
    }

    public static DatasetException file(String source, String reason, Throwable cause) {
        return new DatasetException(source, WHOLE_FILE, reason, false, cause);
    }

    /** A problem with one record; the records after it can still be read. */
    public static DatasetException record(String source, long index, String reason) {
        return new DatasetException(source, index, reason, true, null);
    }

    /** A whole file that is one record (an image file) is bad; the next file of its split can still be read. */
    public static DatasetException badFile(String source, String reason, Throwable cause) {
        return new DatasetException(source, WHOLE_FILE, reason, true, cause);
    }

    /** Reading stopped at record {@code index}: this record and the rest of the split are lost. */
    public static DatasetException fatalAt(String source, long index, String reason, Throwable cause) {
        return new DatasetException(source, index, reason, false, cause);
    }

    private static String compose(String source, long index, String reason) {
        return (index == WHOLE_FILE ? source : source + " record " + index) + ": " + reason;
    }

    /** The file (or archive member, as {@code archive.npz!member.npy}) at fault. */
    public String source() {
        return source;
    }

    /** Index of the record within its source, or {@link #WHOLE_FILE}. */
    public long index() {
        return index;
    }

    /** What is wrong, without the file name. */
    public String reason() {
        return reason;
    }

    /** True when only this record is bad and reading may continue with the next one. */
    public boolean recoverable() {
        return recoverable;
    }
}
