package io.sparkconv.datasets.npy;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Writes a little-endian float32 {@code .npy} (format 1.0, C order) record by record without knowing the record
 * count up front: the header is written with room to spare and rewritten with the final count on close.
 * The result is shape (N, d1, d2, ...) for records of shape (d1, d2, ...).
 */
public final class NpyWriter implements Closeable {
    /** Header size reserved (a multiple of 64, as NumPy aligns): room for any shape of up to 8 int64 dims. */
    private static final int HEADER_BYTES = 256;

    private final Path path;
    private final int[] recordShape;
    private final int recordElements;
    private final FileChannel channel;
    private final OutputStream out;
    private final ByteBuffer buffer;
    private long records;
    private boolean closed;

    public NpyWriter(Path path, int[] recordShape) throws IOException {
        this.path = path;
        this.recordShape = recordShape.clone();
        long n = 1;
        for (int d : recordShape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in record shape " + Arrays.toString(recordShape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("record shape " + Arrays.toString(recordShape) + " is too large");
        }
        this.recordElements = (int) n;
        this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        channel.write(ByteBuffer.wrap(header(0)));
        this.out = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(channel), 1 << 16);
        this.buffer = ByteBuffer.allocate(recordElements * 4).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Appends one record of exactly {@code recordElements} floats, C order. */
    public void write(float[] record) throws IOException {
        write(record, 0);
    }

    public void write(float[] data, int offset) throws IOException {
        if (offset < 0 || data.length - offset < recordElements) {
            throw new IllegalArgumentException("a record of shape " + Arrays.toString(recordShape) + " needs "
                    + recordElements + " floats from offset " + offset + ", the array has " + data.length);
        }
        buffer.clear();
        buffer.asFloatBuffer().put(data, offset, recordElements);
        out.write(buffer.array(), 0, recordElements * 4);
        records++;
    }

    public long records() {
        return records;
    }

    byte[] header(long count) {
        StringBuilder shape = new StringBuilder("(").append(count);
        for (int d : recordShape) {
            shape.append(", ").append(d);
        }
        if (recordShape.length == 0) {
            shape.append(',');
        }
        shape.append(')');
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int pad = HEADER_BYTES - 10 - dict.length() - 1;
        if (pad < 0) {
            throw new IllegalArgumentException("shape " + shape + " does not fit the NPY header");
        }
        byte[] h = new byte[HEADER_BYTES];
        System.arraycopy(NpyHeader.MAGIC, 0, h, 0, 6);
        h[6] = 1;
        h[7] = 0;
        int len = HEADER_BYTES - 10;
        h[8] = (byte) len;
        h[9] = (byte) (len >>> 8);
        byte[] d = dict.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(d, 0, h, 10, d.length);
        Arrays.fill(h, 10 + d.length, HEADER_BYTES - 1, (byte) ' ');
        h[HEADER_BYTES - 1] = '\n';
        return h;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.flush();
            channel.write(ByteBuffer.wrap(header(records)), 0);
            channel.force(false);
        } finally {
            out.close();
        }
    }

    /** Writes a whole float32 array of {@code shape} (C order) to {@code path}. */
    public static void write(Path path, int[] shape, float[] data) throws IOException {
        if (shape.length == 0) {
            throw new IllegalArgumentException("shape must have at least one dimension");
        }
        long total = 1;
        for (int d : shape) {
            total = Math.multiplyExact(total, (long) d);
        }
        if (total != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + total
                    + " elements, data has " + data.length);
        }
        try (NpyWriter w = new NpyWriter(path, Arrays.copyOfRange(shape, 1, shape.length))) {
            for (int i = 0; i < shape[0]; i++) {
                w.write(data, i * w.recordElements);
            }
        }
    }
}
