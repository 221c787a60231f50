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
 * through Spark's file output committer into the job's staging directory ({@link OutputTarget}), which is renamed
 * into place only when the job is complete.
 */
public final class JobOutput {
    /** Sub-directory of the output that lists rejected records under the quarantine policy. */
    public static final String QUARANTINE_DIR = "_quarantine";

    private JobOutput() {
    }

    /**
     * Writes the records as Parquet into a new directory (the job's staging directory) and returns how many rows
     * the committed files hold.
     */
    public static long writeParquet(SparkSession spark, JavaRDD<ImageRecord> records, String directory) {
        SparkDatasets.toDataFrame(spark, records).write().mode(SaveMode.ErrorIfExists).parquet(directory);
        // Counted from the committed files, not from the tasks that wrote them; the schema is given so that no
        // schema-inference job runs.
        return spark.read().schema(TensorRows.SCHEMA).parquet(directory).count();
    }

    /** Where the rejections of the quarantine policy are listed under an output directory. */
    public static String quarantinePath(String output) {
        return output.endsWith("/") ? output + QUARANTINE_DIR : output + "/" + QUARANTINE_DIR;
    }

    /** Writes the rejections (source, index, reason) as JSON lines under {@code directory/_quarantine}. */
    public static void writeQuarantine(SparkSession spark, List<Rejection> rejections, String directory) {
        SparkDatasets.writeQuarantine(spark, rejections, quarantinePath(directory), SaveMode.ErrorIfExists);
    }
}
