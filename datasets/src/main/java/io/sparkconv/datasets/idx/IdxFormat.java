package io.sparkconv.datasets.idx;

import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordCursor;
import io.sparkconv.datasets.io.ElementType;
import io.sparkconv.datasets.io.InputFiles;
import io.sparkconv.datasets.io.SeekableInput;
import io.sparkconv.datasets.io.TensorCursor;
import io.sparkconv.datasets.io.TensorLayout;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * MNIST IDX files (big-endian): magic {@code 00 00 <type> <rank>}, rank int32 dims, then C-order data.
 * Rank 3 (N, H, W) is N gray images; rank 4 (N, d1, d2, d3) is N images in the data format's layout.
 * Gzipped files (recognised by their content, not their name) are read as streams; plain ones by
 * positioned reads. Splits are record ranges either way.
 */
public final class IdxFormat {
    private IdxFormat() {
    }

    /** A validated IDX header. */
    public static final class Header {
        private final ElementType type;
        private final long[] dims;
        private final long dataOffset;

        Header(ElementType type, long[] dims, long dataOffset) {
            this.type = type;
            this.dims = dims;
            this.dataOffset = dataOffset;
        }

        public ElementType type() {
            return type;
        }

        public long[] dims() {
            return dims.clone();
        }

        public long dataOffset() {
            return dataOffset;
        }
    }

    /** Reads the header at the start of {@code in} (uncompressed bytes). */
    public static Header readHeader(InputStream in, String source) {
        byte[] magic = new byte[4];
        readFully(in, magic, source, "the 4-byte IDX magic");
        if (magic[0] != 0 || magic[1] != 0) {
            throw DatasetException.file(source, "not an IDX file: magic starts " + String.format("%02x %02x",
                    magic[0] & 0xFF, magic[1] & 0xFF) + ", expected 00 00");
        }
        ElementType type;
        switch (magic[2] & 0xFF) {
            case 0x08:
                type = ElementType.UINT8;
                break;
            case 0x09:
                type = ElementType.INT8;
                break;
            case 0x0B:
                type = ElementType.INT16;
                break;
            case 0x0C:
                type = ElementType.INT32;
                break;
            case 0x0D:
                type = ElementType.FLOAT32;
                break;
            case 0x0E:
                type = ElementType.FLOAT64;
                break;
            default:
                throw DatasetException.file(source, String.format("IDX type code 0x%02x is not supported: expected "
                        + "0x08 (ubyte), 0x09, 0x0B, 0x0C, 0x0D or 0x0E", magic[2] & 0xFF));
        }
        int rank = magic[3] & 0xFF;
        if (rank != 3 && rank != 4) {
            throw DatasetException.file(source, "an IDX file of rank " + rank + " holds no images: expected rank 3 "
                    + "(N, H, W) or 4 (N, H, W, C)" + (rank == 1 ? "; this looks like a labels file" : ""));
        }
        byte[] d = new byte[4 * rank];
        readFully(in, d, source, "the " + rank + " IDX dimensions");
        long[] dims = new long[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = ((d[4 * i] & 0xFFL) << 24) | ((d[4 * i + 1] & 0xFFL) << 16) | ((d[4 * i + 2] & 0xFFL) << 8)
                    | (d[4 * i + 3] & 0xFFL);
            if (dims[i] > Integer.MAX_VALUE) {
                throw DatasetException.file(source, "IDX dimension " + i + " is " + dims[i]
                        + ": negative as a signed 32-bit count");
            }
        }
        return new Header(type, dims, 4 + 4L * rank);
    }

    public static TensorLayout layout(Header h, String source, ReadOptions options) {
        long[] dims = h.dims;
        return TensorLayout.of(source, h.type, ByteOrder.BIG_ENDIAN, false, h.dataOffset, dims[0],
                Arrays.copyOfRange(dims, 1, dims.length), options.dataFormat(), options.maxElementsPerRecord(),
                options.maxElementsHint());
    }

