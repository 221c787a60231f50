package io.sparkconv.datasets.npy;

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

        Entry(String name, int method, long compressedSize, long size, long dataOffset) {
            this.name = name;
            this.method = method;
            this.compressedSize = compressedSize;
            this.size = size;
            this.dataOffset = dataOffset;
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
            out.add(new Entry(name, method, compressed, uncompressed, dataOffset));
            p = next;
        }
        return Collections.unmodifiableList(out);
    }

    private static long zip64Field(ByteBuffer d, int q, int end, String source, String name) {
        if (q + 8 > end) {
            throw DatasetException.file(source, "ZIP64 extra field of member '" + name + "' is too short");
        }
        return d.getLong(q);
    }
}
