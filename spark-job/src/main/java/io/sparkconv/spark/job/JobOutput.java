package io.sparkconv.spark.job;

import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.Rejection;
import io.sparkconv.datasets.spark.SparkDatasets;
import io.sparkconv.datasets.spark.TensorRows;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The job's output: Parquet rows of {@link TensorRows#SCHEMA} (source, index, ordinal, label, tensor) written
 * through Spark's file output committer, so a directory only looks complete (has {@code _SUCCESS}) when every task
 * committed; a failed job leaves no such marker.
 */
public final class JobOutput {
    /** Sub-directory of the output that lists rejected records under the quarantine policy. */
    public static final String QUARANTINE_DIR = "_quarantine";

    private JobOutput() {
    }

    /** Writes the records as Parquet and returns how many rows the committed output holds. */
    public static long writeParquet(SparkSession spark, JavaRDD<ImageRecord> records, String output,
            boolean overwrite) {
        SparkDatasets.toDataFrame(spark, records).write()
                .mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists).parquet(output);
        // Counted from the committed files, not from the tasks that wrote them; the schema is given so that no
        // schema-inference job runs.
        return spark.read().schema(TensorRows.SCHEMA).parquet(output).count();
    }

    /** Writes the rejections (source, index, reason) as JSON lines under {@code output/_quarantine}. */
    public static String writeQuarantine(SparkSession spark, List<Rejection> rejections, String output) {
        String path = output.endsWith("/") ? output + QUARANTINE_DIR : output + "/" + QUARANTINE_DIR;
        SparkDatasets.writeQuarantine(spark, rejections, path, SaveMode.Overwrite);
        return path;
    }
}