    public static List<DatasetSplit> plan(String path, ReadOptions options, long ordinalBase) {
        try (SeekableInput in = InputFiles.open(path)) {
            return plan(in, path, options, ordinalBase);
        } catch (IOException e) {
            throw DatasetException.file(path, "cannot read: " + e, e);
        }
    }

    /** Splits of the IDX bytes {@code in} (gzipped or not), named {@code path}. */
    public static List<DatasetSplit> plan(SeekableInput in, String path, ReadOptions options, long ordinalBase) {
        try {
            long size = in.size();
            boolean gz = isGzip(in);
            TensorLayout layout;
            if (gz) {
                try (InputStream s = new GZIPInputStream(new BufferedInputStream(in.streamFrom(0)), 8192)) {
                    layout = layout(readHeader(s, path), path, options);
                }
                // The gzip trailer holds the uncompressed size mod 2^32: a cheap check of the header's claim.
                byte[] trailer = new byte[4];
                in.readFully(size - 4, trailer, 0, 4);
                long isize = (trailer[0] & 0xFFL) | ((trailer[1] & 0xFFL) << 8) | ((trailer[2] & 0xFFL) << 16)
                        | ((trailer[3] & 0xFFL) << 24);
                long expected = layout.dataOffset() + layout.dataBytes();
                if ((expected & 0xFFFFFFFFL) != isize) {
                    throw DatasetException.file(path, "the IDX header promises " + expected + " bytes but the gzip "
                            + "trailer says the data is " + isize + " bytes (mod 2^32): truncated or inconsistent");
                }
            } else {
                layout = layout(readHeader(in.streamFrom(0), path), path, options);
                long expected = layout.dataOffset() + layout.dataBytes();
                if (size != expected) {
                    throw DatasetException.file(path, (size < expected ? "truncated: " : "") + "the IDX header "
                            + "promises " + expected + " bytes (" + layout.records() + " records of "
                            + layout.recordBytes() + " bytes) but the file has " + size);
                }
            }
            String labels = labelsBeside(path);
            if (labels != null) {
                readLabels(labels, layout.records(), 0, 0);
            }
            List<DatasetSplit> out = new ArrayList<>();
            long per = options.recordsPerSplitFor(layout.recordBytes());
            for (long from = 0; from < layout.records(); from += per) {
                DatasetSplit split = DatasetSplit.range(DatasetFormat.IDX, path, null, from,
                        Math.min(layout.records(), from + per), ordinalBase, layout.recordShape());
                out.add(labels == null ? split : split.withLabels(labels));
            }
            return out;
        } catch (EOFException e) {
            throw DatasetException.file(path, "truncated: " + e.getMessage(), e);
        } catch (IOException e) {
            throw DatasetException.file(path, "cannot read: " + e, e);
        }
    }

    public static RecordCursor open(DatasetSplit split, ReadOptions options) {
        try {
            return open(split, options, InputFiles.open(split.path()));
        } catch (IOException e) {
            throw DatasetException.file(split.path(), "cannot read: " + e, e);
        }
    }

    /** Opens a planned split over the file's bytes {@code in}, which the cursor closes. */
    public static RecordCursor open(DatasetSplit split, ReadOptions options, SeekableInput in) {
        String path = split.path();
        try {
            if (isGzip(in)) {
                SeekableInput file = in;
                InputStream s = new GZIPInputStream(new BufferedInputStream(in.streamFrom(0), 65536), 65536) {
                    @Override
                    public void close() throws IOException {
                        super.close();
                        file.close();
                    }
                };
                TensorLayout layout = layout(readHeader(s, path), path, options);
                return labelled(TensorCursor.stream(path, s, layout, split.from(), split.to(), split.ordinalBase()),
                        split, layout);
            }
            TensorLayout layout = layout(readHeader(in.streamFrom(0), path), path, options);
            return labelled(TensorCursor.seekable(path, in, layout, split.from(), split.to(), split.ordinalBase()),
                    split, layout);
        } catch (IOException e) {
            close(in);
            throw DatasetException.file(path, "cannot read: " + e, e);
        } catch (RuntimeException e) {
            close(in);
            throw e;
        }
    }

