package io.sparkconv.datasets.window;

import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.io.InputFiles;
import io.sparkconv.datasets.io.SeekableInput;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Windows of a TIFF or BigTIFF read chunk by chunk (a chunk is a tile, or a strip: a tile as wide as the image):
 * a window decodes only the chunks it overlaps, one at a time, into one buffer of one chunk. Chunky samples of 8,
 * 16 or 32 bits (unsigned, signed or IEEE float), uncompressed, LZW or Deflate, predictor 1 or 2.
 *
 * <p>This exists because no maintained Java reader reads windows of tiled BigTIFF: TwelveMonkeys ImageIO (3.12
 * to 3.14, the newest on Maven Central) fails on any source region of a tiled float image (its float path places
 * each tile row at the tile's image column, not the region's: "Coordinate out of bounds" or "(parentX + width) is
 * outside raster", its issue 746, open), and for LZW/Deflate it decodes every strip or tile from the top of the
 * image down to the window. The JDK's reader has no BigTIFF. Only the first image (IFD) of the file is read.
 *
 * <p>Every size read from the file is checked against the file's length before anything is allocated, so a
 * corrupt file gets a one-line error and never a large allocation: a window read holds one chunk (at most
 * {@link #MAX_CHUNK_BYTES} decoded) and its compressed bytes.
 */
final class TiffChunkWindows implements ImageWindows {
    /** Largest decoded tile or strip accepted: a window read decodes one at a time into a buffer of this size. */
    static final int MAX_CHUNK_BYTES = 64 << 20;
    private static final int MAX_IFD_ENTRIES = 4096;
    private static final int MAX_SAMPLES_PER_PIXEL = 64;

    private final ImageInfo info;
    private final SeekableInput input;
    private final Layout layout;
    private final byte[] chunk;
    private byte[] compressed = new byte[0];
    private int decodedIndex = -1;

    /** What a window read needs from the IFD; the offset and byte-count arrays stay in the file. */
    record Layout(boolean bigTiff, ByteOrder order, int width, int height, int samples, int bits, int sampleFormat,
                  int compression, int predictor, boolean tiled, int chunkWidth, int chunkHeight, int across,
                  int down, long offsetsAt, int offsetSize, long countsAt, int countSize) {

        int chunks() {
            return across * down;
        }

        int rowBytes(int cols) {
            return cols * samples * (bits / 8);
        }

        /** Rows actually stored in chunk row {@code y}: a strip at the bottom may be shorter, a tile never is. */
        int storedRows(int y) {
            return tiled ? chunkHeight : Math.min(chunkHeight, height - y * chunkHeight);
        }

        String chunkName() {
            return tiled ? "tile" : "strip";
        }
    }

    private TiffChunkWindows(ImageInfo info, SeekableInput input, Layout layout) {
        this.info = info;
        this.input = input;
        this.layout = layout;
        this.chunk = new byte[layout.rowBytes(layout.chunkWidth) * layout.chunkHeight];
    }

    /**
     * Opens {@code path}, a TIFF or BigTIFF. Returns null for a striped image in a layout this reader does not
     * decode (samples of other sizes, a palette, separate planes, other compressions), which another reader may
     * read; a tiled one in such a layout is a one-line {@link DatasetException}, and so is a corrupt file.
     */
    static TiffChunkWindows open(String path, WindowFormat format) throws IOException {
        SeekableInput input = InputFiles.open(path);
        try {
            Layout layout = readLayout(input, path);
            checkChunks(input, layout, path);
            return new TiffChunkWindows(new ImageInfo(path, format, layout.height, layout.width, layout.samples),
                    input, layout);
        } catch (Unsupported e) {
            input.close();
            if (e.tiled) {
                throw DatasetException.file(path, "tiled TIFF with " + e.getMessage() + " cannot be read by windows: "
                        + "convert it to NPY");
            }
            return null;
        } catch (RuntimeException | IOException e) {
            input.close();
            throw e;
        }
    }

    @Override
    public ImageInfo info() {
        return info;
    }

    @Override
    public void read(int row, int col, int rows, int cols, float[] dst, int dstOffset, int dstRowStride)
            throws IOException {
        WindowedImages.checkRegion(info, row, col, rows, cols);
        Layout l = layout;
        int samples = l.samples;
        for (int y = row / l.chunkHeight; y <= (row + rows - 1) / l.chunkHeight; y++) {
            for (int x = col / l.chunkWidth; x <= (col + cols - 1) / l.chunkWidth; x++) {
                decode(y * l.across + x, l.storedRows(y));
                int r0 = Math.max(row, y * l.chunkHeight);
                int r1 = Math.min(row + rows, (y + 1) * l.chunkHeight);
                int c0 = Math.max(col, x * l.chunkWidth);
                int c1 = Math.min(col + cols, (x + 1) * l.chunkWidth);
                for (int r = r0; r < r1; r++) {
                    int src = ((r - y * l.chunkHeight) * l.chunkWidth + (c0 - x * l.chunkWidth)) * samples;
                    int to = dstOffset + (r - row) * dstRowStride + (c0 - col) * samples;
                    convert(src, dst, to, (c1 - c0) * samples);
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        input.close();
    }

    /** Decodes chunk {@code index} ({@code rows} stored rows) into {@link #chunk}, unless it is there already. */
    private void decode(int index, int rows) throws IOException {
        if (index == decodedIndex) {
            return;
        }
        decodedIndex = -1;
        Layout l = layout;
        long offset = field(input, l.offsetsAt, l.offsetSize, index, l.order);
        int count = (int) field(input, l.countsAt, l.countSize, index, l.order);   // checked at open
        int expected = l.rowBytes(l.chunkWidth) * rows;
        try {
            if (l.compression == 1) {
                input.readFully(offset, chunk, 0, expected);
            } else {
                if (compressed.length < count) {
                    compressed = new byte[count];
                }
                input.readFully(offset, compressed, 0, count);
                if (l.compression == 5) {
                    new TiffLzw().decode(compressed, count, chunk, expected);
                } else {
                    inflate(count, expected);
                }
            }
        } catch (EOFException e) {
            throw new IOException(info.path() + ": " + l.chunkName() + " " + index + " at byte " + offset
                    + " ends past the end of the file", e);
        } catch (IOException e) {
            throw new IOException(info.path() + ": " + l.chunkName() + " " + index + " at byte " + offset + ": "
                    + e.getMessage(), e);
        }
        if (l.predictor == 2) {
            undoHorizontalDifferencing(rows);
        }
        decodedIndex = index;
    }

    private void inflate(int count, int expected) throws IOException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(compressed, 0, count);
            int n = 0;
            while (n < expected) {
                int k = inflater.inflate(chunk, n, expected - n);
                n += k;
                if (k == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
            }
            if (n < expected) {
                throw new IOException("Deflate data ends after " + n + " of " + expected + " bytes");
            }
        } catch (DataFormatException e) {
            throw new IOException("corrupt Deflate data: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }

    /** Predictor 2: each sample after a row's first pixel is stored as its difference from the same sample before. */
    private void undoHorizontalDifferencing(int rows) {
        Layout l = layout;
        int samples = l.samples;
        int perRow = l.chunkWidth * samples;
        ByteBuffer b = ByteBuffer.wrap(chunk).order(l.order);
        for (int r = 0; r < rows; r++) {
            int base = r * perRow;
            for (int i = samples; i < perRow; i++) {
                int at = base + i;
                switch (l.bits) {
                    case 8 -> chunk[at] += chunk[at - samples];
                    case 16 -> b.putShort(2 * at, (short) (b.getShort(2 * at) + b.getShort(2 * (at - samples))));
                    default -> b.putInt(4 * at, b.getInt(4 * at) + b.getInt(4 * (at - samples)));
                }
            }
        }
    }

    /** {@code n} samples from sample {@code src} of the decoded chunk into {@code dst[to..]} as floats. */
    private void convert(int src, float[] dst, int to, int n) {
        Layout l = layout;
        boolean little = l.order == ByteOrder.LITTLE_ENDIAN;
        switch (l.bits) {
            case 8 -> {
                for (int i = 0; i < n; i++) {
                    byte v = chunk[src + i];
                    dst[to + i] = l.sampleFormat == 2 ? v : v & 0xFF;
                }
            }
            case 16 -> {
                for (int i = 0; i < n; i++) {
                    int at = 2 * (src + i);
                    int v = little ? (chunk[at] & 0xFF) | (chunk[at + 1] & 0xFF) << 8
                            : (chunk[at] & 0xFF) << 8 | (chunk[at + 1] & 0xFF);
                    dst[to + i] = l.sampleFormat == 2 ? (short) v : v;
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    int at = 4 * (src + i);
                    int v = little
                            ? (chunk[at] & 0xFF) | (chunk[at + 1] & 0xFF) << 8 | (chunk[at + 2] & 0xFF) << 16
                                    | (chunk[at + 3] & 0xFF) << 24
                            : (chunk[at] & 0xFF) << 24 | (chunk[at + 1] & 0xFF) << 16 | (chunk[at + 2] & 0xFF) << 8
                                    | (chunk[at + 3] & 0xFF);
                    dst[to + i] = switch (l.sampleFormat) {
                        case 3 -> Float.intBitsToFloat(v);
                        case 2 -> v;
                        default -> Integer.toUnsignedLong(v);
                    };
                }
            }
        }
    }

    // ---- the IFD ----

    /** One IFD entry: its tag, type, count and where its value is (inline in the entry, or at an offset). */
    private record Entry(int tag, int type, long count, long valueAt) {
    }

    private static Layout readLayout(SeekableInput input, String path) throws IOException, Unsupported {
        long size = input.size();
        byte[] head = new byte[16];
        if (size < 8) {
            throw DatasetException.file(path, "not a TIFF file: " + size + " bytes, shorter than a header");
        }
        input.readFully(0, head, 0, (int) Math.min(16, size));
        ByteOrder order = head[0] == 'I' && head[1] == 'I' ? ByteOrder.LITTLE_ENDIAN
                : head[0] == 'M' && head[1] == 'M' ? ByteOrder.BIG_ENDIAN : null;
        ByteBuffer h = ByteBuffer.wrap(head).order(order == null ? ByteOrder.BIG_ENDIAN : order);
        int version = h.getShort(2) & 0xFFFF;
        if (order == null || (version != 42 && version != 43)) {
            throw DatasetException.file(path, "not a TIFF file: expected II or MM then 42 (TIFF) or 43 (BigTIFF)");
        }
        boolean big = version == 43;
        if (big && (size < 16 || h.getShort(4) != 8 || h.getShort(6) != 0)) {
            throw DatasetException.file(path, "corrupt BigTIFF header: expected offset size 8 and 0 after it");
        }
        long ifd = big ? h.getLong(8) : h.getInt(4) & 0xFFFFFFFFL;
        int countSize = big ? 8 : 2;
        int entrySize = big ? 20 : 12;
        if (ifd < 8 || ifd > size - countSize) {
            throw DatasetException.file(path, "corrupt TIFF: the first IFD at byte " + ifd + " is outside the file ("
                    + size + " bytes)");
        }
        long entries = read(input, ifd, countSize, order);
        if (entries < 1 || entries > MAX_IFD_ENTRIES || ifd + countSize + entries * entrySize > size) {
            throw DatasetException.file(path, "corrupt TIFF: the first IFD at byte " + ifd + " claims " + entries
                    + " entries, more than the file (" + size + " bytes) or " + MAX_IFD_ENTRIES + " allow");
        }
        byte[] table = new byte[(int) entries * entrySize];
        input.readFully(ifd + countSize, table, 0, table.length);
        ByteBuffer t = ByteBuffer.wrap(table).order(order);
        Entry[] byTag = new Entry[65536];
        for (int i = 0; i < entries; i++) {
            int at = i * entrySize;
            int tag = t.getShort(at) & 0xFFFF;
            int type = t.getShort(at + 2) & 0xFFFF;
            long count = big ? t.getLong(at + 4) : t.getInt(at + 4) & 0xFFFFFFFFL;
            int inline = big ? 8 : 4;
            long valueField = ifd + countSize + at + (big ? 12 : 8);
            int typeSize = typeSize(type);
            long valueAt;
            if (typeSize == 0 || count < 0 || count > size) {
                valueAt = -1;                                  // a type we never read, or a count no file can hold
            } else if (count * typeSize <= inline) {
                valueAt = valueField;
            } else {
                valueAt = big ? t.getLong(at + 12) : t.getInt(at + 8) & 0xFFFFFFFFL;
                if (valueAt < 0 || valueAt + count * typeSize > size) {
                    valueAt = -1;
                }
            }
            byTag[tag] = new Entry(tag, type, count, valueAt);
        }
        TagReader tags = new TagReader(input, order, byTag, path);
        long width = tags.one(256, "ImageWidth", -1);
        long height = tags.one(257, "ImageLength", -1);
        long samples = tags.one(277, "SamplesPerPixel", 1);
        if (width < 1 || height < 1 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE || samples < 1
                || samples > MAX_SAMPLES_PER_PIXEL) {
            throw DatasetException.file(path, "corrupt TIFF: image of " + width + "x" + height + " pixels with "
                    + samples + " samples per pixel");
        }
        int bits = (int) tags.same(258, "BitsPerSample", samples, 1);
        int sampleFormat = (int) tags.same(339, "SampleFormat", samples, 1);
        int compression = (int) tags.one(259, "Compression", 1);
        int predictor = (int) tags.one(317, "Predictor", 1);
        int planar = (int) tags.one(284, "PlanarConfiguration", 1);
        int photometric = (int) tags.one(262, "PhotometricInterpretation", 1);
        String unsupported = null;
        if (!(bits == 8 || bits == 16 || bits == 32) || sampleFormat < 1 || sampleFormat > 3
                || (sampleFormat == 3 && bits != 32)) {
            unsupported = "samples of " + bits + " bits in SampleFormat " + sampleFormat
                    + " (supported: 8, 16, 32-bit integers and 32-bit floats)";
        } else if (compression != 1 && compression != 5 && compression != 8 && compression != 32946) {
            unsupported = "Compression " + compression + " (supported: 1 none, 5 LZW, 8 or 32946 Deflate)";
        } else if (predictor != 1 && predictor != 2) {
            unsupported = "Predictor " + predictor + " (supported: 1 none, 2 horizontal differencing)";
        } else if (planar != 1) {
            unsupported = "PlanarConfiguration " + planar + " (separate planes; supported: 1, chunky)";
        } else if (photometric == 3) {
            unsupported = "a palette (PhotometricInterpretation 3)";
        }
        if (unsupported != null) {
            throw new Unsupported(unsupported, byTag[324] != null);
        }
        boolean tiled = byTag[324] != null;
        long chunkWidth;
        long chunkHeight;
        Entry offsets;
        Entry counts;
        if (tiled) {
            chunkWidth = tags.one(322, "TileWidth", -1);
            chunkHeight = tags.one(323, "TileLength", -1);
            offsets = byTag[324];
            counts = tags.require(325, "TileByteCounts");
        } else {
            chunkWidth = width;
            chunkHeight = Math.min(height, tags.one(278, "RowsPerStrip", height));
            offsets = tags.require(273, "StripOffsets");
            counts = tags.require(279, "StripByteCounts");
        }
        String name = tiled ? "tiles" : "strips";
        if (chunkWidth < 1 || chunkHeight < 1) {
            throw DatasetException.file(path, "corrupt TIFF: " + name + " of " + chunkWidth + "x" + chunkHeight
                    + " pixels");
        }
        // Each side is at most MAX_CHUNK_BYTES before the product is taken, so the product cannot overflow.
        if (chunkWidth > MAX_CHUNK_BYTES || chunkHeight > MAX_CHUNK_BYTES
                || chunkWidth * chunkHeight * samples * (bits / 8) > MAX_CHUNK_BYTES) {
            String bytes = chunkWidth > MAX_CHUNK_BYTES || chunkHeight > MAX_CHUNK_BYTES ? "" : " ("
                    + chunkWidth * chunkHeight * samples * (bits / 8) + " bytes)";
            throw DatasetException.file(path, name + " of " + chunkWidth + "x" + chunkHeight + " pixels" + bytes
                    + " are more than the " + MAX_CHUNK_BYTES + " bytes a window read decodes at once: rewrite it "
                    + "with smaller tiles (e.g. tiffcp -8 -t -w 512 -l 512)");
        }
        long across = (width + chunkWidth - 1) / chunkWidth;
        long down = (height + chunkHeight - 1) / chunkHeight;
        long chunks = across * down;
        if (chunks > Integer.MAX_VALUE) {
            throw DatasetException.file(path, "corrupt TIFF: " + chunks + " " + name + " of " + chunkWidth + "x"
                    + chunkHeight + " pixels");
        }
        for (Entry e : new Entry[] {offsets, counts}) {
            if (e.count != chunks || e.valueAt < 0 || !(e.type == 3 || e.type == 4 || e.type == 16)) {
                throw DatasetException.file(path, "corrupt TIFF: tag " + e.tag + " has " + e.count + " values of "
                        + "type " + e.type + " where " + chunks + " " + (tiled ? "tile" : "strip") + " offsets or "
                        + "byte counts (SHORT, LONG or LONG8) inside the file are expected");
            }
        }
        return new Layout(big, order, (int) width, (int) height, (int) samples, bits, sampleFormat, compression,
                predictor, tiled, (int) chunkWidth, (int) chunkHeight, (int) across, (int) down, offsets.valueAt,
                typeSize(offsets.type), counts.valueAt, typeSize(counts.type));
    }

    /**
     * Every chunk must lie inside the file, and a compressed one be no larger than twice its decoded size (Deflate
     * and LZW never grow data that much): a truncated or corrupt file fails when opened, on the driver, before any
     * task, and a window read never allocates more than that bound. The arrays are read in blocks.
     */
    private static void checkChunks(SeekableInput input, Layout l, String path) throws IOException {
        long size = input.size();
        int block = 8192;
        long[] offsets = new long[block];
        long[] counts = new long[block];
        for (int start = 0; start < l.chunks(); start += block) {
            int n = Math.min(block, l.chunks() - start);
            fields(input, l.offsetsAt, l.offsetSize, start, n, l.order, offsets);
            fields(input, l.countsAt, l.countSize, start, n, l.order, counts);
            for (int i = 0; i < n; i++) {
                int index = start + i;
                long expected = (long) l.rowBytes(l.chunkWidth) * l.storedRows(index / l.across);
                long count = counts[i];
                long offset = offsets[i];
                String what = l.chunkName() + " " + index + " (row " + index / l.across + ", column "
                        + index % l.across + ")";
                if (l.compression == 1 && count < expected) {
                    throw DatasetException.file(path, "corrupt TIFF: uncompressed " + what + " has " + count
                            + " bytes, expected " + expected);
                }
                if (count < 1 || count > 2 * expected + 1024) {
                    throw DatasetException.file(path, "corrupt TIFF: " + what + " has a byte count of " + count
                            + " for " + expected + " decoded bytes");
                }
                if (offset < 0 || offset > size - Math.min(count, expected)
                        || (l.compression != 1 && offset > size - count)) {
                    throw DatasetException.file(path, "truncated or corrupt TIFF: " + what + " at byte " + offset
                            + " with " + count + " bytes ends past the end of the file (" + size + " bytes)");
                }
            }
        }
    }

    private static long field(SeekableInput input, long at, int size, int index, ByteOrder order)
            throws IOException {
        return read(input, at + (long) index * size, size, order);
    }

    private static void fields(SeekableInput input, long at, int size, int start, int n, ByteOrder order,
                               long[] into) throws IOException {
        byte[] bytes = new byte[n * size];
        input.readFully(at + (long) start * size, bytes, 0, bytes.length);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(order);
        for (int i = 0; i < n; i++) {
            into[i] = switch (size) {
                case 2 -> b.getShort(i * 2) & 0xFFFF;
                case 4 -> b.getInt(i * 4) & 0xFFFFFFFFL;
                default -> b.getLong(i * 8);
            };
        }
    }

    /** An unsigned value of 1, 2, 4 or 8 bytes at {@code at} (8-byte values past 2^63 read as negative). */
    private static long read(SeekableInput input, long at, int size, ByteOrder order) throws IOException {
        byte[] bytes = new byte[size];
        input.readFully(at, bytes, 0, size);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(order);
        return switch (size) {
            case 1 -> bytes[0] & 0xFF;
            case 2 -> b.getShort(0) & 0xFFFF;
            case 4 -> b.getInt(0) & 0xFFFFFFFFL;
            default -> b.getLong(0);
        };
    }

    /** Bytes of one value of the integer types read here (BYTE, SHORT, LONG, LONG8); 0 for any other type. */
    private static int typeSize(int type) {
        return switch (type) {
            case 1 -> 1;
            case 3 -> 2;
            case 4 -> 4;
            case 16 -> 8;
            default -> 0;
        };
    }

    /** Reads integer tag values, failing in one line on a missing required tag or a value of another type. */
    private record TagReader(SeekableInput input, ByteOrder order, Entry[] byTag, String path) {

        Entry require(int tag, String name) {
            Entry e = byTag[tag];
            if (e == null) {
                throw DatasetException.file(path, "corrupt TIFF: no " + name + " (tag " + tag + ")");
            }
            return e;
        }

        /** The single value of {@code tag}, or {@code absent} if it is missing ({@code -1}: required). */
        long one(int tag, String name, long absent) throws IOException {
            Entry e = byTag[tag];
            if (e == null) {
                if (absent < 0) {
                    require(tag, name);
                }
                return absent;
            }
            return values(e, name, 1)[0];
        }

        /** A tag with one value per sample, all equal (or a single value): that value. */
        long same(int tag, String name, long samples, long absent) throws IOException, Unsupported {
            Entry e = byTag[tag];
            if (e == null) {
                return absent;
            }
            long[] v = values(e, name, samples);
            for (long x : v) {
                if (x != v[0]) {
                    throw new Unsupported(name + " differing between samples " + java.util.Arrays.toString(v),
                            byTag[324] != null);
                }
            }
            return v[0];
        }

        private long[] values(Entry e, String name, long max) throws IOException {
            if (e.valueAt < 0 || e.count < 1 || e.count > max || typeSize(e.type) == 0) {
                throw DatasetException.file(path, "corrupt TIFF: " + name + " (tag " + e.tag + ") has " + e.count
                        + " values of type " + e.type + ", expected 1" + (max > 1 ? " to " + max : "")
                        + " integer(s) inside the file");
            }
            long[] v = new long[(int) e.count];
            for (int i = 0; i < v.length; i++) {
                v[i] = field(input, e.valueAt, typeSize(e.type), i, order);
            }
            return v;
        }
    }

    /** A well-formed TIFF in a layout this reader does not decode. */
    private static final class Unsupported extends Exception {
        private static final long serialVersionUID = 1L;

        private final boolean tiled;

        Unsupported(String what, boolean tiled) {
            super(what, null, false, false);
            this.tiled = tiled;
        }
    }
}
