package io.sparkconv.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.spark.TensorRows;
import io.sparkconv.spark.job.ConvJob;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/** The mapPartitions transform on a real local[2] Spark with Kryo registration required. */
class SparkConvTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.localSession("SparkConvTest");
        jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    private static Conv2D layer(String dataFormat, String padding, int filters, int cin, long seed) {
        Conv2D conv = Conv2D.builder(filters, 3, 2).strides(1, 2).padding(padding).dataFormat(dataFormat)
                .activation("relu").useBias(true).build();
        SplittableRandom r = new SplittableRandom(seed);
        conv.setWeights(SparkTestSupport.randomValues(r, 3 * 2 * cin * filters),
                SparkTestSupport.randomValues(r, filters));
        return conv;
    }

    /** The layer run in this JVM on a batch made of the records, one output image per record. */
    private static List<float[]> expected(Conv2D conv, List<ImageRecord> records) {
        List<float[]> out = new ArrayList<>();
        for (ImageRecord r : records) {
            int[] s = r.shape();
            FloatTensor y = conv.forward(new FloatTensor(r.data().clone(), 1, s[0], s[1], s[2]));
            out.add(y.data());
        }
        return out;
    }

    private static List<ImageRecord> sortedByOrdinal(List<ImageRecord> records) {
        List<ImageRecord> sorted = new ArrayList<>(records);
        sorted.sort(Comparator.comparingLong(ImageRecord::ordinal));
        return sorted;
    }

    @Test
    void convolvesEveryRecordAsTheLayerDoesAndKeepsItsIdentity() {
        Conv2D conv = layer("channels_last", "same", 4, 3, 1);
        List<ImageRecord> input = SparkTestSupport.randomRecords(7, "a.npy", 23, 100, 9, 7, 3);
        List<float[]> expected = expected(conv, input);
        try (SparkConv sparkConv = SparkConv.broadcast(jsc, conv, 3)) {
            List<ImageRecord> out = sortedByOrdinal(sparkConv.apply(jsc.parallelize(input, 3), 5).collect());
            assertEquals(input.size(), out.size());
            int[] outShape = conv.outputShape(new int[] {1, 9, 7, 3});
            for (int i = 0; i < input.size(); i++) {
                ImageRecord in = input.get(i);
                ImageRecord o = out.get(i);
                assertEquals(in.source(), o.source());
                assertEquals(in.index(), o.index());
                assertEquals(in.ordinal(), o.ordinal());
                assertEquals(in.label(), o.label());
                assertArrayEquals(Arrays.copyOfRange(outShape, 1, 4), o.shape());
                assertArrayEquals(expected.get(i), o.data(), 0f, "record " + i);
            }
            assertEquals(23, sparkConv.imagesConvolved());
            long perImage = 2L * outShape[1] * outShape[2] * 4 * 3 * 2 * 3;
            assertEquals(23 * perImage, sparkConv.flops());
        }
    }

    /**
     * Twelve records of two channels for one partition: 5 small images, 4 large, 3 small again, so batches of 4
     * meet a size change in their middle.
     */
    private static List<ImageRecord> mixedSizes(long seed, boolean channelsFirst) {
        int[] small = channelsFirst ? new int[] {2, 6, 5} : new int[] {6, 5, 2};
        int[] large = channelsFirst ? new int[] {2, 11, 8} : new int[] {11, 8, 2};
        List<ImageRecord> input = new ArrayList<>();
        input.addAll(SparkTestSupport.randomRecords(seed, "small.npy", 5, 0, small));
        input.addAll(SparkTestSupport.randomRecords(seed + 1, "large.npy", 4, 5, large));
        input.addAll(SparkTestSupport.randomRecords(seed + 2, "small2.npy", 3, 9, small));
        return input;
    }

    @Test
    void channelsFirstAndMixedImageSizesInOnePartition() {
        Conv2D conv = layer("channels_first", "valid", 3, 2, 2);
        List<ImageRecord> input = mixedSizes(11, true);
        List<float[]> expected = expected(conv, input);
        try (SparkConv sparkConv = SparkConv.broadcast(jsc, conv, 2)) {
            List<ImageRecord> out = sortedByOrdinal(sparkConv.apply(jsc.parallelize(input, 1), 4).collect());
            for (int i = 0; i < input.size(); i++) {
                assertEquals(input.get(i).source(), out.get(i).source());
                assertArrayEquals(expected.get(i), out.get(i).data(), 0f, "record " + i);
                int[] s = input.get(i).shape();
                int[] full = conv.outputShape(new int[] {1, s[0], s[1], s[2]});
                assertArrayEquals(Arrays.copyOfRange(full, 1, 4), out.get(i).shape());
            }
        }
    }

    /**
     * The job's partition path keeps each pending row without its input tensor: the other columns come out whole
     * and in order, and a row whose size differs from its batch's (carried to the next batch, its input still
     * needed) is convolved as the others.
     */
    @Test
    void theJobsPathLeavesTheInputColumnOutAndKeepsTheOthersWithMixedSizesInOnePartition() {
        Conv2D conv = layer("channels_last", "valid", 3, 2, 4);
        List<ImageRecord> input = mixedSizes(31, false);
        List<float[]> expected = expected(conv, input);
        try (SparkConv sparkConv = SparkConv.broadcast(jsc, conv, 2)) {
            InputColumn tensor = InputColumn.resolve(TensorRows.SCHEMA, TensorRows.TENSOR, null,
                    conv.spec().dataFormat(), false, conv, 2, InputColumn.Wording.JOB);
            RowConvolver convolver = sparkConv.convolver(tensor, 4, 0, HandleInvalid.ERROR, "test", "", null);
            Dataset<Row> out = ConvJob.convolve(ConvJob.recordTable(spark, jsc.parallelize(input, 1)), convolver);
            assertEquals(List.of(TensorRows.SOURCE, TensorRows.INDEX, TensorRows.ORDINAL, TensorRows.LABEL,
                    TensorRows.TENSOR), Arrays.asList(out.schema().fieldNames()));
            List<Row> rows = out.orderBy(TensorRows.ORDINAL).collectAsList();
            assertEquals(input.size(), rows.size());
            for (int i = 0; i < input.size(); i++) {
                ImageRecord record = input.get(i);
                Row row = rows.get(i);
                assertEquals(record.source(), row.getString(0), "record " + i);
                assertEquals(record.index(), row.getLong(1), "record " + i);
                assertEquals(record.ordinal(), row.getLong(2), "record " + i);
                assertEquals(record.label(), row.getInt(3), "record " + i);
                List<Float> values = row.getStruct(4).getList(1);
                float[] data = new float[values.size()];
                for (int j = 0; j < data.length; j++) {
                    data[j] = values.get(j);
                }
                assertArrayEquals(expected.get(i), data, 0f, "record " + i);
            }
        }
    }

    @Test
    void identicalBytesWhateverThePartitionsAndBatchSize() {
        Conv2D conv = layer("channels_last", "same", 5, 3, 3);
        List<ImageRecord> input = SparkTestSupport.randomRecords(21, "d.npy", 30, 0, 8, 8, 3);
        List<ImageRecord> reference = null;
        try (SparkConv sparkConv = SparkConv.broadcast(jsc, conv, 3)) {
            for (int partitions : new int[] {1, 7}) {
                for (int batch : new int[] {1, 16}) {
                    List<ImageRecord> out = sortedByOrdinal(
                            sparkConv.apply(jsc.parallelize(input, partitions), batch).collect());
                    if (reference == null) {
                        reference = out;
                    } else {
                        for (int i = 0; i < out.size(); i++) {
                            float[] a = reference.get(i).data();
                            float[] b = out.get(i).data();
                            for (int j = 0; j < a.length; j++) {
                                assertEquals(Float.floatToRawIntBits(a[j]), Float.floatToRawIntBits(b[j]),
                                        "partitions " + partitions + ", batch " + batch + ", record " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void theLayerIsBuiltOncePerJvmNotPerTask() {
        Conv2D conv = layer("channels_last", "valid", 2, 1, 4);
        List<ImageRecord> input = SparkTestSupport.randomRecords(31, "e.npy", 40, 0, 5, 5, 1);
        try (SparkConv sparkConv = SparkConv.broadcast(jsc, conv, 1)) {
            assertEquals(40, sparkConv.apply(jsc.parallelize(input, 8), 3).count());
            List<String> builds = sparkConv.layerBuilds();
            assertEquals(List.of(ProcessHandle.current().pid() + ":" + sparkConv.broadcastId()), builds);
            assertTrue(ExecutorLayerCache.holds(sparkConv.broadcastId()));
        }
    }

    @Test
    void aRecordWithTheWrongChannelCountFailsTheTaskWithAClearMessage() {
        Conv2D conv = layer("channels_last", "valid", 2, 3, 5);
        List<ImageRecord> input = SparkTestSupport.randomRecords(41, "wrong.npy", 4, 0, 6, 6, 2);
        try (SparkConv sparkConv = SparkConv.broadcast(jsc, conv, 3)) {
            SparkException e = assertThrows(SparkException.class, () -> sparkConv.apply(jsc.parallelize(input, 2), 2).count());
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            // The record is named: a bad record, not an anonymous argument error.
            assertTrue(root instanceof io.sparkconv.datasets.DatasetException, root.toString());
            assertTrue(root.getMessage().matches("wrong\\.npy record \\d+: .*") && root.getMessage().contains("3")
                    && root.getMessage().contains("2"), root.getMessage());
        }
    }

    @Test
    void batchSizeMustBePositive() {
        Conv2D conv = layer("channels_last", "valid", 2, 1, 6);
        try (SparkConv sparkConv = SparkConv.broadcast(jsc, conv, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> sparkConv.apply(jsc.parallelize(List.<ImageRecord>of(), 1), 0));
            assertTrue(e.getMessage().contains("batch size must be >= 1, got 0"), e.getMessage());
        }
    }

    @Test
    void kryoRoundTripsRecordsAndPayloadsWithRegistrationRequired() {
        SerializerInstance kryo = new KryoSerializer(spark.sparkContext().getConf()).newInstance();
        ImageRecord r = SparkTestSupport.randomRecords(51, "k.npy", 1, 77, 3, 4, 2).get(0);
        ImageRecord back = kryo.deserialize(kryo.serialize(r, ClassTag$.MODULE$.apply(ImageRecord.class)),
                ClassTag$.MODULE$.apply(ImageRecord.class));
        assertEquals(r, back);
        assertArrayEquals(r.data(), back.data(), 0f);
        LayerPayload p = new LayerPayload("{\"class_name\":\"Conv2D\",\"config\":{\"data_format\":"
                + "\"channels_last\"}}", 3, new float[] {1, -2, 3}, null);
        LayerPayload q = kryo.deserialize(kryo.serialize(p, ClassTag$.MODULE$.apply(LayerPayload.class)),
                ClassTag$.MODULE$.apply(LayerPayload.class));
        assertEquals(p.layerConfigJson(), q.layerConfigJson());
        assertEquals(3, q.inputChannels());
        assertArrayEquals(p.kernel(), q.kernel(), 0f);
        assertEquals(null, q.bias());
        // An unregistered class is refused: registration really is required.
        assertThrows(Exception.class, () -> kryo.serialize(new java.util.concurrent.atomic.LongAdder(),
                ClassTag$.MODULE$.apply(java.util.concurrent.atomic.LongAdder.class)));
        assertNotEquals(0, kryo.serialize(r, ClassTag$.MODULE$.apply(ImageRecord.class)).remaining());
    }

    @Test
    void aPayloadCarriesAResolvedLayerOnly() {
        // A config without data_format would let each executor's own keras.json decide it.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LayerPayload(
                "{\"class_name\":\"Conv2D\",\"config\":{\"filters\":2}}", 1, new float[] {1, 2}, null));
        assertTrue(e.getMessage().contains("data_format"), e.getMessage());
        Conv2D layer = Conv2D.fromConfig("{\"class_name\":\"Conv2D\",\"config\":{\"filters\":2,"
                + "\"kernel_size\":[1,1]}}");
        LayerPayload resolved = LayerPayload.of(layer, 1, new float[] {1, 2}, new float[] {0, 0});
        assertTrue(resolved.layerConfigJson().contains("\"data_format\": \"" + layer.spec().dataFormat().kerasName())
                || resolved.layerConfigJson().contains("\"data_format\":\"" + layer.spec().dataFormat().kerasName()),
                resolved.layerConfigJson());
    }
}
