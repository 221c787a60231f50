package io.sparkconv.datasets.spark;

import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.RecordCounts;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.Rejection;
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

import java.util.ArrayList;
import java.util.List;

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
    private SparkDatasets() {
    }

    /**
     * Reads the files at {@code path} in {@code format} (not Parquet: tables, a run's output included, are read by
     * Spark's own readers and decoded by the spark-job module's one row convolver). Under FAIL, a file whose header
     * is bad fails here, on the driver, before any task runs.
     */
    public static DatasetRead read(SparkSession spark, String path, DatasetFormat format, ReadOptions options) {
        if (format == DatasetFormat.PARQUET) {
            throw new IllegalArgumentException("parquet " + path + " is a table: read it with spark.read(), and a run's"
                    + " output rows with TensorRows.fromRow");
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
