package io.sparkconv.spark.ml;

import static io.sparkconv.spark.ml.MlTestSupport.layerJson;
import static io.sparkconv.spark.ml.MlTestSupport.randomFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** transformSchema and the param validators: each wrong pipeline fails with a message naming what is wrong. */
class Conv2DTransformerSchemaTest {
    private static final String LAYER = layerJson(4, 3, 3, 1, "valid", "channels_last", 1, 1, "relu", true);
    private static final float[] KERNEL = randomFloats(3 * 3 * 3 * 4, 1);
    private static final float[] BIAS = randomFloats(4, 2);

    private static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType)
            .add("name", DataTypes.StringType)
            .add("floats", DataTypes.createArrayType(DataTypes.FloatType))
            .add("doubles", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("ints", DataTypes.createArrayType(DataTypes.IntegerType))
            .add("vector", SQLDataTypes.VectorType())
            .add("image", ImageSchema.columnSchema())
            .add("tensor", TensorStruct.schema());

    private static Conv2DTransformer valid() {
        return new Conv2DTransformer().setLayerConfig(LAYER).setWeights(KERNEL, BIAS).setInputCol("floats")
                .setInputShape(8, 9, 3).setOutputCol("out");
    }

    private static String failure(Conv2DTransformer transformer) {
        return assertThrows(IllegalArgumentException.class, () -> transformer.transformSchema(SCHEMA)).getMessage();
    }

    private static void assertFails(Conv2DTransformer transformer, String expected) {
        String message = failure(transformer);
        assertTrue(message.contains(expected), message);
        assertTrue(message.startsWith("Conv2DTransformer " + transformer.uid() + ": "), message);
    }

    @Test
    void aValidPipelineAddsATensorColumnWithTheKerasOutputShape() {
        StructType out = valid().transformSchema(SCHEMA);
        StructField field = out.apply("out");
        assertEquals(TensorStruct.schema(), field.dataType());
        assertTrue(field.nullable());
        assertArrayEquals(new long[] {6, 7, 4}, field.metadata().getLongArray("shape"));
        assertEquals(SCHEMA.size() + 1, out.size());

        String strided = layerJson(4, 3, 3, 2, "same", "channels_last", 1, 1, "linear", true);
        StructType first = valid().setLayerConfig(strided).setDataFormat("channels_first").setInputShape(3, 8, 9)
                .transformSchema(SCHEMA);
        assertArrayEquals(new long[] {4, 4, 5}, first.apply("out").metadata().getLongArray("shape"));

        for (String column : new String[] {"doubles", "vector"}) {
            assertEquals(TensorStruct.schema(), valid().setInputCol(column).transformSchema(SCHEMA)
                    .apply("out").dataType());
        }
        for (String column : new String[] {"image", "tensor"}) {
            StructField free = new Conv2DTransformer().setLayerConfig(LAYER).setWeights(KERNEL, BIAS)
                    .setInputCol(column).setOutputCol("out").transformSchema(SCHEMA).apply("out");
            assertEquals(TensorStruct.schema(), free.dataType());
            assertFalse(free.metadata().contains("shape"), "the shape of images is known per row only");
        }
    }

    @Test
    void missingParamsAreNamed() {
        assertFails(new Conv2DTransformer().setWeights(KERNEL, BIAS).setInputCol("floats"),
                "layerConfig is not set; call setLayerConfig(json)");
        assertFails(new Conv2DTransformer().setLayerConfig(LAYER).setInputCol("floats"),
                "weights is not set; call setWeights(kernel, bias)");
        assertFails(new Conv2DTransformer().setLayerConfig(LAYER).setWeights(KERNEL, BIAS),
                "inputCol is not set; call setInputCol(name)");
    }

    @Test
    void aBadLayerConfigIsReportedWithTheCoreMessage() {
        Conv2DTransformer transformer = valid();
        transformer.set(transformer.layerConfig(), "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": -1}}");
        assertFails(transformer, "layerConfig is not a valid Keras Conv2D layer config: ");
        assertThrows(RuntimeException.class, () -> valid().setLayerConfig("{not json"));
    }

    @Test
    void weightsThatDoNotFitTheLayerAreReported() {
        assertFails(valid().setWeights(new float[10], BIAS),
                "the kernel has 10 values, not a multiple of kh * kw * filters = 3 * 3 * 4 = 36");
        assertFails(valid().setWeights(KERNEL, null), "the layer has use_bias=true but the weights have no bias");
        assertFails(valid().setWeights(KERNEL, new float[3]), "the bias has 3 values; expected one per filter: 4");
        String noBias = layerJson(4, 3, 3, 1, "valid", "channels_last", 1, 1, "relu", false);
        assertFails(valid().setLayerConfig(noBias), "the layer has use_bias=false but the weights have a bias");
    }

    @Test
    void inputColumnProblemsAreReported() {
        assertFails(valid().setInputCol("nope"), "input column 'nope' does not exist; the columns are [id, name,");
        assertFails(valid().setInputCol("name"), "input column 'name' has type string; expected one of: the image"
                + " struct of spark.read.format(\"image\"), array<float>, array<double>, array<array<float|double>>"
                + " or array<array<array<float|double>>>, vector,"
                + " binary (little-endian float32), struct<shape: array<int>, data: array<float>>");
        assertFails(valid().setInputCol("ints"), "input column 'ints' has type array<int>");
        Conv2DTransformer noShape = valid().setInputCol("vector");
        noShape.clear(noShape.inputShape());
        assertFails(noShape, "inputShape must be set for an input column of type vector: one image's shape in"
                + " channels_last order, e.g. setInputShape(28, 28, 3)");
    }

    @Test
    void shapesThatDoNotFitTheKernelAreReported() {
        assertFails(valid().setInputShape(8, 9, 2),
                "inputShape [8, 9, 2] (channels_last) has 2 channels but the layer's kernel [3, 3, 3, 4] with"
                        + " groups=1 expects 3");
        assertFails(valid().setDataFormat("channels_first").setInputShape(8, 9, 3),
                "inputShape [8, 9, 3] (channels_first) has 8 channels");
        String grouped = layerJson(4, 3, 3, 1, "valid", "channels_last", 1, 2, "linear", true);
        // groups=2: a kernel of (3, 3, 2, 4) takes 4 channels.
        assertFails(valid().setLayerConfig(grouped).setWeights(randomFloats(3 * 3 * 2 * 4, 3), BIAS),
                "has 3 channels but the layer's kernel [3, 3, 2, 4] with groups=2 expects 4");
        assertFails(valid().setInputShape(2, 9, 3), "inputShape [2, 9, 3] cannot be convolved by this layer: ");
        String dilated = layerJson(4, 3, 3, 1, "valid", "channels_last", 3, 1, "linear", true);
        assertFails(valid().setLayerConfig(dilated).setInputShape(6, 9, 3),
                "inputShape [6, 9, 3] cannot be convolved by this layer: ");
        float[] twoChannels = randomFloats(3 * 3 * 2 * 4, 4);
        Conv2DTransformer images = valid().setInputCol("image").setWeights(twoChannels, BIAS);
        images.clear(images.inputShape());
        assertFails(images, "input column 'image' holds images of 1, 3 or 4 channels but the layer's kernel expects"
                + " 2 input channels");
    }

    @Test
    void anExistingOutputColumnIsReported() {
        assertFails(valid().setOutputCol("id"),
                "output column 'id' already exists; choose another with setOutputCol(name)");
    }

    @Test
    void paramValidatorsRejectBadValues() {
        Conv2DTransformer transformer = new Conv2DTransformer();
        assertThrows(IllegalArgumentException.class, () -> transformer.setBatchSize(0));
        assertThrows(IllegalArgumentException.class, () -> transformer.setHandleInvalid("drop"));
        assertThrows(IllegalArgumentException.class, () -> transformer.setChannelOrder("RGBA"));
        assertThrows(IllegalArgumentException.class, () -> transformer.setInputShape(28, 28));
        assertThrows(IllegalArgumentException.class, () -> transformer.setInputShape(28, 0, 3));
        String message = assertThrows(IllegalArgumentException.class, () -> transformer.setDataFormat("nhwc"))
                .getMessage();
        assertTrue(message.contains("\"channels_first\", \"channels_last\""), message);
        assertThrows(IllegalArgumentException.class, () -> transformer.setWeights(new float[0], null));
        assertEquals("keep", transformer.setHandleInvalid("KEEP").getHandleInvalid());
        assertEquals("BGR", transformer.setChannelOrder("bgr").getChannelOrder());
        assertEquals("channels_first", transformer.setDataFormat("Channels_First").getDataFormat());
    }

    @Test
    void setLayerTakesTheConfigAndWeightsOfABuiltLayer() {
        io.sparkconv.core.conv.Conv2D layer = io.sparkconv.core.conv.Conv2D.builder(4, 3, 3).strides(2)
                .padding("same").activation("relu").build();
        layer.initializeWeights(3, 7L);
        Conv2DTransformer transformer = new Conv2DTransformer().setLayer(layer).setInputCol("floats")
                .setInputShape(8, 9, 3).setOutputCol("out");
        assertEquals(layer.toConfig(), transformer.getLayerConfig());
        assertArrayEquals(layer.kernel(), transformer.getWeights().kernel());
        assertArrayEquals(layer.bias(), transformer.getWeights().bias());
        assertArrayEquals(new long[] {4, 5, 4}, transformer.transformSchema(SCHEMA).apply("out").metadata()
                .getLongArray("shape"));
    }

    @Test
    void defaultsAreSetWithSetDefault() {
        Conv2DTransformer transformer = new Conv2DTransformer();
        assertEquals(transformer.uid() + "__output", transformer.getOutputCol());
        assertEquals("channels_last", transformer.getDataFormat());
        assertEquals("RGB", transformer.getChannelOrder());
        assertEquals(32, transformer.getBatchSize());
        assertEquals("error", transformer.getHandleInvalid());
        for (String name : new String[] {"outputCol", "dataFormat", "channelOrder", "batchSize", "handleInvalid"}) {
            assertTrue(transformer.hasDefault(transformer.getParam(name)), name);
            assertFalse(transformer.isSet(transformer.getParam(name)), name);
        }
        assertFalse(transformer.isDefined(transformer.inputShape()));
        for (String name : new String[] {"kerasModel", "kerasLayer", "kerasModelJson"}) {
            assertFalse(transformer.isDefined(transformer.getParam(name)), name + " has no default");
        }
        assertEquals(12, transformer.params().length);
    }
}
