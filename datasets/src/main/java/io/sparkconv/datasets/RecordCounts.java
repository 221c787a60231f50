package io.sparkconv.datasets;

import java.io.Serializable;

/**
 * Accounting of one read (or the whole job): every record read is either written or rejected, so
 * {@code read == written + rejected} once the output is done. Mutable and mergeable, for Spark accumulators.
 */
public final class RecordCounts implements Serializable {
    private static final long serialVersionUID = 1L;

    private long read;
    private long written;
    private long rejected;

    public RecordCounts() {
    }

    public RecordCounts(long read, long written, long rejected) {
        this.read = read;
        this.written = written;
        this.rejected = rejected;
    }

    /** A record was taken from the input (good or bad). */
    public void addRead(long n) {
        read += n;
    }

    public void addWritten(long n) {
        written += n;
    }

    public void addRejected(long n) {
        rejected += n;
    }

    public void merge(RecordCounts other) {
        read += other.read;
        written += other.written;
        rejected += other.rejected;
    }

    public long read() {
        return read;
    }

    public long written() {
        return written;
    }

    public long rejected() {
        return rejected;
    }

    /** True when every record read is accounted for. */
    public boolean balanced() {
        return read == written + rejected;
    }

    public RecordCounts copy() {
        return new RecordCounts(read, written, rejected);
    }

    public boolean isZero() {
        return read == 0 && written == 0 && rejected == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecordCounts && ((RecordCounts) o).read == read && ((RecordCounts) o).written == written
                && ((RecordCounts) o).rejected == rejected;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(read * 31 + written * 17 + rejected);
    }

    @Override
    public String toString() {
        return "read=" + read + ", written=" + written + ", rejected=" + rejected;
    }
}
