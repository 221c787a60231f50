package io.sparkconv.datasets.io;

import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.RecordCursor;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads records {@code [from, to)} of a binary tensor file described by a {@link TensorLayout}: C order
 * by blocks of whole records, Fortran order by one strided read per element position of a block of records.
 * A stream (compressed input) is read in C order after skipping the records before {@code from}.
 */
public final class TensorCursor implements RecordCursor {
    /** Bytes read at once; one record more when records are larger. */
    private static final int BLOCK_BYTES = 4 << 20;

    private final String source;
    private final TensorLayout layout;
    private final SeekableInput seekable;
    private final InputStream stream;
    private final Closeable owned;
    private final long to;
    private final long ordinalBase;
    private final int label;
    private final long from;
    private byte[] labels;
    private long next;
    private boolean skipped;

    private byte[] buffer;
    private float[][] block;
    private int blockFill;
    private int blockPos;

    private TensorCursor(String source, TensorLayout layout, SeekableInput seekable, InputStream stream,
                         Closeable owned, long from, long to, long ordinalBase, int label) {
        if (from < 0 || to < from || to > layout.records()) {
            throw new IllegalArgumentException("record range [" + from + ", " + to + ") is outside 0.."
                    + layout.records() + " of " + source);
        }
        this.source = source;
        this.layout = layout;
        this.seekable = seekable;
        this.stream = stream;
        this.owned = owned;
        this.next = from;
        this.from = from;
        this.to = to;
        this.ordinalBase = ordinalBase;
        this.label = label;
    }

    /** Random access; {@code in} is closed with the cursor. */
    public static TensorCursor seekable(String source, SeekableInput in, TensorLayout layout, long from, long to,
                                        long ordinalBase) {
        return new TensorCursor(source, layout, in, null, in, from, to, ordinalBase, ImageRecord.NO_LABEL);
    }

    /** Sequential, C order only; {@code in} is positioned at the first data byte and closed with the cursor. */
    public static TensorCursor stream(String source, InputStream in, TensorLayout layout, long from, long to,
                                      long ordinalBase) {
        if (layout.fortranOrder()) {
            throw new IllegalArgumentException("a stream is read in C order only");
        }
        return new TensorCursor(source, layout, null, in, in, from, to, ordinalBase, ImageRecord.NO_LABEL);
    }

    /** Gives record {@code from + i} the unsigned label {@code labels[i]}. */
    public TensorCursor withLabels(byte[] labels) {
        if (labels.length != to - from) {
            throw new IllegalArgumentException(labels.length + " labels for " + (to - from) + " records");
        }
        this.labels = labels;
        return this;
    }

    @Override
    public ImageRecord next() {
        if (blockPos == blockFill) {
            if (next >= to) {
                return null;
            }
            fillBlock();
        }
        long index = next - blockFill + blockPos;
        float[] data = block[blockPos];
        block[blockPos++] = null;
        int l = labels == null ? label : labels[(int) (index - from)] & 0xFF;
        return new ImageRecord(source, index, ordinalBase + index, l, layout.recordShape(), data);
    }

    private void fillBlock() {
        long recordBytes = layout.recordBytes();
        int count = (int) Math.max(1, Math.min(to - next, BLOCK_BYTES / recordBytes));
        if (block == null || block.length < count) {
            block = new float[count][];
        }
        try {
            if (seekable != null && layout.fortranOrder()) {
                readFortran(count);
            } else {
                readC(count);
            }
        } catch (EOFException e) {
            throw DatasetException.fatalAt(source, next, "truncated: the data ends inside record " + next
                    + " (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw DatasetException.fatalAt(source, next, "cannot read record " + next + ": " + e, e);
        }
        blockFill = count;
        blockPos = 0;
        next += count;
    }

    private void readC(int count) throws IOException {
        int recordBytes = (int) layout.recordBytes();
        int bytes = recordBytes * count;
        if (buffer == null || buffer.length < bytes) {
            buffer = new byte[bytes];
        }
        if (seekable != null) {
            seekable.readFully(layout.dataOffset() + next * layout.recordBytes(), buffer, 0, bytes);
        } else {
            if (!skipped) {
                skipFully(stream, next * layout.recordBytes());
                skipped = true;
            }
            readFully(stream, buffer, bytes);
            if (next + count == layout.records() && stream.read() >= 0) {
                // Reading past the last record also makes a gzip stream check its CRC and length trailer.
                throw new IOException("the stream holds more data than the header describes");
            }
        }
        int n = layout.recordElements();
        for (int r = 0; r < count; r++) {
            float[] out = new float[n];
            layout.type().toFloats(buffer, r * recordBytes, layout.order(), out, 0, n);
            block[r] = out;
        }
    }

    private void readFortran(int count) throws IOException {
        int item = layout.type().size();
        int bytes = item * count;
        if (buffer == null || buffer.length < bytes) {
            buffer = new byte[bytes];
        }
        int n = layout.recordElements();
        for (int r = 0; r < count; r++) {
            block[r] = new float[n];
        }
        float[] column = new float[count];
        long records = layout.records();
        for (int f = 0; f < n; f++) {
            // element f of every record is stored contiguously, record index fastest
            long position = layout.dataOffset() + ((long) f * records + next) * item;
            seekable.readFully(position, buffer, 0, bytes);
            layout.type().toFloats(buffer, 0, layout.order(), column, 0, count);
            int c = layout.cIndexOfFortran(f);
            for (int r = 0; r < count; r++) {
                block[r][c] = column[r];
            }
        }
    }

    private static void skipFully(InputStream in, long n) throws IOException {
        long left = n;
        byte[] scratch = null;
        while (left > 0) {
            long k = in.skip(left);
            if (k <= 0) {
                if (scratch == null) {
                    scratch = new byte[8192];
                }
                int r = in.read(scratch, 0, (int) Math.min(scratch.length, left));
                if (r < 0) {
                    throw new EOFException("stream ends " + left + " bytes before the split's first record");
                }
                k = r;
            }
            left -= k;
        }
    }

    static void readFully(InputStream in, byte[] b, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int r = in.read(b, done, len - done);
            if (r < 0) {
                throw new EOFException("stream ends after " + done + " of " + len + " bytes");
            }
            done += r;
        }
    }

    @Override
    public void close() {
        try {
            owned.close();
        } catch (IOException e) {
            throw DatasetException.file(source, "cannot close: " + e, e);
        }
    }
}
