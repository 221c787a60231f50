package io.sparkconv.spark.job;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageMode;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.io.InputFiles;
import io.sparkconv.datasets.npy.NpyArrays;
import io.sparkconv.datasets.npy.NpyWriter;
import io.sparkconv.datasets.spark.DatasetRead;
import io.sparkconv.datasets.spark.SparkDatasets;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * The job's files on top of the datasets module: the input is planned into splits on the driver from file
 * headers only (so header problems and channel mismatches are found before any task), then read by tasks one
 * split each with the bad-record policy applied; NPY weights and batches are read and written whole.
 */
public final class JobIo {
    private JobIo() {
    }

    /** What the driver knows of an input before reading it. */
    public static final class InputDescription implements Serializable {
        private static final long serialVersionUID = 1L;

        private final String path;
        private final DatasetFormat format;
        private final ReadOptions options;
        private final List<DatasetSplit> splits;
        private final long records;
        private final int[] recordShape;

        InputDescription(String path, DatasetFormat format, ReadOptions options, List<DatasetSplit> splits,
                long records, int[] recordShape) {
            this.path = path;
            this.format = format;
            this.options = options;
            this.splits = splits;
            this.records = records;
            this.recordShape = recordShape;
        }

        public String path() {
            return path;
        }

        public DatasetFormat format() {
            return format;
        }

        public ReadOptions options() {
            return options;
        }

        /** Records the headers announce (a file that cannot be read counts as one). */
        public long records() {
            return records;
        }

        /** The 3-D shape of the first readable split's records, in the data format; null when unknown (images). */
        public int[] recordShape() {
            return recordShape == null ? null : recordShape.clone();
        }

        /** Channels of the records. */
        public int channels() {
            if (recordShape != null) {
                return options.dataFormat() == DataFormat.CHANNELS_LAST ? recordShape[2] : recordShape[0];
            }
            return options.imageMode().channels();
        }

        List<DatasetSplit> splits() {
            return splits;
        }

        /** The same input, with records of another channel count than {@code channels} made bad records. */
        InputDescription withExpectedChannels(int channels) {
            return new InputDescription(path, format, options.withExpectedChannels(channels), splits, records,
                    recordShape);
        }
    }

    /** The format named on the command line, or the one the input's file names suggest. */
    static DatasetFormat format(String input, String formatName) {
        if (formatName != null) {
            try {
                return DatasetFormat.parse(formatName);
            } catch (IllegalArgumentException e) {
                throw new JobConfigException(e.getMessage(), e);
            }
        }
        List<String> files;
        try {
            files = InputFiles.listFiles(input);
        } catch (IOException e) {
            throw new JobConfigException("input " + input + " cannot be listed: " + e.getMessage(), e);
        }
        for (String f : files) {
            DatasetFormat guess = DatasetFormat.fromFileName(InputFiles.fileName(f));
            if (guess != null) {
                return guess;
            }
        }
        throw new JobConfigException("cannot tell the format of input " + input
                + " from its file names: give --input-format (npy, npz, idx, cifar10, cifar100, image)");
    }

    /**
     * Plans the input from its headers. {@code expectedChannels} (0 if unknown) makes records with another channel
     * count bad records, and picks the channel count images are decoded to.
     */
    public static InputDescription describe(String input, String formatName, DataFormat dataFormat,
            BadRecordPolicy policy, int expectedChannels, int partitions) {
        if (!exists(input)) {
            throw new JobConfigException("input " + input + " does not exist");
        }
        DatasetFormat format = format(input, formatName);
        if (format == DatasetFormat.PARQUET) {
            throw new JobConfigException("parquet input is not supported by run yet: convert it to NPY first");
        }
        ReadOptions options = ReadOptions.defaults().withDataFormat(dataFormat).withBadRecordPolicy(policy)
                .withExpectedChannels(expectedChannels);
        if (format == DatasetFormat.IMAGE) {
            options = options.withImageMode(expectedChannels == 1 ? ImageMode.GRAY
                    : expectedChannels == 4 ? ImageMode.COLOR_ALPHA : ImageMode.COLOR);
        }
        List<DatasetSplit> splits = plan(input, format, options);
        long records = 0;
        for (DatasetSplit s : splits) {
            records += s.recordCount();
        }
        if (partitions > 0 && format != DatasetFormat.IMAGE && records > 0) {
            // Re-plan so that the splits are about one partition each.
            options = options.withRecordsPerSplit(Math.max(1, (records + partitions - 1) / partitions));
            splits = plan(input, format, options);
        } else if (partitions > 0 && format == DatasetFormat.IMAGE) {
            options = options.withImagesPerSplit((int) Math.max(1, (records + partitions - 1) / partitions));
            splits = plan(input, format, options);
        }
        int[] shape = null;
        for (DatasetSplit s : splits) {
            if (s.failure() == null && s.recordShape() != null) {
                shape = s.recordShape();
                break;
            }
        }
        return new InputDescription(input, format, options, List.copyOf(splits), records, shape);
    }

    private static List<DatasetSplit> plan(String input, DatasetFormat format, ReadOptions options) {
        try {
            return DatasetSource.plan(input, format, options);
        } catch (RuntimeException e) {
            throw new JobConfigException(ConvJob.firstLine(e.getMessage()), e);
        }
    }

    static boolean exists(String path) {
        try {
            InputFiles.listFiles(path);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A whole NPY array (weights, a batch) as a float32 tensor. */
    public static FloatTensor readNpy(String path) {
        return NpyArrays.read(path);
    }

    /** Writes a float32 C-order NPY of the tensor's shape. */
    public static void writeNpy(String path, FloatTensor tensor) {
        try {
            NpyWriter.write(Path.of(path), tensor.shape(), tensor.data());
        } catch (IOException e) {
            throw new JobConfigException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    /** Writes records of one shape into one NPY of shape (N, record shape...), record by record. */
    public static final class NpyRecordWriter implements AutoCloseable {
        private final String path;
        private NpyWriter writer;

        NpyRecordWriter(String path) {
            this.path = path;
        }

        /** Starts the file once the record shape is known. */
        public void start(int[] recordShape) {
            try {
                writer = new NpyWriter(Path.of(path), recordShape);
            } catch (IOException e) {
                throw new JobConfigException("cannot write " + path + ": " + e.getMessage(), e);
            }
        }

        public void write(float[] record) {
            try {
                writer.write(record);
            } catch (IOException e) {
                throw new JobConfigException("cannot write " + path + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            if (writer != null) {
                try {
                    writer.close();
                } catch (IOException e) {
                    throw new JobConfigException("cannot write " + path + ": " + e.getMessage(), e);
                }
            }
        }
    }

    public static NpyRecordWriter npyRecordWriter(String path) {
        return new NpyRecordWriter(path);
    }

    /** The input's records, read by tasks one partition per planned split, with their accounting. */
    public static DatasetRead read(SparkSession spark, InputDescription input) {
        return SparkDatasets.fromSplits(spark, input.splits(), input.options());
    }
}
