package io.sparkconv.datasets.spark;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.PythonNumpy;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordCounts;
import io.sparkconv.datasets.RejectionSink;
import io.sparkconv.datasets.image.SampleImages;
import io.sparkconv.datasets.npy.NpyWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    @Test
    void dataFrameColumnsOfEveryKind() {
        SparkSession spark = LocalSpark.get();
        StructType schema = new StructType(new StructField[] {
            new StructField("id", DataTypes.StringType, false, Metadata.empty()),
            new StructField("doubles", DataTypes.createArrayType(DataTypes.DoubleType), true, Metadata.empty()),
            new StructField("bytes", DataTypes.BinaryType, true, Metadata.empty()),
            new StructField("dims", DataTypes.createArrayType(DataTypes.LongType), true, Metadata.empty())
        });
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < 6; r++) {
            double[] d = new double[2 * 2 * 3];
            ByteBuffer b = ByteBuffer.allocate(d.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < d.length; i++) {
                d[i] = r * 100 + i + 0.25;
                b.putFloat((float) d[i]);
            }
            List<Double> boxed = new ArrayList<>();
            for (double v : d) {
                boxed.add(v);
            }
            // row 4 lies about its shape: a bad record
            List<Long> dims = r == 4 ? List.of(2L, 2L, 2L) : List.of(2L, 2L, 3L);
            rows.add(RowFactory.create("row" + r, boxed, b.array(), dims));
        }
        Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(3);
        ReadOptions skip = ReadOptions.defaults().withBadRecordPolicy(BadRecordPolicy.QUARANTINE);
        for (String column : List.of("doubles", "bytes")) {
            DatasetRead read = SparkDatasets.fromDataFrame(spark, df, column, "dims", null, "table", skip);
            List<ImageRecord> got = new ArrayList<>(read.records().collect());
            assertEquals(5, got.size(), column);
            assertEquals(new RecordCounts(6, 0, 1), read.counts().value());
            assertEquals(1, read.rejections().value().size());
            assertTrue(read.rejections().value().get(0).reason().contains("holds 8 elements but the data has 12"),
                    read.rejections().value().toString());
            for (ImageRecord r : got) {
                assertArrayEquals(new int[] {2, 2, 3}, r.shape());
                assertEquals(r.data()[1] - 1, r.data()[0]);
                assertEquals(0.25f, r.data()[0] % 1f);
            }
        }
        DatasetRead fixed = SparkDatasets.fromDataFrame(spark, df.drop("dims"), "bytes", null, new int[] {2, 6},
                "table", ReadOptions.defaults().withDataFormat(DataFormat.CHANNELS_FIRST));
        List<ImageRecord> got = fixed.records().collect();
        assertEquals(6, got.size());
        assertArrayEquals(new int[] {1, 2, 6}, got.get(0).shape());
    }

    @Test
    void sparkImageSourceAgreesWithOurDecoderInBothChannelOrders() throws Exception {
        SparkSession spark = LocalSpark.get();
        Path samples = SampleImages.generate(dir.resolve("imgs"), 6, 16).get(0).getParent();
        for (ReadOptions options : List.of(ReadOptions.defaults(),
                ReadOptions.defaults().withChannelOrder(io.sparkconv.datasets.ChannelOrder.BGR)
                        .withDataFormat(DataFormat.CHANNELS_FIRST))) {
            List<ImageRecord> viaSpark = new ArrayList<>(SparkDatasets.readWithSparkImageSource(spark,
                    samples.toString(), options).records().collect());
            List<ImageRecord> ours = new ArrayList<>();
            DatasetSource.readAll(samples.toString(), DatasetFormat.IMAGE, options, RejectionSink.NONE, null)
                    .forEachRemaining(ours::add);
            assertEquals(6, viaSpark.size());
            viaSpark.sort(Comparator.comparing(ImageRecord::source));
            for (int i = 0; i < 6; i++) {
                assertTrue(viaSpark.get(i).source().endsWith(Path.of(ours.get(i).source()).getFileName().toString()),
                        viaSpark.get(i).source());
                assertArrayEquals(ours.get(i).shape(), viaSpark.get(i).shape());
                assertArrayEquals(ours.get(i).data(), viaSpark.get(i).data(), 0f, ours.get(i).source());
            }
        }
    }
}
