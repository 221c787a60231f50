package io.sparkconv.spark.job;

import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.spark.TensorRows;
import io.sparkconv.spark.InputKind;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/** Gathers a job's Parquet output into one NPY in input order (by ordinal), streaming, never the whole output. */
public final class JobExport {
    private JobExport() {
    }

    /** How many records were exported, and the shape of the array written. */
    public static final class Result {
        private final long records;
        private final int[] recordShape;

        Result(long records, int[] recordShape) {
            this.records = records;
            this.recordShape = recordShape;
        }

        public long records() {
            return records;
        }

        public int[] recordShape() {
            return recordShape == null ? null : recordShape.clone();
        }

        /** e.g. "(120, 30, 30, 2)". */
        public String shapeText() {
            StringBuilder b = new StringBuilder("(").append(records);
            if (recordShape != null) {
                for (int d : recordShape) {
                    b.append(", ").append(d);
                }
            }
            return b.append(')').toString();
        }
    }

    /** Exports on the active SparkSession, or on a new local one that is stopped at the end. */
    public static Result exportWithSession(String input, String output, String master) {
        SparkSession active = SparkSession.getActiveSession().isDefined() ? SparkSession.getActiveSession().get()
                : null;
        if (active != null) {
            return export(active, input, output);
        }
        SparkSession spark = SparkSession.builder().config(ConvJob.sparkConf(master)).getOrCreate();
        try {
            return export(spark, input, output);
        } finally {
            spark.stop();
        }
    }

    public static Result export(SparkSession spark, String input, String output) {
        Path dir = new Path(input);
        try {
            FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(dir)) {
                throw new JobConfigException("input " + input + " does not exist");
            }
            if (!fs.exists(new Path(dir, "_SUCCESS"))) {
                throw new JobConfigException("input " + input + " is not a complete job output (no _SUCCESS marker)");
            }
        } catch (IOException e) {
            throw new JobConfigException("cannot read " + input + ": " + e.getMessage(), e);
        }
        // Spark's vectorized Parquet reader decodes 4096 rows at a time: with records of 100 KB that is 400 MB per
        // task before anything is written. The row reader holds one row at a time; the sort spills to disk; and
        // RDD.toLocalIterator fetches one sorted partition at a time, as our own (Kryo-registered) records.
        var sql = spark.conf();
        String vectorizedKey = "spark.sql.parquet.enableVectorizedReader";
        String previous = sql.contains(vectorizedKey) ? sql.get(vectorizedKey) : null;
        sql.set(vectorizedKey, "false");
        try {
            return write(spark, input, output);
        } finally {
            if (previous == null) {
                sql.unset(vectorizedKey);
            } else {
                sql.set(vectorizedKey, previous);
            }
        }
    }

    /** Whether a run's output holds the binary tensor encoding (--output-encoding binary). */
    private static boolean binaryTensors(SparkSession spark, String input) {
        try {
            org.apache.spark.sql.types.StructType schema = spark.read().parquet(input).schema();
            return Arrays.asList(schema.fieldNames()).contains(TensorRows.TENSOR)
                    && InputKind.isBinaryTensorStruct(schema.apply(TensorRows.TENSOR).dataType());
        } catch (RuntimeException e) {
            return false; // no readable schema: the read below says what is wrong
        }
    }

    private static Result write(SparkSession spark, String input, String output) {
        boolean binary = binaryTensors(spark, input);
        Iterator<ImageRecord> records = spark.read().schema(binary ? TensorRows.BINARY_SCHEMA : TensorRows.SCHEMA)
                .parquet(input).orderBy(TensorRows.ORDINAL)
                .javaRDD().map(TensorRows::fromRow).toLocalIterator();
        try (JobIo.NpyRecordWriter writer = JobIo.npyRecordWriter(output)) {
            int[] shape = null;
            long n = 0;
            while (records.hasNext()) {
                ImageRecord r = records.next();
                if (shape == null) {
                    shape = r.shape();
                    writer.start(shape);
                } else if (!Arrays.equals(shape, r.shape())) {
                    throw new JobConfigException("record " + r.source() + "[" + r.index() + "] has shape "
                            + Arrays.toString(r.shape()) + ", the first had " + Arrays.toString(shape)
                            + ": records of different shapes cannot be gathered into one NPY");
                }
                writer.write(r.data());
                n++;
            }
            if (shape == null) {
                throw new JobConfigException("input " + input + " has no records to export");
            }
            return new Result(n, shape);
        }
    }
}