    private static TensorCursor labelled(TensorCursor cursor, DatasetSplit split, TensorLayout layout) {
        if (split.labels() == null) {
            return cursor;
        }
        try {
            return cursor.withLabels(readLabels(split.labels(), layout.records(), split.from(), split.to()));
        } catch (RuntimeException e) {
            cursor.close();
            throw e;
        }
    }

    /**
     * The MNIST labels file beside an images file ({@code train-images-idx3-ubyte} ->
     * {@code train-labels-idx1-ubyte}, same compression suffix), or null when there is none.
     */
    public static String labelsBeside(String imagesPath) {
        String name = InputFiles.fileName(imagesPath);
        if (!name.contains("images") || !name.contains("idx3")) {
            return null;
        }
        String labels = imagesPath.substring(0, imagesPath.length() - name.length())
                + name.replace("images", "labels").replace("idx3", "idx1");
        try {
            InputFiles.size(labels);
            return labels;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Labels {@code [from, to)} of an IDX labels file (ubyte, rank 1) that must hold exactly {@code records}
     * labels; checked whole (header and size) whatever the range.
     */
    public static byte[] readLabels(String path, long records, long from, long to) {
        try (SeekableInput in = InputFiles.open(path)) {
            boolean gz = isGzip(in);
            long size = in.size();
            InputStream s = gz ? new GZIPInputStream(new BufferedInputStream(in.streamFrom(0)), 8192)
                    : in.streamFrom(0);
            try {
                byte[] header = new byte[8];
                readFully(s, header, path, "the 8-byte IDX labels header");
                if (header[0] != 0 || header[1] != 0 || header[2] != 0x08 || header[3] != 1) {
                    throw DatasetException.file(path, String.format("not an IDX labels file: header starts "
                            + "%02x %02x %02x %02x, expected 00 00 08 01", header[0], header[1], header[2],
                            header[3]));
                }
                long count = ((header[4] & 0xFFL) << 24) | ((header[5] & 0xFFL) << 16) | ((header[6] & 0xFFL) << 8)
                        | (header[7] & 0xFFL);
                if (count != records) {
                    throw DatasetException.file(path, "the labels file holds " + count + " labels but its images file "
                            + "holds " + records + " images");
                }
                if (!gz && size != 8 + count) {
                    throw DatasetException.file(path, (size < 8 + count ? "truncated: " : "") + "the labels header "
                            + "promises " + (8 + count) + " bytes but the file has " + size);
                }
                long skip = from;
                while (skip > 0) {
                    long k = s.skip(skip);
                    if (k <= 0) {
                        if (s.read() < 0) {
                            throw DatasetException.file(path, "truncated: the labels end before label " + from);
                        }
                        k = 1;
                    }
                    skip -= k;
                }
                byte[] out = new byte[(int) (to - from)];
                readFully(s, out, path, "labels " + from + " to " + to);
                return out;
            } finally {
                s.close();
            }
        } catch (IOException e) {
            throw DatasetException.file(path, "cannot read labels: " + e, e);
        }
    }

    private static boolean isGzip(SeekableInput in) throws IOException {
        if (in.size() < 18) {
            return false;
        }
        byte[] m = new byte[2];
        in.readFully(0, m, 0, 2);
        return (m[0] & 0xFF) == 0x1f && (m[1] & 0xFF) == 0x8b;
    }

    private static void readFully(InputStream in, byte[] b, String source, String what) {
        int done = 0;
        try {
            while (done < b.length) {
                int n = in.read(b, done, b.length - done);
                if (n < 0) {
                    throw DatasetException.file(source, "truncated: the file ends after " + done + " of the "
                            + b.length + " bytes of " + what);
                }
                done += n;
            }
        } catch (IOException e) {
            throw DatasetException.file(source, "cannot read " + what + ": " + e, e);
        }
    }

    private static void close(SeekableInput in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // the first error is the one reported
            }
        }
    }
}
