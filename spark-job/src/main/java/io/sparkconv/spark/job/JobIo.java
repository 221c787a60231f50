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
import io.sparkconv.datasets.spark.TensorRows;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
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
        /** A table input: Spark's source name (parquet, orc, json, image) and the image column; else null. */
        private final String table;
        private final String column;
        private final int[] inputShape;
        /** A Parquet input's Spark schema, read from a footer on the driver; else null. */
        private org.apache.spark.sql.types.StructType schema;

        InputDescription(String path, DatasetFormat format, ReadOptions options, List<DatasetSplit> splits,
                long records, int[] recordShape) {
            this(path, format, options, splits, records, recordShape, null, null, null);
        }

        InputDescription(String path, DatasetFormat format, ReadOptions options, List<DatasetSplit> splits,
                long records, int[] recordShape, String table, String column, int[] inputShape) {
            this.path = path;
            this.format = format;
            this.options = options;
            this.splits = splits;
            this.records = records;
            this.recordShape = recordShape;
            this.table = table;
            this.column = column;
            this.inputShape = inputShape;
        }

        /** Spark's data source name of a table input (parquet, orc, json, image), or null for files read by us. */
        public String table() {
            return table;
        }

        /** The image column of a table input. */
        public String column() {
            return column;
        }

        /** --input-shape, or null. */
        public int[] inputShape() {
            return inputShape == null ? null : inputShape.clone();
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

        /** The same input, with records of more than {@code maxElements} elements made bad records. */
        InputDescription withMaxElements(long maxElements, String hint) {
            if (maxElements >= options.maxElementsPerRecord()) {
                return this;
            }
            InputDescription d = new InputDescription(path, format, options.withMaxElementsPerRecord(maxElements,
                    hint), splits, records, recordShape, table, column, inputShape);
            d.schema = schema;
            return d;
        }

        /** The same input, with records of another channel count than {@code channels} made bad records. */
        InputDescription withExpectedChannels(int channels) {
            InputDescription d = new InputDescription(path, format, options.withExpectedChannels(channels), splits,
                    records, recordShape, table, column, inputShape);
            d.schema = schema;
            return d;
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
                + " from its file names: give --input-format (npy, npz, idx, cifar10, cifar100, image, parquet)");
    }

    /** As {@link #describe(String, String, DataFormat, BadRecordPolicy, int, int, ImageMode)} with RGB images. */
    public static InputDescription describe(String input, String formatName, DataFormat dataFormat,
            BadRecordPolicy policy, int expectedChannels, int partitions) {
        return describe(input, formatName, dataFormat, policy, expectedChannels, partitions, ImageMode.COLOR);
    }

    /** As the full describe, for a file input (no --input-col, no --input-shape). */
    public static InputDescription describe(String input, String formatName, DataFormat dataFormat,
            BadRecordPolicy policy, int expectedChannels, int partitions, ImageMode colorMode) {
        return describe(input, formatName, null, null, dataFormat, policy, expectedChannels, partitions, colorMode);
    }

    /** Spark data sources read as tables, by their format names. */
    private static final List<String> TABLE_SOURCES = List.of("parquet", "orc", "json");

    /**
     * The Spark data source of a table input, or null for the files our readers read: parquet, orc, json (also
     * from file names), and image when a column is named (Spark's image source).
     */
    static String tableSource(String input, String formatName, String column) {
        if (formatName != null) {
            String name = formatName.trim().toLowerCase(java.util.Locale.ROOT);
            if (name.equals("jsonl")) {
                name = "json";
            }
            if (TABLE_SOURCES.contains(name)) {
                return name;
            }
            return column != null && format(input, formatName) == DatasetFormat.IMAGE ? "image" : null;
        }
        try {
            for (String f : InputFiles.listFiles(input)) {
                String n = InputFiles.fileName(f).toLowerCase(java.util.Locale.ROOT);
                if (n.endsWith(".orc")) {
                    return "orc";
                }
                if (n.endsWith(".json") || n.endsWith(".jsonl")) {
                    return "json";
                }
            }
        } catch (IOException e) {
            throw new JobConfigException("input " + input + " cannot be listed: " + e.getMessage(), e);
        }
        DatasetFormat guess = format(input, null);
        return guess == DatasetFormat.PARQUET ? "parquet" : column != null && guess == DatasetFormat.IMAGE ? "image"
                : null;
    }

    /**
     * Plans the input from its headers. {@code expectedChannels} (0 if unknown) makes records with another channel
     * count bad records; image files are decoded to {@code colorMode}'s channels whatever the layer expects (the
     * caller compares the two).
     */
    public static InputDescription describe(String input, String formatName, String column, int[] inputShape,
            DataFormat dataFormat, BadRecordPolicy policy, int expectedChannels, int partitions, ImageMode colorMode) {
        if (!exists(input)) {
            throw new JobConfigException("input " + input + " does not exist");
        }
        ReadOptions options = ReadOptions.defaults().withDataFormat(dataFormat).withBadRecordPolicy(policy)
                .withExpectedChannels(expectedChannels);
        String table = tableSource(input, formatName, column);
        if (table != null) {
            return describeTable(input, table, column == null ? TensorRows.TENSOR : column, inputShape, options);
        }
        if (column != null || inputShape != null) {
            throw new JobConfigException((column != null ? "--input-col" : "--input-shape") + " applies to table "
                    + "inputs (parquet, orc, json, or image through Spark's image source), not to "
                    + format(input, formatName).cliName() + " files, whose headers give the shape");
        }
        DatasetFormat format = format(input, formatName);
        if (format == DatasetFormat.IMAGE) {
            options = options.withImageMode(colorMode);
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

    /**
     * A table input, read by Spark's reader of {@code table}: the schema is checked when the job starts, before
     * any task ({@link ConvJob}). Parquet's record count comes from its footers, and for its {@code tensor} column
     * (a run's output) the record shape from the first row; else the shape is --input-shape, when given.
     */
    private static InputDescription describeTable(String input, String table, String column, int[] inputShape,
            ReadOptions options) {
        if (inputShape != null && (inputShape.length != 3 || java.util.Arrays.stream(inputShape).anyMatch(d -> d < 1))) {
            throw new JobConfigException("--input-shape " + Arrays.toString(inputShape) + " is not one image's shape:"
                    + " expected 3 positive values (H,W,C for channels_last, C,H,W for channels_first)");
        }
        if (table.equals("parquet")) {
            InputDescription parquet = describeParquet(input, options, column.equals(TensorRows.TENSOR)
                    && inputShape == null);
            int[] shape = parquet.recordShape != null ? parquet.recordShape : inputShape;
            InputDescription d = new InputDescription(input, DatasetFormat.PARQUET, options, List.of(),
                    parquet.records, shape, table, column, inputShape);
            d.schema = parquet.schema;
            return d;
        }
        return new InputDescription(input, table.equals("image") ? DatasetFormat.IMAGE : null, options, List.of(), 0,
                inputShape, table, column, inputShape);
    }

    /**
     * A Parquet input: the record count from the footers and, for the job's own record schema (a previous run's
     * output, {@code withTensorShape}), the record shape from the first row's {@code tensor.shape}, read on the
     * driver with only that column projected, so a channel mismatch is found before any task.
     */
    private static InputDescription describeParquet(String input, ReadOptions options, boolean withTensorShape) {
        Configuration hadoop = new Configuration();
        long records = 0;
        int[] shape = null;
        org.apache.spark.sql.types.StructType sparkSchema = null;
        try {
            for (String file : InputFiles.listFiles(input)) {
                org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file);
                MessageType schema;
                try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromPath(path, hadoop))) {
                    records += footer.getRecordCount();
                    schema = footer.getFooter().getFileMetaData().getSchema();
                    if (sparkSchema == null) {
                        sparkSchema = sparkSchema(footer.getFooter().getFileMetaData());
                    }
                }
                if (shape == null && withTensorShape) {
                    shape = firstRecordShape(file, path, schema, hadoop);
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof JobConfigException j) {
                throw j;
            }
            throw new JobConfigException("parquet input " + input + " cannot be read: "
                    + ConvJob.firstLine(e.getMessage()), e);
        }
        if (shape != null && shape.length != 3) {
            throw new JobConfigException("parquet input " + input + ": records must be 3-D, got shape "
                    + Arrays.toString(shape));
        }
        InputDescription d = new InputDescription(input, DatasetFormat.PARQUET, options, List.of(), records, shape);
        d.schema = sparkSchema;
        return d;
    }

    /**
     * Where the number of values per image is knowable on the driver - a flat array<float|double> or a binary
     * column of Parquet - the first row of the first file must hold as many as --input-shape says; else the job
     * would reject every row one by one.
     */
    static void checkFirstValueCount(InputDescription description) {
        if (!"parquet".equals(description.table()) || description.inputShape == null) {
            return;
        }
        String input = description.path();
        String column = description.column();
        int[] inputShape = description.inputShape;
        long expected = (long) inputShape[0] * inputShape[1] * inputShape[2];
        Configuration hadoop = new Configuration();
        try {
            for (String file : InputFiles.listFiles(input)) {
                org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file);
                MessageType schema;
                try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromPath(path, hadoop))) {
                    if (footer.getRecordCount() == 0) {
                        continue;
                    }
                    schema = footer.getFooter().getFileMetaData().getSchema();
                }
                Long values = firstValueCount(path, schema, column, hadoop);
                if (values != null && values != expected) {
                    throw new JobConfigException("--input-shape " + Arrays.toString(inputShape) + " needs " + expected
                            + " values per image, but the first row of column '" + column + "' in " + file + " holds "
                            + values);
                }
                return;
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof JobConfigException j) {
                throw j;
            }
            throw new JobConfigException("parquet input " + input + " cannot be read: "
                    + ConvJob.firstLine(e.getMessage()), e);
        }
    }

    /** Values in the first row of a flat float/double list or a binary (float32) column; null when not knowable. */
    private static Long firstValueCount(org.apache.hadoop.fs.Path path, MessageType schema, String column,
            Configuration hadoop) throws IOException {
        if (!schema.containsField(column)) {
            return null;
        }
        org.apache.parquet.schema.Type type = schema.getType(column);
        boolean binary = type.isPrimitive() && type.asPrimitiveType().getPrimitiveTypeName()
                == org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName.BINARY;
        // Spark's array<float>: a LIST group holding one repeated group holding the element.
        boolean flatList = !type.isPrimitive() && type.asGroupType().getFieldCount() == 1
                && !type.asGroupType().getType(0).isPrimitive()
                && type.asGroupType().getType(0).asGroupType().getFieldCount() == 1
                && type.asGroupType().getType(0).asGroupType().getType(0).isPrimitive();
        if (!binary && !flatList) {
            return null;
        }
        Configuration conf = new Configuration(hadoop);
        conf.set(ReadSupport.PARQUET_READ_SCHEMA, new MessageType(schema.getName(), type).toString());
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), path).withConf(conf)
                .build()) {
            Group row = reader.read();
            if (row == null || row.getFieldRepetitionCount(column) == 0) {
                return null; // no rows, or a null: the rows say
            }
            if (binary) {
                int bytes = row.getBinary(column, 0).length();
                return bytes % Float.BYTES == 0 ? (long) bytes / Float.BYTES : null;
            }
            return (long) row.getGroup(column, 0).getFieldRepetitionCount(0);
        }
    }

    /** Spark's key for the schema it stores in the Parquet files it writes. */
    private static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

    /**
     * A Parquet file's schema as Spark reads it, taken on the driver from its footer (no schema-inference job):
     * the schema Spark stored there, else the Parquet schema as Spark's reader converts it.
     */
    private static org.apache.spark.sql.types.StructType sparkSchema(
            org.apache.parquet.hadoop.metadata.FileMetaData metadata) {
        String stored = metadata.getKeyValueMetaData().get(SPARK_SCHEMA_KEY);
        if (stored != null) {
            return (org.apache.spark.sql.types.StructType) org.apache.spark.sql.types.DataType.fromJson(stored);
        }
        return new org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter(
                new org.apache.spark.sql.internal.SQLConf()).convert(metadata.getSchema());
    }

    /** The first row's tensor shape, null when the file has no rows. */
    private static int[] firstRecordShape(String file, org.apache.hadoop.fs.Path path, MessageType schema,
            Configuration hadoop) throws IOException {
        if (!schema.containsField(TensorRows.TENSOR)
                || schema.getType(TensorRows.TENSOR).isPrimitive()
                || !schema.getType(TensorRows.TENSOR).asGroupType().containsField(TensorRows.SHAPE)) {
            throw new JobConfigException("parquet file " + file + " has no " + TensorRows.TENSOR + "."
                    + TensorRows.SHAPE + " column: expected the schema of a sparkconv run's output");
        }
        GroupType tensor = schema.getType(TensorRows.TENSOR).asGroupType();
        MessageType projection = new MessageType(schema.getName(), new GroupType(tensor.getRepetition(),
                TensorRows.TENSOR, tensor.getType(TensorRows.SHAPE)));
        Configuration conf = new Configuration(hadoop);
        conf.set(ReadSupport.PARQUET_READ_SCHEMA, projection.toString());
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), path).withConf(conf)
                .build()) {
            Group row = reader.read();
            if (row == null) {
                return null;
            }
            // Spark writes array<int> as a LIST group: one repeated group per element, holding the element.
            Group list = row.getGroup(TensorRows.TENSOR, 0).getGroup(TensorRows.SHAPE, 0);
            int[] shape = new int[list.getFieldRepetitionCount(0)];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = list.getGroup(0, i).getInteger(0, 0);
            }
            return shape;
        }
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

    /** The records of a file input, read by tasks one partition per planned split, with their accounting. */
    public static DatasetRead read(SparkSession spark, InputDescription input) {
        return SparkDatasets.fromSplits(spark, input.splits(), input.options());
    }

    /** A table input as Spark reads it; its schema is read now, on the driver (JSON: inferred by a Spark job). */
    public static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> readTable(SparkSession spark,
            InputDescription input) {
        try {
            if (input.table().equals("image")) {
                // Files Spark cannot decode stay in as rows with no data: bad records under --on-bad-record. Each
                // row keeps its file's name as the column "origin" (the image struct itself is replaced by the output).
                org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> images = spark.read().format("image")
                        .option("dropInvalid", false).option("recursiveFileLookup", true).load(input.path());
                String column = input.column();
                if (!java.util.Arrays.asList(images.columns()).contains(column)) {
                    return images; // the column check names what is there
                }
                return images.select(org.apache.spark.sql.functions.col(column),
                        org.apache.spark.sql.functions.col(column + ".origin").as("origin"));
            }
            if (input.schema != null) {
                return spark.read().schema(input.schema).parquet(input.path());
            }
            return spark.read().format(input.table()).load(input.path());
        } catch (RuntimeException e) {
            throw new JobConfigException(input.table() + " input " + input.path() + " cannot be read: "
                    + ConvJob.firstLine(e.getMessage()), e);
        }
    }
}
