package io.sparkconv.datasets.cifar;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.ChannelOrder;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordCursor;
import io.sparkconv.datasets.io.InputFiles;
import io.sparkconv.datasets.io.SeekableInput;

import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-10 / CIFAR-100 binary batches: fixed-length records of label byte(s) then 3072 pixel bytes, the
 * red, green and blue 32x32 planes in turn. CIFAR-10 has one label (0..9); CIFAR-100 a coarse (0..19) and a
 * fine (0..99) label, the fine one becoming the record's label. Records are handed out as (32, 32, 3) or
 * (3, 32, 32) per the data format, RGB or BGR per the channel order, raw 0..255 values.
 */
public final class CifarFormat {
    public static final int SIDE = 32;
    public static final int PIXELS = 3 * SIDE * SIDE;
    private static final int BLOCK_RECORDS = 1024;

    private CifarFormat() {
    }

    public static int labelBytes(DatasetFormat format) {
        if (format == DatasetFormat.CIFAR10) {
            return 1;
        }
        if (format == DatasetFormat.CIFAR100) {
            return 2;
        }
        throw new IllegalArgumentException("not a CIFAR format: " + format);
    }

    public static int recordBytes(DatasetFormat format) {
        return labelBytes(format) + PIXELS;
    }

    /** Record count of a batch of {@code size} bytes, checking the size is whole records. */
    public static long records(DatasetFormat format, long size, String source) {
        int rb = recordBytes(format);
        if (size == 0) {
            throw DatasetException.file(source, "empty file: a " + format.cliName() + " batch has records of "
                    + rb + " bytes");
        }
        if (size % rb != 0) {
            throw DatasetException.file(source, "truncated or not a " + format.cliName() + " batch: " + size
                    + " bytes is not a whole number of " + rb + "-byte records (" + size / rb + " records and "
                    + size % rb + " bytes left over)");
        }
        return size / rb;
    }

    public static int[] recordShape(DataFormat format) {
        return format == DataFormat.CHANNELS_LAST ? new int[] {SIDE, SIDE, 3} : new int[] {3, SIDE, SIDE};
    }

    public static List<DatasetSplit> plan(DatasetFormat format, String path, ReadOptions options, long ordinalBase) {
        long size;
        try {
            size = InputFiles.size(path);
        } catch (IOException e) {
            throw DatasetException.file(path, "cannot read: " + e, e);
        }
        return plan(format, path, size, options, ordinalBase);
    }

    /**
     * Decodes one record's bytes at {@code offset}; returns its label.
     *
     * @throws DatasetException (recoverable) for a label out of range
     */
    public static int decode(DatasetFormat format, byte[] bytes, int offset, ReadOptions options, float[] out,
                             String source, long index) {
        int label;
        if (format == DatasetFormat.CIFAR10) {
            label = bytes[offset] & 0xFF;
            if (label > 9) {
                throw DatasetException.record(source, index, "CIFAR-10 label " + label + " is out of range 0..9");
            }
        } else {
            int coarse = bytes[offset] & 0xFF;
            label = bytes[offset + 1] & 0xFF;
            if (coarse > 19 || label > 99) {
                throw DatasetException.record(source, index, "CIFAR-100 labels (coarse " + coarse + ", fine " + label
                        + ") are out of range 0..19, 0..99");
            }
        }
        int base = offset + labelBytes(format);
        int plane = SIDE * SIDE;
        boolean bgr = options.channelOrder() == ChannelOrder.BGR;
        boolean last = options.dataFormat() == DataFormat.CHANNELS_LAST;
        for (int c = 0; c < 3; c++) {
            int srcPlane = base + (bgr ? 2 - c : c) * plane;
            for (int p = 0; p < plane; p++) {
                float v = bytes[srcPlane + p] & 0xFF;
                out[last ? p * 3 + c : c * plane + p] = v;
            }
        }
        return label;
    }

    public static RecordCursor open(DatasetSplit split, ReadOptions options) {
        String path = split.path();
        SeekableInput in;
        try {
            in = InputFiles.open(path);
        } catch (IOException e) {
            throw DatasetException.file(path, "cannot read: " + e, e);
        }
        return new Cursor(split, options, in);
    }

    /** Opens a planned split over the batch's bytes {@code in}, which the cursor closes. */
    public static RecordCursor open(DatasetSplit split, ReadOptions options, SeekableInput in) {
        return new Cursor(split, options, in);
    }

    /** Splits of a batch of {@code size} bytes named {@code path}. */
    public static List<DatasetSplit> plan(DatasetFormat format, String path, long size, ReadOptions options,
                                          long ordinalBase) {
        long records = records(format, size, path);
        long per = options.recordsPerSplitFor(recordBytes(format));
        List<DatasetSplit> out = new ArrayList<>();
        for (long from = 0; from < records; from += per) {
            out.add(DatasetSplit.range(format, path, null, from, Math.min(records, from + per), ordinalBase,
                    recordShape(options.dataFormat())));
        }
        return out;
    }

    private static final class Cursor implements RecordCursor {
        private final DatasetSplit split;
        private final ReadOptions options;
        private final SeekableInput in;
        private final DatasetFormat format;
        private final int recordBytes;
        private final int[] shape;
        private byte[] block;
        private long blockStart;
        private int blockCount;
        private long next;

        Cursor(DatasetSplit split, ReadOptions options, SeekableInput in) {
            this.split = split;
            this.options = options;
            this.in = in;
            this.format = split.format();
            this.recordBytes = recordBytes(format);
            this.shape = recordShape(options.dataFormat());
            this.next = split.from();
            this.blockStart = split.from();
        }

        @Override
        public ImageRecord next() {
            if (next >= split.to()) {
                return null;
            }
            long index = next;
            if (index >= blockStart + blockCount) {
                int count = (int) Math.min(BLOCK_RECORDS, split.to() - index);
                if (block == null) {
                    block = new byte[BLOCK_RECORDS * recordBytes];
                }
                try {
                    in.readFully(index * recordBytes, block, 0, count * recordBytes);
                } catch (EOFException e) {
                    throw DatasetException.fatalAt(split.path(), index, "truncated: the file ends inside record "
                            + index + " (" + e.getMessage() + ")", e);
                } catch (IOException e) {
                    throw DatasetException.fatalAt(split.path(), index, "cannot read: " + e, e);
                }
                blockStart = index;
                blockCount = count;
            }
            next++;
            float[] data = new float[PIXELS];
            int label = decode(format, block, (int) (index - blockStart) * recordBytes, options, data, split.path(),
                    index);
            return new ImageRecord(split.path(), index, split.ordinalBase() + index, label, shape.clone(), data);
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                throw DatasetException.file(split.path(), "cannot close: " + e, e);
            }
        }
    }
}
