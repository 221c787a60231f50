package io.sparkconv.datasets.npy;

import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordCursor;
import io.sparkconv.datasets.io.BoundedInputStream;
import io.sparkconv.datasets.io.ByteArrayInput;
import io.sparkconv.datasets.io.InputFiles;
import io.sparkconv.datasets.io.SeekableInput;
import io.sparkconv.datasets.io.TensorCursor;
import io.sparkconv.datasets.io.TensorLayout;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * Planning and reading of {@code .npy} files and {@code .npz} archives. Array ranks map to records so:
 * (N, H, W, C) or (N, C, H, W) are N images in the layout the data format says; rank 3 is one image
 * (or N gray images with {@link ReadOptions#withRank3IsGrayBatch}); rank 2 (H, W) is one gray image.
 */
public final class NpyFormat {
    /** Largest compressed Fortran-order member inflated whole in memory (it cannot be streamed by records). */
    static final long MAX_INFLATED_FORTRAN_BYTES = 256L << 20;

    private NpyFormat() {
    }

    /** The record layout an NPY header describes, for {@code options}; {@code baseOffset} is added to offsets. */
    public static TensorLayout layout(NpyHeader h, String source, ReadOptions options, long baseOffset) {
        long[] shape = h.shape();
        long records;
        long[] dims;
        switch (shape.length) {
            case 4:
                records = shape[0];
                dims = Arrays.copyOfRange(shape, 1, 4);
                break;
            case 3:
                if (options.rank3IsGrayBatch()) {
                    records = shape[0];
                    dims = Arrays.copyOfRange(shape, 1, 3);
                } else {
                    records = 1;
                    dims = shape;
                }
                break;
            case 2:
                records = 1;
                dims = shape;
                break;
            default:
                throw DatasetException.file(source, "an NPY array of shape " + Arrays.toString(shape)
                        + " (rank " + shape.length + ") is not images: expected rank 4 (N,H,W,C or N,C,H,W), "
                        + "3 (one image H,W,C or C,H,W; or N,H,W gray with rank3IsGrayBatch) or 2 (H,W)");
        }
        return TensorLayout.of(source, h.type(), h.order(), h.fortranOrder(), baseOffset + h.dataOffset(), records,
                dims, options.dataFormat(), options.maxElementsPerRecord(),
                options.maxElementsHint());
    }

    /** Splits of one {@code .npy} file, from its header. */
    public static List<DatasetSplit> planNpy(String path, ReadOptions options, long ordinalBase) {
        try (SeekableInput in = InputFiles.open(path)) {
            return planNpy(in, path, options, ordinalBase);
        } catch (IOException e) {
            throw DatasetException.file(path, "cannot read: " + e, e);
        }
    }

    /** Splits of the NPY bytes {@code in}, named {@code path}. */
    public static List<DatasetSplit> planNpy(SeekableInput in, String path, ReadOptions options, long ordinalBase)
            throws IOException {
        NpyHeader h = NpyHeader.read(in.streamFrom(0), path);
        TensorLayout layout = layout(h, path, options, 0);
        checkSize(path, in.size(), layout, h);
        return ranges(DatasetFormat.NPY, path, null, layout, options, ordinalBase);
    }

    /**
     * Splits of every member of an {@code .npz} archive. A member that cannot be read becomes a failed split
     * when {@code onBadMember} accepts it (it rethrows under the FAIL policy).
     */
    public static List<DatasetSplit> planNpz(String path, ReadOptions options, long ordinalBase,
                                             Consumer<DatasetException> onBadMember) {
        try (SeekableInput in = InputFiles.open(path)) {
            return planNpz(in, path, options, ordinalBase, onBadMember);
        } catch (IOException e) {
            throw DatasetException.file(path, "cannot read: " + e, e);
        }
    }

    /** Splits of the NPZ archive bytes {@code in}, named {@code path}. */
    public static List<DatasetSplit> planNpz(SeekableInput in, String path, ReadOptions options, long ordinalBase,
                                             Consumer<DatasetException> onBadMember) {
        List<DatasetSplit> out = new ArrayList<>();
        long ordinal = ordinalBase;
        try {
            for (ZipDirectory.Entry e : ZipDirectory.read(in, path)) {
                String source = path + "!" + e.name();
                try {
                    List<DatasetSplit> member = planMember(in, path, e, options, ordinal);
                    out.addAll(member);
                    ordinal += member.isEmpty() ? 0 : member.get(member.size() - 1).to();
                } catch (DatasetException bad) {
                    onBadMember.accept(bad);
                    out.add(DatasetSplit.failed(DatasetFormat.NPZ, source, ordinal, bad.reason()));
                    ordinal++;
                }
            }
        } catch (IOException e) {
            throw DatasetException.file(path, "cannot read: " + e, e);
        }
        return out;
    }

    private static List<DatasetSplit> planMember(SeekableInput in, String path, ZipDirectory.Entry e,
                                                 ReadOptions options, long ordinalBase) throws IOException {
        String source = path + "!" + e.name();
        if (!e.name().endsWith(".npy")) {
            throw DatasetException.file(source, "NPZ member is not an .npy array");
        }
        try (InputStream member = memberStream(in, e)) {
            NpyHeader h = NpyHeader.read(member, source);
            long base = e.method() == ZipDirectory.STORED ? e.dataOffset() : 0;
            TensorLayout layout = layout(h, source, options, base);
            checkSize(source, e.size(), layout.dataBytes() + h.dataOffset(), layout, h);
            if (e.method() == ZipDirectory.DEFLATED && layout.fortranOrder() && layout.records() > 1) {
                if (e.size() > MAX_INFLATED_FORTRAN_BYTES) {
                    throw DatasetException.file(source, "a compressed Fortran-order member of " + e.size()
                            + " bytes cannot be streamed by records (limit " + MAX_INFLATED_FORTRAN_BYTES
                            + " bytes inflated in memory): save it in C order or with np.savez (uncompressed)");
                }
                return List.of(DatasetSplit.range(DatasetFormat.NPZ, path, e.name(), 0, layout.records(),
                        ordinalBase, layout.recordShape()));
            }
            return ranges(DatasetFormat.NPZ, path, e.name(), layout, options, ordinalBase);
        }
    }

    private static InputStream memberStream(SeekableInput in, ZipDirectory.Entry e) {
        InputStream raw = new BoundedInputStream(in.streamFrom(e.dataOffset()), e.compressedSize());
        if (e.method() == ZipDirectory.STORED) {
            return raw;
        }
        Inflater inflater = new Inflater(true);
        return new BoundedInputStream(new InflaterInputStream(new BufferedInputStream(raw, 65536), inflater, 65536) {
            @Override
            public void close() throws IOException {
                super.close();
                inflater.end();
            }
        }, e.size());
    }

    private static void checkSize(String source, long actual, TensorLayout layout, NpyHeader h) {
        checkSize(source, actual, layout.dataOffset() + layout.dataBytes(), layout, h);
    }

    private static void checkSize(String source, long actual, long expected, TensorLayout layout, NpyHeader h) {
        if (actual < expected) {
            throw DatasetException.file(source, "truncated: the header (" + h + ") promises " + layout.dataBytes()
                    + " data bytes, so " + expected + " bytes in all, but there are only " + actual);
        }
        if (actual > expected) {
            throw DatasetException.file(source, "the header (" + h + ") describes " + expected
                    + " bytes but there are " + actual + ": " + (actual - expected) + " bytes unaccounted for");
        }
    }

    private static List<DatasetSplit> ranges(DatasetFormat format, String path, String member, TensorLayout layout,
                                             ReadOptions options, long ordinalBase) {
        List<DatasetSplit> out = new ArrayList<>();
        long per = options.recordsPerSplitFor(layout.recordBytes());
        for (long from = 0; from < layout.records(); from += per) {
            out.add(DatasetSplit.range(format, path, member, from, Math.min(layout.records(), from + per),
                    ordinalBase, layout.recordShape()));
        }
        return out;
    }

    /** Opens a planned NPY or NPZ split. */
    public static RecordCursor open(DatasetSplit split, ReadOptions options) {
        try {
            return open(split, options, InputFiles.open(split.path()));
        } catch (IOException e) {
            throw DatasetException.file(split.source(), "cannot read: " + e, e);
        }
    }

    /** Opens a planned split over the file's bytes {@code in}, which the cursor closes. */
    public static RecordCursor open(DatasetSplit split, ReadOptions options, SeekableInput in) {
        String path = split.path();
        String source = split.source();
        try {
            if (split.member() == null) {
                NpyHeader h = NpyHeader.read(in.streamFrom(0), path);
                TensorLayout layout = layout(h, path, options, 0);
                checkSize(path, in.size(), layout, h);
                return TensorCursor.seekable(source, in, layout, split.from(), split.to(), split.ordinalBase());
            }
            ZipDirectory.Entry entry = null;
            for (ZipDirectory.Entry e : ZipDirectory.read(in, path)) {
                if (e.name().equals(split.member())) {
                    entry = e;
                }
            }
            if (entry == null) {
                throw DatasetException.file(source, "the archive has no member '" + split.member() + "' any more");
            }
            // Every split checks its member's CRC-32 and sizes before handing out a record, so a corrupt member
            // gives rejected records, never garbage ones (one more sequential pass over the member).
            ZipDirectory.verify(in, entry, source);
            if (entry.method() == ZipDirectory.STORED) {
                NpyHeader h = NpyHeader.read(memberStream(in, entry), source);
                TensorLayout layout = layout(h, source, options, entry.dataOffset());
                return TensorCursor.seekable(source, in, layout, split.from(), split.to(), split.ordinalBase());
            }
            InputStream member = memberStream(in, entry);
            NpyHeader h = NpyHeader.read(member, source);
            TensorLayout layout = layout(h, source, options, 0);
            if (layout.fortranOrder()) {
                byte[] all = new byte[(int) entry.size()];
                System.arraycopy(readAll(member, (int) (entry.size() - h.dataOffset()), source), 0, all,
                        (int) h.dataOffset(), (int) (entry.size() - h.dataOffset()));
                member.close();
                in.close();
                TensorLayout inMemory = layout(h, source, options, 0);
                return TensorCursor.seekable(source, new ByteArrayInput(all), inMemory, split.from(), split.to(),
                        split.ordinalBase());
            }
            SeekableInput archive = in;
            InputStream owning = new java.io.FilterInputStream(member) {
                @Override
                public void close() throws IOException {
                    super.close();
                    archive.close();
                }
            };
            return TensorCursor.stream(source, owning, layout, split.from(), split.to(), split.ordinalBase());
        } catch (IOException e) {
            closeQuietly(in);
            throw DatasetException.file(source, "cannot read: " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(in);
            throw e;
        }
    }

    private static byte[] readAll(InputStream in, int n, String source) throws IOException {
        byte[] b = new byte[n];
        int done = 0;
        while (done < n) {
            int r = in.read(b, done, n - done);
            if (r < 0) {
                throw DatasetException.file(source, "truncated: compressed member ends after " + done + " of " + n
                        + " data bytes");
            }
            done += r;
        }
        return b;
    }

    private static void closeQuietly(SeekableInput in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // already failing; the first error is the one reported
            }
        }
    }
}
