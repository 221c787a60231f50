package io.sparkconv.spark.tile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The layout of the stitched output as a BigTIFF: little-endian, uncompressed float32 samples, one sample per
 * filter (chunky: Photometric MinIsBlack, the other filters as unspecified extra samples), in strips of about
 * 1 MiB. The pixel data sits right after the 16-byte header in exactly the NPY's order (row, column, filter),
 * so the stitcher writes tiles at the same positions for both formats; the strip tables and the directory follow
 * the data. BigTIFF (8-byte offsets) because maps of big images pass 4 GiB.
 */
final class BigTiffStrips {
    static final long DATA_OFFSET = 16;
    private static final int TYPE_SHORT = 3;
    private static final int TYPE_LONG = 4;
    private static final int TYPE_LONG8 = 16;

    private final int height;
    private final int width;
    private final int filters;
    private final long rowBytes;
    private final int rowsPerStrip;
    private final int strips;

    BigTiffStrips(int height, int width, int filters) {
        this.height = height;
        this.width = width;
        this.filters = filters;
        this.rowBytes = (long) width * filters * 4;
        this.rowsPerStrip = (int) Math.max(1, Math.min(height, (1L << 20) / rowBytes));
        this.strips = (height + rowsPerStrip - 1) / rowsPerStrip;
    }

    long dataBytes() {
        return rowBytes * height;
    }

    /** The 16-byte header: II, 43, offset size 8, then where the directory starts (after data and tables). */
    byte[] header() {
        ByteBuffer b = ByteBuffer.allocate((int) DATA_OFFSET).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 43).putShort((short) 8).putShort((short) 0);
        b.putLong(directoryOffset());
        return b.array();
    }

    private long tablesOffset() {
        return DATA_OFFSET + dataBytes();
    }

    /** Short arrays (bits per sample, extra samples, sample format) go out of line when longer than 8 bytes. */
    private long shortArraysBytes() {
        long n = 0;
        for (int count : new int[] {filters, filters - 1, filters}) {
            n += count * 2L > 8 ? count * 2L : 0;
        }
        return (n + 7) / 8 * 8;
    }

    private long directoryOffset() {
        return tablesOffset() + 16L * strips + shortArraysBytes();
    }

    /** Strip offsets and byte counts, the out-of-line short arrays, and the directory: written after the data. */
    byte[] trailer() {
        int entries = filters > 1 ? 12 : 11;
        long size = 16L * strips + shortArraysBytes() + 8 + 20L * entries + 8;
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
        long stripOffsets = tablesOffset();
        long stripCounts = stripOffsets + 8L * strips;
        for (int s = 0; s < strips; s++) {
            b.putLong(DATA_OFFSET + rowBytes * rowsPerStrip * s);
        }
        for (int s = 0; s < strips; s++) {
            int rows = Math.min(rowsPerStrip, height - s * rowsPerStrip);
            b.putLong(rowBytes * rows);
        }
        long next = stripCounts + 8L * strips;
        long bitsAt = filters * 2 > 8 ? next : -1;
        next += bitsAt >= 0 ? filters * 2L : 0;
        long extraAt = (filters - 1) * 2 > 8 ? next : -1;
        next += extraAt >= 0 ? (filters - 1) * 2L : 0;
        long formatAt = filters * 2 > 8 ? next : -1;
        shortArray(b, bitsAt, filters, 32);
        shortArray(b, extraAt, filters - 1, 0);
        shortArray(b, formatAt, filters, 3);
        b.position(Math.toIntExact(16L * strips + shortArraysBytes()));
        b.putLong(entries);                                      // ascending tag order
        entry(b, 256, TYPE_LONG, 1, width);                     // ImageWidth
        entry(b, 257, TYPE_LONG, 1, height);                    // ImageLength
        shortEntry(b, 258, filters, bitsAt, 32);                // BitsPerSample
        entry(b, 259, TYPE_SHORT, 1, 1);                        // Compression: none
        entry(b, 262, TYPE_SHORT, 1, 1);                        // Photometric: MinIsBlack
        // A single LONG8 fits the 8-byte value field, where TIFF then requires it to be (no pointer).
        entry(b, 273, TYPE_LONG8, strips, strips == 1 ? DATA_OFFSET : stripOffsets);    // StripOffsets
        entry(b, 277, TYPE_SHORT, 1, filters);                  // SamplesPerPixel
        entry(b, 278, TYPE_LONG, 1, rowsPerStrip);              // RowsPerStrip
        entry(b, 279, TYPE_LONG8, strips, strips == 1 ? dataBytes() : stripCounts);     // StripByteCounts
        entry(b, 284, TYPE_SHORT, 1, 1);                        // PlanarConfiguration: chunky
        if (filters > 1) {
            shortEntry(b, 338, filters - 1, extraAt, 0);        // ExtraSamples: unspecified
        }
        shortEntry(b, 339, filters, formatAt, 3);               // SampleFormat: IEEE float
        b.putLong(0);                                           // no next directory
        return b.array();
    }

    /** Writes {@code count} copies of {@code value} at the trailer position of file offset {@code at} (if any). */
    private void shortArray(ByteBuffer b, long at, int count, int value) {
        if (at < 0) {
            return;
        }
        b.position(Math.toIntExact(at - tablesOffset()));
        for (int i = 0; i < count; i++) {
            b.putShort((short) value);
        }
    }

    private static void entry(ByteBuffer b, int tag, int type, long count, long value) {
        b.putShort((short) tag).putShort((short) type).putLong(count).putLong(value);
    }

    /** A SHORT array entry: inline when it fits the 8-byte value field, else at {@code at}. */
    private static void shortEntry(ByteBuffer b, int tag, int count, long at, int value) {
        b.putShort((short) tag).putShort((short) TYPE_SHORT).putLong(count);
        if (at >= 0) {
            b.putLong(at);
            return;
        }
        for (int i = 0; i < 4; i++) {
            b.putShort((short) (i < count ? value : 0));
        }
    }
}
