package io.sparkconv.spark.ml;

import static io.sparkconv.spark.ml.MlTestSupport.coreForward;
import static io.sparkconv.spark.ml.MlTestSupport.layerJson;
import static io.sparkconv.spark.ml.MlTestSupport.randomFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.core.tensor.FloatTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The transformer on array, vector and tensor columns in local[2] Spark: every output equals the core layer's
 * forward pass (itself verified against TensorFlow) on the same image, bit for bit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Conv2DTransformerTest {
    private static final int HEIGHT = 5;
    private static final int WIDTH = 6;
    private static final int CHANNELS = 3;
    private static final int IMAGES = 7;

    private SparkSession spark;

    @BeforeAll
    void startSpark() {
        spark = MlTestSupport.startSpark("Conv2DTransformerTest");
    }

    @AfterAll
    void stopSpark() {
        MlTestSupport.stopSpark(spark);
    }

    private static final String SAME_RELU = layerJson(4, 3, 3, 1, "same", "channels_last", 1, 1, "relu", true);
    private static final float[] KERNEL = randomFloats(3 * 3 * CHANNELS * 4, 11);
    private static final float[] BIAS = randomFloats(4, 12);

    private static float[] image(int index) {
        return randomFloats(HEIGHT * WIDTH * CHANNELS, 100 + index);
    }

    private Dataset<Row> floatArrays() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            rows.add(RowFactory.create(i, boxed(image(i))));
        }
        StructType schema = new StructType()
                .add("id", DataTypes.IntegerType, false)
                .add("pixels", DataTypes.createArrayType(DataTypes.FloatType, false), true);
        return spark.createDataFrame(rows, schema);
    }

    private static Float[] boxed(float[] values) {
        Float[] boxed = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return boxed;
    }

    private static Conv2DTransformer sameRelu(String inputCol) {
        return new Conv2DTransformer().setLayerConfig(SAME_RELU).setWeights(KERNEL, BIAS).setInputCol(inputCol)
                .setOutputCol("features").setInputShape(HEIGHT, WIDTH, CHANNELS).setBatchSize(3);
    }

    /** The tensor column's values by id, asserting the shape of each unless expectedShape is null. */
    static float[][] outputsById(Dataset<Row> result, String column, int count, int[] expectedShape) {
        float[][] outputs = new float[count][];
        for (Row row : result.select("id", column).collectAsList()) {
            Row tensor = row.getStruct(1);
            assertNotNull(tensor, "output of row " + row.getInt(0));
            List<Integer> shape = tensor.getList(0);
            if (expectedShape != null) {
                assertArrayEquals(expectedShape, shape.stream().mapToInt(Integer::intValue).toArray());
            }
            List<Float> data = tensor.getList(1);
            float[] values = new float[data.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = data.get(i);
            }
            outputs[row.getInt(0)] = values;
        }
        return outputs;
    }

    private void assertEqualsCore(Dataset<Row> result, String layer, float[] kernel, float[] bias,
            DataFormat format, int[] inputShape) {
        FloatTensor first = coreForward(layer, kernel, bias, image(0), inputShape, format);
        float[][] outputs = outputsById(result, "features", IMAGES, first.shape());
        for (int i = 0; i < IMAGES; i++) {
            float[] expected = coreForward(layer, kernel, bias, image(i), inputShape, format).data();
            assertArrayEquals(expected, outputs[i], "image " + i);
        }
    }

    @Test
    void floatArraysEqualCoreForward() {
        Dataset<Row> result = sameRelu("pixels").transform(floatArrays());
        assertEquals(IMAGES, result.count());
        assertEquals(List.of("id", "pixels", "features"), Arrays.asList(result.columns()));
        assertEquals(TensorStruct.schema(), result.schema().apply("features").dataType());
        assertArrayEquals(new long[] {HEIGHT, WIDTH, 4},
                result.schema().apply("features").metadata().getLongArray("shape"));
        assertEqualsCore(result, SAME_RELU, KERNEL, BIAS, DataFormat.CHANNELS_LAST, new int[] {HEIGHT, WIDTH, 3});
    }

    @Test
    void doubleArraysEqualCoreForward() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            float[] values = image(i);
            Double[] doubles = new Double[values.length];
            for (int j = 0; j < values.length; j++) {
                doubles[j] = (double) values[j];
            }
            rows.add(RowFactory.create(i, doubles));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("pixels", DataTypes.createArrayType(DataTypes.DoubleType, false));
        Dataset<Row> result = sameRelu("pixels").transform(spark.createDataFrame(rows, schema));
        assertEqualsCore(result, SAME_RELU, KERNEL, BIAS, DataFormat.CHANNELS_LAST, new int[] {HEIGHT, WIDTH, 3});
    }

    @Test
    void denseAndSparseVectorsEqualCoreForward() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            double[] values = new double[HEIGHT * WIDTH * CHANNELS];
            float[] image = image(i);
            for (int j = 0; j < values.length; j++) {
                values[j] = image[j];
            }
            rows.add(RowFactory.create(i, i % 2 == 0 ? Vectors.dense(values) : Vectors.dense(values).toSparse()));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("pixels", SQLDataTypes.VectorType());
        Dataset<Row> result = sameRelu("pixels").transform(spark.createDataFrame(rows, schema));
        assertEqualsCore(result, SAME_RELU, KERNEL, BIAS, DataFormat.CHANNELS_LAST, new int[] {HEIGHT, WIDTH, 3});
    }

    @Test
    void tensorOutputFeedsASecondTransformer() {
        String second = layerJson(2, 2, 2, 2, "valid", "channels_last", 1, 1, "linear", false);
        float[] secondKernel = randomFloats(2 * 2 * 4 * 2, 21);
        Conv2DTransformer first = sameRelu("pixels").setOutputCol("hidden");
        Conv2DTransformer next = new Conv2DTransformer().setLayerConfig(second).setWeights(secondKernel, null)
                .setInputCol("hidden").setOutputCol("features").setBatchSize(2);
        Dataset<Row> result = next.transform(first.transform(floatArrays()));
        float[][] outputs = outputsById(result, "features", IMAGES, new int[] {2, 3, 2});
        for (int i = 0; i < IMAGES; i++) {
            FloatTensor hidden = coreForward(SAME_RELU, KERNEL, BIAS, image(i), new int[] {HEIGHT, WIDTH, 3},
                    DataFormat.CHANNELS_LAST);
            float[] expected = coreForward(second, secondKernel, null, hidden.data(), hidden.shape(),
                    DataFormat.CHANNELS_LAST).data();
            assertArrayEquals(expected, outputs[i], "image " + i);
        }
    }

    @Test
    void theJobsRecordTableFeedsTheTransformer() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            rows.add(io.sparkconv.datasets.spark.TensorRows.toRow(new io.sparkconv.datasets.ImageRecord(
                    "images.npy", i, i, i % 3, new int[] {HEIGHT, WIDTH, CHANNELS}, image(i))));
        }
        Dataset<Row> records = spark.createDataFrame(rows, io.sparkconv.datasets.spark.TensorRows.SCHEMA)
                .withColumnRenamed("ordinal", "id").withColumn("id", org.apache.spark.sql.functions.col("id")
                        .cast(DataTypes.IntegerType));
        Conv2DTransformer transformer = new Conv2DTransformer().setLayerConfig(SAME_RELU).setWeights(KERNEL, BIAS)
                .setInputCol("tensor").setOutputCol("features");
        assertEqualsCore(transformer.transform(records), SAME_RELU, KERNEL, BIAS, DataFormat.CHANNELS_LAST,
                new int[] {HEIGHT, WIDTH, 3});
    }

    /** Arrays in one layout, the layer in the other or the same: transposed on the way in and out. */
    @ParameterizedTest
    @CsvSource({"channels_last,channels_first", "channels_first,channels_last", "channels_first,channels_first"})
    void dataFormatAndLayerFormatMayDiffer(String layerFormat, String dataFormat) {
        String layer = layerJson(4, 3, 2, 2, "same", layerFormat, 1, 1, "linear", true);
        DataFormat format = DataFormat.fromKerasName(dataFormat);
        int[] shape = format == DataFormat.CHANNELS_LAST ? new int[] {HEIGHT, WIDTH, 3} : new int[] {3, HEIGHT, WIDTH};
        Conv2DTransformer transformer = new Conv2DTransformer().setLayerConfig(layer)
                .setWeights(randomFloats(3 * 2 * 3 * 4, 31), BIAS).setInputCol("pixels").setOutputCol("features")
                .setDataFormat(dataFormat).setInputShape(shape).setBatchSize(4);
        Dataset<Row> result = transformer.transform(floatArrays());
        assertEqualsCore(result, layer, randomFloats(3 * 2 * 3 * 4, 31), BIAS, format, shape);
    }

    @Test
    void groupedConvolutionEqualsCoreForward() {
        String grouped = layerJson(6, 3, 3, 1, "valid", "channels_last", 1, 3, "relu", true);
        float[] kernel = randomFloats(3 * 3 * 1 * 6, 41);
        float[] bias = randomFloats(6, 42);
        Conv2DTransformer transformer = new Conv2DTransformer().setLayerConfig(grouped).setWeights(kernel, bias)
                .setInputCol("pixels").setOutputCol("features").setInputShape(HEIGHT, WIDTH, 3);
        assertEqualsCore(transformer.transform(floatArrays()), grouped, kernel, bias, DataFormat.CHANNELS_LAST,
                new int[] {HEIGHT, WIDTH, 3});
    }

    @Test
    void batchSizeDoesNotChangeTheBits() {
        float[][] one = outputsById(sameRelu("pixels").setBatchSize(1).transform(floatArrays()), "features", IMAGES,
                new int[] {HEIGHT, WIDTH, 4});
        float[][] many = outputsById(sameRelu("pixels").setBatchSize(16).transform(floatArrays().repartition(1)),
                "features", IMAGES, new int[] {HEIGHT, WIDTH, 4});
        for (int i = 0; i < IMAGES; i++) {
            assertArrayEquals(one[i], many[i], "image " + i);
        }
    }

    /**
     * A binary column of raw little-endian float32 values, and a cached DataFrame read through its internal rows,
     * give the bits of array<float>; a binary of a length that is not a whole image is invalid.
     */
    @Test
    void binaryFloat32ColumnsAndCachedFramesGiveTheArraysBits() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            float[] values = image(i);
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(values.length * 4)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(values);
            rows.add(RowFactory.create(i, bytes.array()));
        }
        rows.add(RowFactory.create(IMAGES, new byte[] {1, 2, 3}));
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false)
                .add("raw", DataTypes.BinaryType, true);
        Dataset<Row> binary = spark.createDataFrame(rows, schema);
        float[][] fromArrays = outputsById(sameRelu("pixels").transform(floatArrays().cache()), "features", IMAGES,
                new int[] {HEIGHT, WIDTH, 4});
        Dataset<Row> kept = sameRelu("raw").setHandleInvalid("keep").transform(binary);
        float[][] fromBinary = outputsById(kept.filter("id < " + IMAGES), "features", IMAGES,
                new int[] {HEIGHT, WIDTH, 4});
        for (int i = 0; i < IMAGES; i++) {
            assertArrayEquals(fromArrays[i], fromBinary[i], "image " + i);
        }
        assertTrue(kept.filter("id = " + IMAGES).first().isNullAt(2), "a 3-byte binary has a null output");
        Exception e = assertThrows(Exception.class, () -> sameRelu("raw").transform(binary).collectAsList());
        assertTrue(rootMessage(e).contains("the binary value has 3 bytes, not a whole number of little-endian"
                + " float32 values"), rootMessage(e));
    }

    /** The executor function pulls one batch of rows at a time, never the whole partition. */
    @Test
    void aPartitionIsStreamedOneBatchAtATime() {
        org.apache.spark.broadcast.Broadcast<io.sparkconv.spark.LayerPayload> layer =
                org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())
                        .broadcast(new io.sparkconv.spark.LayerPayload(SAME_RELU, 3, KERNEL, BIAS));
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("id", "int").add("pixels", "array<float>");
        io.sparkconv.spark.InputColumn column = io.sparkconv.spark.InputColumn.resolve(schema, "pixels",
                new int[] {HEIGHT, WIDTH, 3}, DataFormat.CHANNELS_LAST, false,
                io.sparkconv.core.conv.Conv2D.fromConfig(SAME_RELU), 3, io.sparkconv.spark.InputColumn.Wording.TRANSFORMER);
        io.sparkconv.spark.RowConvolver convolver = new io.sparkconv.spark.RowConvolver(layer, column, 4, 0L,
                io.sparkconv.spark.HandleInvalid.ERROR, "Conv2DTransformer", "", null, null);
        int total = 1000;
        int[] pulled = {0};
        // Internal rows, as the transformer feeds them: the values as an unsafe array.
        java.util.Iterator<org.apache.spark.sql.catalyst.InternalRow> partition = new java.util.Iterator<>() {
            @Override
            public boolean hasNext() {
                return pulled[0] < total;
            }

            @Override
            public org.apache.spark.sql.catalyst.InternalRow next() {
                int i = pulled[0]++;
                return new org.apache.spark.sql.catalyst.expressions.GenericInternalRow(new Object[] {i,
                    org.apache.spark.sql.catalyst.expressions.UnsafeArrayData.fromPrimitiveArray(image(i % IMAGES))});
            }
        };
        java.util.Iterator<org.apache.spark.sql.catalyst.InternalRow> output = convolver.call(partition);
        float[][] expected = new float[IMAGES][];
        for (int i = 0; i < IMAGES; i++) {
            expected[i] = coreForward(SAME_RELU, KERNEL, BIAS, image(i), new int[] {HEIGHT, WIDTH, 3},
                    DataFormat.CHANNELS_LAST).data();
        }
        // The output row and its tensor are rewritten by each next(), as Spark's own operators rewrite theirs:
        // a consumer that keeps rows copies them, and a copy keeps its values.
        List<org.apache.spark.sql.catalyst.InternalRow> kept = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            assertTrue(output.hasNext());
            assertEquals((i / 4 + 1) * 4, pulled[0], "rows pulled when output row " + i + " is ready");
            org.apache.spark.sql.catalyst.InternalRow row = output.next();
            assertEquals(i, row.getInt(0));
            org.apache.spark.sql.catalyst.InternalRow tensor = row.getStruct(2, 2);
            assertArrayEquals(new int[] {HEIGHT, WIDTH, 4}, tensor.getArray(0).toIntArray());
            assertArrayEquals(expected[i % IMAGES], tensor.getArray(1).toFloatArray(), "row " + i);
            if (i < 2 * IMAGES) {
                kept.add(row.copy());
            }
        }
        assertFalse(output.hasNext());
        for (int i = 0; i < kept.size(); i++) {
            assertEquals(i, kept.get(i).getInt(0));
            assertArrayEquals(expected[i % IMAGES], kept.get(i).getStruct(2, 2).getArray(1).toFloatArray(),
                    "kept copy of row " + i);
        }
    }

    @Test
    void invalidArraysFollowHandleInvalid() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rows.add(RowFactory.create(i, boxed(image(i))));
        }
        rows.add(RowFactory.create(5, boxed(new float[] {1f, 2f, 3f})));
        rows.add(RowFactory.create(6, null));
        rows.add(RowFactory.create(7, new Float[] {1f, null, 3f}));
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("pixels", DataTypes.createArrayType(DataTypes.FloatType, true), true);
        Dataset<Row> input = spark.createDataFrame(rows, schema);

        Dataset<Row> skipped = sameRelu("pixels").setHandleInvalid("skip").transform(input);
        assertEquals(5, skipped.count());
        assertEquals(0, skipped.filter("features is null").count());

        Dataset<Row> kept = sameRelu("pixels").setHandleInvalid("keep").transform(input);
        assertEquals(8, kept.count());
        List<Integer> nullIds = kept.filter("features is null").select("id").as(
                org.apache.spark.sql.Encoders.INT()).collectAsList().stream().sorted().toList();
        assertEquals(List.of(5, 6, 7), nullIds);

        Exception failure = assertThrows(Exception.class,
                () -> sameRelu("pixels").transform(input).collectAsList());
        String message = rootMessage(failure);
        assertTrue(message.contains("invalid value in input column 'pixels'"), message);
        assertTrue(message.contains("handleInvalid"), message);
    }

    static String rootMessage(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    @Test
    void outputIsUsableFromSqlAndParquet(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Dataset<Row> result = sameRelu("pixels").transform(floatArrays());
        String path = dir.resolve("out.parquet").toString();
        result.select("id", "features").write().parquet(path);
        spark.read().parquet(path).createOrReplaceTempView("conv_out");
        List<Row> rows = spark.sql("SELECT id, features.shape[2] AS filters, size(features.data) AS n,"
                + " features.data[0] AS first FROM conv_out ORDER BY id").collectAsList();
        assertEquals(IMAGES, rows.size());
        for (Row row : rows) {
            assertEquals(4, row.getInt(1));
            assertEquals(HEIGHT * WIDTH * 4, row.getInt(2));
            float expected = coreForward(SAME_RELU, KERNEL, BIAS, image(row.getInt(0)), new int[] {HEIGHT, WIDTH, 3},
                    DataFormat.CHANNELS_LAST).data()[0];
            assertEquals(expected, row.getFloat(3));
        }
        StructField field = spark.read().parquet(path).schema().apply("features");
        assertTrue(TensorStruct.isTensorStruct(field.dataType()), field.dataType().simpleString());
        assertEquals(0, spark.read().parquet(path).filter("features is null").count());
    }
}
