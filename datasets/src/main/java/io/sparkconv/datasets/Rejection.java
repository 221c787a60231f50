package io.sparkconv.datasets;

import java.io.Serializable;
import java.util.Objects;

/** A record (or file, index -1) left out of the output, and why: one row of the quarantine output. */
public final class Rejection implements Serializable {
    private static final long serialVersionUID = 1L;

    private String source;
    private long index;
    private String reason;

    @SuppressWarnings("unused")
    private Rejection() {
    }

    public Rejection(String source, long index, String reason) {
        this.source = Objects.requireNonNull(source, "source");
        this.index = index;
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    static Rejection of(DatasetException e) {
        return new Rejection(e.source(), e.index(), e.reason());
    }

    public String source() {
        return source;
    }

    /** Record index within the source, or {@link DatasetException#WHOLE_FILE} for a file that could not be read. */
    public long index() {
        return index;
    }

    public String reason() {
        return reason;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Rejection && ((Rejection) o).source.equals(source) && ((Rejection) o).index == index
                && ((Rejection) o).reason.equals(reason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, index, reason);
    }

    @Override
    public String toString() {
        return source + (index < 0 ? "" : " record " + index) + ": " + reason;
    }
}
