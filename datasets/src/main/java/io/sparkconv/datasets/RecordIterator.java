package io.sparkconv.datasets;

import io.sparkconv.core.tensor.DataFormat;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The good records of one split, with the bad-record policy applied: under FAIL a bad record throws its
 * {@link DatasetException}; under SKIP and QUARANTINE it is passed to the {@link RejectionSink} and left out.
 * Checks each record's channel count and (policy REJECT) finiteness. Counts what it read and rejected:
 * after the end, {@code read() == records returned + rejected()}.
 */
public final class RecordIterator implements Iterator<ImageRecord>, AutoCloseable {
    private final DatasetSplit split;
    private final RecordCursor cursor;
    private final ReadOptions options;
    private final RejectionSink sink;
    private ImageRecord pending;
    private boolean done;
    private long read;
    private long rejected;
    private boolean closed;

    RecordIterator(DatasetSplit split, RecordCursor cursor, ReadOptions options, RejectionSink sink) {
        this(split, cursor, options, sink, null);
    }

    /** A split whose cursor could not be opened: every record of it is rejected with {@code openFailure}. */
    RecordIterator(DatasetSplit split, RecordCursor cursor, ReadOptions options, RejectionSink sink,
                   DatasetException openFailure) {
        this.split = split;
        this.cursor = cursor;
        this.options = options;
        this.sink = sink;
        this.openFailure = openFailure;
    }

    private final DatasetException openFailure;

    @Override
    public boolean hasNext() {
        while (pending == null && !done) {
            if (split.failure() != null) {
                done = true;
                read++;
                reject(DatasetException.file(split.source(), split.failure()));
                break;
            }
            if (openFailure != null) {
                done = true;
                rejectRest(openFailure);
                break;
            }
            ImageRecord r;
            try {
                r = cursor.next();
            } catch (DatasetException e) {
                if (e.recoverable()) {
                    read++;
                    reject(e);
                } else {
                    done = true;
                    close();
                    rejectRest(e);
                }
                continue;
            } catch (RuntimeException e) {
                // A decoder failed in a way it did not foresee: where the stream stands is unknown, so the split
                // ends here, and this record and every record after it are rejected and counted.
                done = true;
                close();
                rejectRest(DatasetException.fatalAt(split.source(), DatasetException.WHOLE_FILE,
                        "unexpected failure while reading: " + e, e));
                continue;
            }
            if (r == null) {
                done = true;
                close();
                break;
            }
            read++;
            String problem = check(r);
            if (problem != null) {
                reject(DatasetException.record(r.source(), r.index(), problem));
            } else {
                pending = r;
            }
        }
        return pending != null;
    }

    /**
     * Reading stopped at the record after the {@code read} taken so far: that record and the rest of the planned
     * split are rejected, one by one, so that "read" stays the planned count and nothing is lost uncounted.
     */
    private void rejectRest(DatasetException cause) {
        long planned = split.recordCount();
        long lost = Math.max(1, planned - read);
        if (options.badRecordPolicy() == BadRecordPolicy.FAIL) {
            read += lost;
            rejected += lost;
            close();
            throw cause;
        }
        for (long k = 0; k < lost; k++) {
            long position = read; // index of the record within the split's range
            read++;
            rejected++;
            if (k == 0) {
                sink.rejected(Rejection.of(cause));
            } else if (split.files() != null && position < split.files().size()) {
                sink.rejected(new Rejection(split.files().get((int) position), DatasetException.WHOLE_FILE,
                        "not read: reading of its split stopped at an earlier file: " + cause.getMessage()));
            } else {
                sink.rejected(new Rejection(split.source(), split.from() + position,
                        "not read: reading stopped at an earlier record: " + cause.getMessage()));
            }
        }
    }

    private String check(ImageRecord r) {
        DataFormat format = options.dataFormat();
        int expected = options.expectedChannels();
        if (expected > 0 && r.channels(format) != expected) {
            return "has " + r.channels(format) + " channels (shape " + Arrays.toString(r.shape()) + ", "
                    + format.kerasName() + "), expected " + expected;
        }
        if (options.nonFinitePolicy() == NonFinitePolicy.REJECT) {
            float[] d = r.data();
            for (int i = 0; i < d.length; i++) {
                if (!Float.isFinite(d[i])) {
                    return "element " + i + " is " + d[i] + " (non-finite values are rejected)";
                }
            }
        }
        return null;
    }

    private void reject(DatasetException e) {
        rejected++;
        if (options.badRecordPolicy() == BadRecordPolicy.FAIL) {
            close();
            throw e;
        }
        sink.rejected(Rejection.of(e));
    }

    @Override
    public ImageRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ImageRecord r = pending;
        pending = null;
        return r;
    }

    /** Records taken from the input so far, good or bad (a failed file counts as one). */
    public long read() {
        return read;
    }

    public long rejected() {
        return rejected;
    }

    public DatasetSplit split() {
        return split;
    }

    @Override
    public void close() {
        if (cursor != null && !closed) {
            closed = true;
            cursor.close();
        }
    }
}
