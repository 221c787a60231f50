package io.sparkconv.spark.job;

import io.sparkconv.datasets.Rejection;
import io.sparkconv.datasets.spark.SparkDatasets;
import io.sparkconv.datasets.spark.TensorRows;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The job's output: Parquet rows of the input's columns (for files: source, index, ordinal, label) and the
 * {@code tensor} struct ({@code shape: array<int>, data: array<float>}), written
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
    public static long writeParquet(Dataset<Row> table, String directory) {
        SparkSession spark = table.sparkSession();
        withoutPageChecksums(table.write(), spark).mode(SaveMode.ErrorIfExists)
                // Feature maps never repeat: Parquet's dictionary attempt on the tensor values (hashing every
                // value, tens of KiB each as binary, then falling back to plain) only costs time.
                .option("parquet.enable.dictionary#" + TensorRows.TENSOR + "." + TensorRows.DATA, "false")
                .option("parquet.enable.dictionary#" + TensorRows.TENSOR + "." + TensorRows.DATA + ".list.element",
                        "false")
                .parquet(directory);
        // Counted from the committed files' footers, not from the tasks that wrote them (and without Spark's
        // reader, which ignores the hidden staging directory).
        return countRows(spark.sparkContext().hadoopConfiguration(), directory);
    }

    /** Parquet's setting for page checksums on write. */
    static final String PAGE_CHECKSUMS = "parquet.page.write-checksum.enabled";

    /**
     * Turns Parquet's page checksums off unless the session sets {@value #PAGE_CHECKSUMS}: writing them copies
     * every page once more and runs a CRC over it (about 6% of a binary-tensor run's task time in a profile), and
     * readers check them only when asked to, while the file system's own checksums (HDFS blocks, the local file
     * system's .crc files) still cover every byte.
     */
    public static <T> DataFrameWriter<T> withoutPageChecksums(DataFrameWriter<T> writer, SparkSession spark) {
        boolean configured = spark.conf().contains(PAGE_CHECKSUMS)
                || spark.sparkContext().hadoopConfiguration().get(PAGE_CHECKSUMS) != null;
        return configured ? writer : writer.option(PAGE_CHECKSUMS, "false");
    }

    /** Rows of the Parquet data files directly in {@code directory}, from their footers. */
    static long countRows(Configuration hadoop, String directory) {
        Path dir = new Path(directory);
        long rows = 0;
        try {
            FileSystem fs = dir.getFileSystem(hadoop);
            for (FileStatus f : fs.listStatus(dir)) {
                String name = f.getPath().getName();
                if (f.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
                    try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromStatus(f, hadoop))) {
                        rows += footer.getRecordCount();
                    }
                }
            }
        } catch (IOException e) {
            throw new JobConfigException("cannot count the rows written to " + directory + ": " + e.getMessage(), e);
        }
        return rows;
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
