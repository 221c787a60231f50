package io.sparkconv.datasets.spark;

import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.RecordCounts;
import io.sparkconv.datasets.RecordCursor;
import io.sparkconv.datasets.RecordIterator;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.Rejection;
import io.sparkconv.datasets.RejectionSink;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Inputs as Spark RDDs of {@link ImageRecord}, and records as DataFrames. Files are planned on the driver from
 * their headers ({@link DatasetSource#plan}) and read on the executors, one partition per split, streamed.
 *
 * <pre>{@code
 * DatasetRead in = SparkDatasets.read(spark, "data/x.npy", DatasetFormat.NPY, ReadOptions.defaults());
 * JavaRDD<ImageRecord> records = in.records();          // then mapPartitions(...) in the job
 * Dataset<Row> out = SparkDatasets.toDataFrame(spark, results);
 * out.write().parquet(dir);
 * RecordCounts c = in.counts().value();                 // after the action; the job adds written
 * }</pre>
 */
public final class SparkDatasets {
    /** Column read from Parquet / DataFrame inputs when none is named. */
    public static final String DEFAULT_TENSOR_COLUMN = TensorRows.TENSOR;

    private SparkDatasets() {
    }

    /**
     * Reads {@code path} in {@code format}. Parquet inputs are read with Spark's reader and their
     * {@value #DEFAULT_TENSOR_COLUMN} column (see {@link #fromDataFrame} for other columns).
     * Under FAIL, a file whose header is bad fails here, on the driver, before any task runs.
     */
    public static DatasetRead read(SparkSession spark, String path, DatasetFormat format, ReadOptions options) {
        if (format == DatasetFormat.PARQUET) {
            Dataset<Row> df = spark.read().parquet(path);
            return fromDataFrame(spark, df, DEFAULT_TENSOR_COLUMN, null, null, path, options);
        }
        return fromSplits(spark, DatasetSource.plan(path, format, options), options);
    }

    /** Reads planned splits, one partition each. */
    public static DatasetRead fromSplits(SparkSession spark, List<DatasetSplit> splits, ReadOptions options) {
        RecordCountsAccumulator counts = new RecordCountsAccumulator();
        spark.sparkContext().register(counts, "sparkconv records");
        CollectionAccumulator<Rejection> rejections = spark.sparkContext().collectionAccumulator("sparkconv rejections");
        SplitRDD rdd = new SplitRDD(spark.sparkContext(), splits, options, counts, rejections);
        return new DatasetRead(rdd.toJavaRDD(), counts, rejections, List.copyOf(splits));
    }

    /**
     * Image files through Spark's own image data source ({@code spark.read.format("image")}, which stores
     * BGR): files it cannot decode become bad records under the policy. The records are converted to the
     * options' data format and channel order.
     */
    public static DatasetRead readWithSparkImageSource(SparkSession spark, String path, ReadOptions options) {
        Dataset<Row> df = spark.read().format("image").option("dropInvalid", false)
                .option("recursiveFileLookup", true).load(path).orderBy("image.origin");
        return fromDataFrame(spark, df, "image", null, null, path, options);
    }

    /**
     * Records from a column of any DataFrame: the tensor struct, Spark's image struct, {@code array<float>},
     * {@code array<double>} or {@code binary} float32 (the last three with {@code shapeColumn} or
     * {@code fixedShape}, 3-D in the data format's layout). Identity columns {@code source}, {@code index},
     * {@code ordinal}, {@code label} are used when present; otherwise the source is {@code sourceName} and the
     * index the row's position in the DataFrame.
     */
    public static DatasetRead fromDataFrame(SparkSession spark, Dataset<Row> df, String column, String shapeColumn,
                                            int[] fixedShape, String sourceName, ReadOptions options) {
        RowTensorReader reader = new RowTensorReader(df.schema(), column, shapeColumn, fixedShape, sourceName,
                options);
        RecordCountsAccumulator counts = new RecordCountsAccumulator();
        spark.sparkContext().register(counts, "sparkconv records");
        CollectionAccumulator<Rejection> rejections = spark.sparkContext().collectionAccumulator("sparkconv rejections");
        boolean quarantine = options.badRecordPolicy() == BadRecordPolicy.QUARANTINE;
        JavaRDD<Tuple2<Row, Long>> numbered = df.javaRDD().zipWithIndex().rdd().toJavaRDD();
        JavaRDD<ImageRecord> records = numbered.mapPartitions(rows -> {
            RecordCursor cursor = new RecordCursor() {
                @Override
                public ImageRecord next() {
                    if (!rows.hasNext()) {
                        return null;
                    }
                    Tuple2<Row, Long> r = rows.next();
                    return reader.convert(r._1(), r._2());
                }

                @Override
                public void close() {
                }
            };
            RejectionSink sink = quarantine ? rejections::add : RejectionSink.NONE;
            RecordIterator it = DatasetSource.open(cursor, sourceName, options, sink);
            return new Iterator<ImageRecord>() {
                private boolean counted;

                @Override
                public boolean hasNext() {
                    boolean more = it.hasNext();
                    if (!more && !counted) {
                        counted = true;
                        counts.add(new RecordCounts(it.read(), 0, it.rejected()));
                    }
                    return more;
                }

                @Override
                public ImageRecord next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return it.next();
                }
            };
        });
        return new DatasetRead(records, counts, rejections, List.of());
    }

    /** Records as a DataFrame of {@link TensorRows#SCHEMA} (source, index, ordinal, label, tensor). */
    public static Dataset<Row> toDataFrame(SparkSession spark, JavaRDD<ImageRecord> records) {
        return spark.createDataFrame(records.map(TensorRows::toRow), TensorRows.SCHEMA);
    }

    /** Schema of the quarantine output: source, index (-1: the whole file), reason. */
    public static final StructType QUARANTINE_SCHEMA = new StructType(new StructField[] {
        new StructField("source", DataTypes.StringType, false, Metadata.empty()),
        new StructField("index", DataTypes.LongType, false, Metadata.empty()),
        new StructField("reason", DataTypes.StringType, false, Metadata.empty())
    });

    /** The quarantine rows as a DataFrame, sorted by source and index. */
    public static Dataset<Row> rejectionsDataFrame(SparkSession spark, List<Rejection> rejections) {
        List<Row> rows = new ArrayList<>();
        for (Rejection r : rejections) {
            rows.add(RowFactory.create(r.source(), r.index(), r.reason()));
        }
        return spark.createDataFrame(rows, QUARANTINE_SCHEMA).orderBy("source", "index");
    }

    /** Writes the quarantine output as JSON lines (one object per rejected record) with Spark's writer. */
    public static void writeQuarantine(SparkSession spark, List<Rejection> rejections, String path, SaveMode mode) {
        rejectionsDataFrame(spark, rejections).coalesce(1).write().mode(mode).json(path);
    }

    /**
     * Classes that cross the wire as data when this module's readers run under Kryo with registration
     * required: the record types, the Spark SQL type classes Spark's Parquet schema inference returns from
     * its tasks, and what {@code toLocalIterator} ships (found by running with
     * {@code spark.kryo.registrationRequired=true}).
     */
    public static List<Class<?>> kryoClasses() {
        List<Class<?>> out = new ArrayList<>(List.of(ImageRecord.class, ImageRecord[].class, Rejection.class,
                Rejection[].class, RecordCounts.class, DatasetSplit.class, DatasetFormat.class, int[].class,
                float[].class, String[].class));
        for (String name : SQL_TYPE_CLASSES) {
            try {
                out.add(name.endsWith("[]")
                        ? Class.forName("[L" + name.substring(0, name.length() - 2) + ";")
                        : Class.forName(name));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("Spark class " + name + " is missing: another Spark version?", e);
            }
        }
        return out;
    }

    private static final String[] SQL_TYPE_CLASSES = {
        "org.apache.spark.sql.types.StructType",
        "org.apache.spark.sql.types.StructType[]",
        "org.apache.spark.sql.types.StructField",
        "org.apache.spark.sql.types.StructField[]",
        "org.apache.spark.sql.types.ArrayType",
        "org.apache.spark.sql.types.Metadata",
        "org.apache.spark.sql.types.IntegerType$",
        "org.apache.spark.sql.types.LongType$",
        "org.apache.spark.sql.types.FloatType$",
        "org.apache.spark.sql.types.DoubleType$",
        "org.apache.spark.sql.types.StringType$",
        "org.apache.spark.sql.types.StringType",
        "org.apache.spark.sql.types.BinaryType$",
        "org.apache.spark.sql.types.BooleanType$",
        "scala.collection.immutable.Map$EmptyMap$",
        // toLocalIterator (the exporter) ships each partition's serialized rows as chunked buffers
        "org.apache.spark.util.io.ChunkedByteBuffer",
        "org.apache.spark.util.io.ChunkedByteBuffer[]",
        "java.nio.ByteBuffer[]",
        "java.nio.HeapByteBuffer",
    };
}
