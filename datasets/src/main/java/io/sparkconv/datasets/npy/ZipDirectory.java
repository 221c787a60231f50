package io.sparkconv.datasets.npy;

import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.io.SeekableInput;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The central directory of a ZIP archive (an NPZ), ZIP64 included, read with positioned reads so that
 * stored members can be read in place and split like NPY files. Every inconsistency is a
 * {@link DatasetException} naming the archive.
 */
public final class ZipDirectory {
    /** Directories larger than this are refused (an NPZ has a handful of members). */
    static final long MAX_DIRECTORY_BYTES = 64L << 20;
    public static final int STORED = 0;
    public static final int DEFLATED = 8;

    /** One member. */
    public static final class Entry {
        private final String name;
        private final int method;
        private final long compressedSize;
        private final long size;
        private final long dataOffset;
        private final long crc;

        Entry(String name, int method, long compressedSize, long size, long dataOffset, long crc) {
            this.name = name;
            this.method = method;
            this.compressedSize = compressedSize;
            this.size = size;
            this.dataOffset = dataOffset;
            this.crc = crc;
        }

        /** The CRC-32 of the uncompressed data the central directory declares. */
        public long crc() {
            return crc;
        }

        public String name() {
            return name;
        }

        /** {@link #STORED} or {@link #DEFLATED}. */
        public int method() {
            return method;
        }

        public long compressedSize() {
            return compressedSize;
        }

        /** Uncompressed size. */
        public long size() {
            return size;
        }

        /** Archive offset of the member's (compressed) data. */
        public long dataOffset() {
            return dataOffset;
        }
    }

    private ZipDirectory() {
    }

    /** Reads the member list of the archive {@code in}; {@code source} names it in messages. */
    public static List<Entry> read(SeekableInput in, String source) {
        try {
            return readChecked(in, source);
        } catch (EOFException e) {
            throw DatasetException.file(source, "truncated ZIP archive: " + e.getMessage(), e);
        } catch (IOException e) {
            throw DatasetException.file(source, "cannot read ZIP archive: " + e, e);
        }
    }

