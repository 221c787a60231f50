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
        this.split = split;
        this.cursor = cursor;
        this.options = options;
        this.sink = sink;
    }

    @Override
    public boolean hasNext() {
        while (pending == null && !done) {
            if (split.failure() != null) {
                done = true;
                read++;
                reject(DatasetException.file(split.source(), split.failure()));
                break;
            }
            ImageRecord r;
            try {
                r = cursor.next();
            } catch (DatasetException e) {
                read++;
                if (!e.recoverable()) {
                    done = true;
                    close();
                }
                reject(e);
                continue;
            } catch (RuntimeException e) {
                read++;
                done = true;
                close();
                reject(DatasetException.fatalAt(split.source(), DatasetException.WHOLE_FILE,
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
