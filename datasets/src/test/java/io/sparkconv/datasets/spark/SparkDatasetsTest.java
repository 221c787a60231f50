package io.sparkconv.datasets.spark;

import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.NonFinitePolicy;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordCounts;
import io.sparkconv.datasets.Rejection;
import io.sparkconv.datasets.npy.NpyWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparkDatasetsTest {
    @TempDir
    Path dir;

    static float[] values(int n, float seed) {
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = (float) Math.sin(seed + i * 0.37);
        }
        return d;
    }

    @Test
    void oneLargeNpyBecomesManyPartitionsAndRoundTripsThroughParquet() throws Exception {
        SparkSession spark = LocalSpark.get();
        Path npy = dir.resolve("big.npy");
        int[] shape = {10, 4, 3, 2};
        float[] data = values(10 * 24, 1f);
        NpyWriter.write(npy, shape, data);
        ReadOptions options = ReadOptions.defaults().withRecordsPerSplit(3);
        DatasetRead in = SparkDatasets.read(spark, npy.toString(), DatasetFormat.NPY, options);
        assertEquals(4, in.records().getNumPartitions());
        assertEquals(10, in.plannedRecords());
        assertArrayEquals(new int[] {4, 3, 2}, in.headerRecordShape());
        List<ImageRecord> got = in.records().collect();
        assertEquals(10, got.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(i, got.get(i).index());
            assertArrayEquals(Arrays.copyOfRange(data, i * 24, (i + 1) * 24), got.get(i).data());
        }
        assertEquals(new RecordCounts(10, 0, 0), in.counts().value());

        Path out = dir.resolve("out.parquet");
        SparkDatasets.toDataFrame(spark, in.records()).write().mode(SaveMode.Overwrite).parquet(out.toString());
        List<ImageRecord> again = new ArrayList<>(spark.read().schema(TensorRows.SCHEMA).parquet(out.toString())
                .collectAsList().stream().map(TensorRows::fromRow).toList());
        again.sort(Comparator.comparingLong(ImageRecord::ordinal));
        assertEquals(got, again);
    }

    /** good.npy (3 records, one with NaN), truncated.npy, magic.npy (not NPY), zero.npy (zero-sized dim). */
    private Path mixedDirectory() throws Exception {
        Path mixed = Files.createDirectories(dir.resolve("mixed"));
        float[] good = values(3 * 8, 2f);
        good[8 + 5] = Float.NaN; // record 1
        NpyWriter.write(mixed.resolve("a_good.npy"), new int[] {3, 2, 2, 2}, good);
        NpyWriter.write(mixed.resolve("b_truncated.npy"), new int[] {4, 2, 2, 2}, values(32, 3f));
        byte[] whole = Files.readAllBytes(mixed.resolve("b_truncated.npy"));
        Files.write(mixed.resolve("b_truncated.npy"), Arrays.copyOf(whole, whole.length - 5));
        Files.write(mixed.resolve("c_magic.npy"), "this is not an array at all".getBytes());
        NpyWriter.write(mixed.resolve("d_zero.npy"), new int[] {2, 0, 2, 2}, new float[0]);
        NpyWriter.write(mixed.resolve("e_good.npy"), new int[] {2, 2, 2, 2}, values(16, 4f));
        return mixed;
    }

    @Test
    void mixedDirectoryUnderEachPolicy() throws Exception {
        SparkSession spark = LocalSpark.get();
        String mixed = mixedDirectory().toString();
        ReadOptions base = ReadOptions.defaults().withNonFinitePolicy(NonFinitePolicy.REJECT);

        DatasetException fail = assertThrows(DatasetException.class,
                () -> SparkDatasets.read(spark, mixed, DatasetFormat.NPY, base));
        assertTrue(fail.getMessage().contains("b_truncated.npy") && fail.getMessage().contains("truncated"),
                fail.getMessage());

        DatasetRead skip = SparkDatasets.read(spark, mixed, DatasetFormat.NPY,
                base.withBadRecordPolicy(BadRecordPolicy.SKIP));
        List<ImageRecord> kept = skip.records().collect();
        // a_good: 3 read, record 1 rejected (NaN); b, c, d: one rejected each; e_good: 2 read
        assertEquals(4, kept.size());
        assertEquals(new RecordCounts(8, 0, 4), skip.counts().value());
        assertTrue(skip.rejections().value().isEmpty(), "SKIP keeps no quarantine");

        DatasetRead quarantine = SparkDatasets.read(spark, mixed, DatasetFormat.NPY,
                base.withBadRecordPolicy(BadRecordPolicy.QUARANTINE));
        assertEquals(4, quarantine.records().count());
        assertEquals(new RecordCounts(8, 0, 4), quarantine.counts().value());
        List<Rejection> rejected = new ArrayList<>(quarantine.rejections().value());
        rejected.sort(Comparator.comparing(Rejection::source));
        assertEquals(4, rejected.size());
        assertTrue(rejected.get(0).source().endsWith("a_good.npy") && rejected.get(0).index() == 1
                && rejected.get(0).reason().contains("NaN"), rejected.get(0).toString());
        assertTrue(rejected.get(1).source().endsWith("b_truncated.npy") && rejected.get(1).index() == -1
                && rejected.get(1).reason().contains("truncated"), rejected.get(1).toString());
        assertTrue(rejected.get(2).reason().contains("wrong magic"), rejected.get(2).toString());
        assertTrue(rejected.get(3).reason().contains("zero-sized"), rejected.get(3).toString());

        Path q = dir.resolve("quarantine");
        SparkDatasets.writeQuarantine(spark, rejected, q.toString(), SaveMode.Overwrite);
        Dataset<Row> written = spark.read().json(q.toString());
        assertEquals(4, written.count());
    }
}