    private static List<Entry> readChecked(SeekableInput in, String source) throws IOException {
        long size = in.size();
        if (size < 22) {
            throw DatasetException.file(source, "not a ZIP (NPZ) archive: only " + size
                    + " bytes, no end-of-central-directory record");
        }
        int tailLength = (int) Math.min(size, 22 + 65535);
        byte[] tail = new byte[tailLength];
        in.readFully(size - tailLength, tail, 0, tailLength);
        ByteBuffer t = ByteBuffer.wrap(tail).order(ByteOrder.LITTLE_ENDIAN);
        int eocd = -1;
        for (int i = tailLength - 22; i >= 0; i--) {
            if (t.getInt(i) == 0x06054b50 && i + 22 + (t.getShort(i + 20) & 0xFFFF) == tailLength) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw DatasetException.file(source, "not a ZIP (NPZ) archive: no end-of-central-directory record");
        }
        long entries = t.getShort(eocd + 10) & 0xFFFF;
        long dirSize = t.getInt(eocd + 12) & 0xFFFFFFFFL;
        long dirOffset = t.getInt(eocd + 16) & 0xFFFFFFFFL;
        long eocdPosition = size - tailLength + eocd;
        if (entries == 0xFFFF || dirSize == 0xFFFFFFFFL || dirOffset == 0xFFFFFFFFL) {
            if (eocdPosition < 20) {
                throw DatasetException.file(source, "ZIP64 archive without its ZIP64 locator");
            }
            byte[] loc = new byte[20];
            in.readFully(eocdPosition - 20, loc, 0, 20);
            ByteBuffer l = ByteBuffer.wrap(loc).order(ByteOrder.LITTLE_ENDIAN);
            if (l.getInt(0) != 0x07064b50) {
                throw DatasetException.file(source, "ZIP64 archive without its ZIP64 locator");
            }
            long z64 = l.getLong(8);
            if (z64 < 0 || z64 > size - 56) {
                throw DatasetException.file(source, "ZIP64 end record offset " + z64 + " is outside the archive");
            }
            byte[] rec = new byte[56];
            in.readFully(z64, rec, 0, 56);
            ByteBuffer r = ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN);
            if (r.getInt(0) != 0x06064b50) {
                throw DatasetException.file(source, "ZIP64 end record has a wrong signature");
            }
            entries = r.getLong(32);
            dirSize = r.getLong(40);
            dirOffset = r.getLong(48);
        }
        if (dirSize < 0 || dirOffset < 0 || dirSize > MAX_DIRECTORY_BYTES || dirOffset > size - dirSize) {
            throw DatasetException.file(source, "ZIP central directory (" + dirSize + " bytes at " + dirOffset
                    + ") does not fit the " + size + "-byte archive or exceeds " + MAX_DIRECTORY_BYTES + " bytes");
        }
        if (entries < 0 || entries > dirSize / 46) {
            throw DatasetException.file(source, "ZIP end record claims " + entries + " members, more than a "
                    + dirSize + "-byte central directory holds");
        }
        byte[] dir = new byte[(int) dirSize];
        in.readFully(dirOffset, dir, 0, dir.length);
        ByteBuffer d = ByteBuffer.wrap(dir).order(ByteOrder.LITTLE_ENDIAN);
        List<Entry> out = new ArrayList<>();
        int p = 0;
        for (long e = 0; e < entries; e++) {
            if (p + 46 > dir.length || d.getInt(p) != 0x02014b50) {
                throw DatasetException.file(source, "ZIP central directory entry " + e + " is malformed");
            }
            int flags = d.getShort(p + 8) & 0xFFFF;
            int method = d.getShort(p + 10) & 0xFFFF;
            long crc = d.getInt(p + 16) & 0xFFFFFFFFL;
            long compressed = d.getInt(p + 20) & 0xFFFFFFFFL;
            long uncompressed = d.getInt(p + 24) & 0xFFFFFFFFL;
            int nameLength = d.getShort(p + 28) & 0xFFFF;
            int extraLength = d.getShort(p + 30) & 0xFFFF;
            int commentLength = d.getShort(p + 32) & 0xFFFF;
            long localOffset = d.getInt(p + 42) & 0xFFFFFFFFL;
            int next = p + 46 + nameLength + extraLength + commentLength;
            if (next > dir.length) {
                throw DatasetException.file(source, "ZIP central directory entry " + e + " runs past the directory");
            }
            String name = new String(dir, p + 46, nameLength,
                    (flags & 0x800) != 0 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            int x = p + 46 + nameLength;
            int xEnd = x + extraLength;
            while (x + 4 <= xEnd) {
                int id = d.getShort(x) & 0xFFFF;
                int len = d.getShort(x + 2) & 0xFFFF;
                if (x + 4 + len > xEnd) {
                    throw DatasetException.file(source, "ZIP extra field of member '" + name + "' is malformed");
                }
                if (id == 0x0001) {
                    int q = x + 4;
                    int qEnd = q + len;
                    if (uncompressed == 0xFFFFFFFFL) {
                        uncompressed = zip64Field(d, q, qEnd, source, name);
                        q += 8;
                    }
                    if (compressed == 0xFFFFFFFFL) {
                        compressed = zip64Field(d, q, qEnd, source, name);
                        q += 8;
                    }
                    if (localOffset == 0xFFFFFFFFL) {
                        localOffset = zip64Field(d, q, qEnd, source, name);
                    }
                }
                x += 4 + len;
            }
            if ((flags & 1) != 0) {
                throw DatasetException.file(source, "ZIP member '" + name + "' is encrypted: not supported");
            }
            if (method != STORED && method != DEFLATED) {
                throw DatasetException.file(source, "ZIP member '" + name + "' uses compression method " + method
                        + ": expected 0 (stored) or 8 (deflated)");
            }
            if (compressed < 0 || uncompressed < 0 || localOffset < 0 || localOffset > size - 30) {
                throw DatasetException.file(source, "ZIP member '" + name + "' has sizes or offset outside the archive");
            }
            byte[] local = new byte[30];
            in.readFully(localOffset, local, 0, 30);
            ByteBuffer lh = ByteBuffer.wrap(local).order(ByteOrder.LITTLE_ENDIAN);
            if (lh.getInt(0) != 0x04034b50) {
                throw DatasetException.file(source, "ZIP member '" + name + "': no local header at offset "
                        + localOffset);
            }
            long dataOffset = localOffset + 30 + (lh.getShort(26) & 0xFFFF) + (lh.getShort(28) & 0xFFFF);
            if (dataOffset > size || compressed > size - dataOffset) {
                throw DatasetException.file(source, "ZIP member '" + name + "' claims " + compressed
                        + " bytes at offset " + dataOffset + ", past the end of the " + size + "-byte archive");
            }
            if (method == STORED && compressed != uncompressed) {
                throw DatasetException.file(source, "stored ZIP member '" + name + "' has compressed size "
                        + compressed + " but uncompressed size " + uncompressed);
            }
            out.add(new Entry(name, method, compressed, uncompressed, dataOffset, crc));
            p = next;
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Reads member {@code e} whole, checking what the central directory declares: the compressed size (the deflate
     * stream ends exactly there), the uncompressed size and the CRC-32, with java.util.zip's Inflater and CRC32.
     * Runs in constant memory. A mismatch is a {@link DatasetException} for the member ({@code source}).
     */
    public static void verify(SeekableInput in, Entry e, String source) {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[1 << 16];
        long produced = 0;
        try (InputStream raw = in.streamFrom(e.dataOffset())) {
            if (e.method() == STORED) {
                long left = e.compressedSize();
                while (left > 0) {
                    int r = raw.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (r < 0) {
                        throw DatasetException.file(source, "truncated ZIP member: its data ends after "
                                + produced + " of " + e.size() + " bytes");
                    }
                    crc.update(buffer, 0, r);
                    produced += r;
                    left -= r;
                }
            } else {
                Inflater inflater = new Inflater(true);
                try {
                    byte[] input = new byte[1 << 16];
                    long consumed = 0;
                    byte[] out = buffer;
                    while (!inflater.finished()) {
                        if (inflater.needsInput()) {
                            long left = e.compressedSize() - consumed;
                            int r = left <= 0 ? -1 : raw.read(input, 0, (int) Math.min(input.length, left));
                            if (r < 0) {
                                throw DatasetException.file(source, "corrupt ZIP member: its deflate stream does "
                                        + "not end within the declared " + e.compressedSize() + " compressed bytes");
                            }
                            consumed += r;
                            inflater.setInput(input, 0, r);
                        }
                        int n = inflater.inflate(out);
                        if (n == 0 && inflater.needsDictionary()) {
                            throw DatasetException.file(source, "corrupt ZIP member: deflate stream needs a "
                                    + "preset dictionary");
                        }
                        crc.update(out, 0, n);
                        produced += n;
                        if (produced > e.size()) {
                            throw DatasetException.file(source, "corrupt ZIP member: it inflates to more than the "
                                    + e.size() + " bytes its header declares");
                        }
                    }
                    long unused = consumed - inflater.getRemaining();
                    if (unused != e.compressedSize()) {
                        throw DatasetException.file(source, "corrupt ZIP member: its deflate stream ends after "
                                + unused + " of the declared " + e.compressedSize() + " compressed bytes");
                    }
                } catch (DataFormatException bad) {
                    throw DatasetException.file(source, "corrupt ZIP member: " + bad.getMessage(), bad);
                } finally {
                    inflater.end();
                }
            }
        } catch (IOException io) {
            throw DatasetException.file(source, "cannot read ZIP member: " + io, io);
        }
        if (produced != e.size()) {
            throw DatasetException.file(source, "corrupt ZIP member: it holds " + produced + " bytes but its header "
                    + "declares " + e.size());
        }
        if (crc.getValue() != e.crc()) {
            throw DatasetException.file(source, String.format("bad CRC-32 of ZIP member: the data gives %08x, the "
                    + "archive declares %08x (the member is corrupt)", crc.getValue(), e.crc()));
        }
    }

    private static long zip64Field(ByteBuffer d, int q, int end, String source, String name) {
        if (q + 8 > end) {
            throw DatasetException.file(source, "ZIP64 extra field of member '" + name + "' is too short");
        }
        return d.getLong(q);
    }
}
