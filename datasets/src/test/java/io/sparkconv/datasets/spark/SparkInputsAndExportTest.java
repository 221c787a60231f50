package io.sparkconv.datasets.spark;

import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.PythonNumpy;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.npy.NpyWriter;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparkInputsAndExportTest {
    @TempDir
    Path dir;

    @Test
    void exportGathersShuffledParquetIntoOneNpyInInputOrderThatNumpyReads() throws Exception {
        SparkSession spark = LocalSpark.get();
        Path npy = dir.resolve("in.npy");
        float[] data = new float[23 * 2 * 3 * 2];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 0.5f - 7f;
        }
        NpyWriter.write(npy, new int[] {23, 2, 3, 2}, data);
        DatasetRead in = SparkDatasets.read(spark, npy.toString(), DatasetFormat.NPY,
                ReadOptions.defaults().withRecordsPerSplit(4));
        Path out = dir.resolve("out");
        // scatter the rows over partitions so that the Parquet files are not in input order
        SparkDatasets.toDataFrame(spark, in.records().repartition(5)).write().mode(SaveMode.Overwrite)
                .parquet(out.toString());
        Path exported = dir.resolve("exported.npy");
        assertEquals(23, NpyExport.export(spark, out.toString(), exported));
        String check = PythonNumpy.run(dir, String.join("\n",
                "import sys, numpy as np",
                "a = np.load(sys.argv[1]); b = np.load(sys.argv[2])",
                "assert a.shape == b.shape == (23, 2, 3, 2), (a.shape, b.shape)",
                "assert a.dtype == np.float32",
                "assert np.array_equal(a, b)",
                "print('equal')",
                ""), exported.toString(), npy.toString());
        assertTrue(check.startsWith("equal"), check);
    }
}
