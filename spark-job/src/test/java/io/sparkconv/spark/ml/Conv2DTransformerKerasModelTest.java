package io.sparkconv.spark.ml;

import static io.sparkconv.spark.ml.MlTestSupport.randomFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.keras.KerasModelFile;
import io.sparkconv.core.tensor.FloatTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layer named by a Keras model file and a layer name (kerasModel, kerasLayer, kerasModelJson), on the real
 * files of ../shared/fixtures/keras: output equal to core's layer from the same file, file errors in
 * transformSchema, one source only, and persistence of the params without the weights.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Conv2DTransformerKerasModelTest {
    private static final int IMAGES = 4;
    private static final int SIDE = 28;

    private SparkSession spark;
    @TempDir
    Path dir;

    @BeforeAll
    void startSpark() {
        spark = MlTestSupport.startSpark("Conv2DTransformerKerasModelTest");
    }

    @AfterAll
    void stopSpark() {
        MlTestSupport.stopSpark(spark);
    }

    /** The fixtures folder as the core Keras tests find it: system property sparkconv.shared.dir, else ../../shared. */
    private static Path fixture(String id) {
        String shared = System.getProperty("sparkconv.shared.dir");
        Path root = (shared == null ? Paths.get("..", "..", "shared") : Paths.get(shared)).resolve("fixtures")
                .resolve("keras");
        assumeTrue(Files.isDirectory(root), "no Keras fixtures at " + root.toAbsolutePath());
        Path folder = root.resolve(id);
        assertTrue(Files.isDirectory(folder), "fixture " + id + " missing from " + root);
        return folder;
    }

    private static Path mnistKeras() {
        return fixture("keras3-mnist-keras-3.1.1").resolve("mnist_model.keras");
    }

    private static float[] image(int index, int channels) {
        return randomFloats(SIDE * SIDE * channels, 700 + index);
    }

    private Dataset<Row> images(int channels) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            float[] values = image(i, channels);
            Float[] boxed = new Float[values.length];
            for (int j = 0; j < values.length; j++) {
                boxed[j] = values[j];
            }
            rows.add(RowFactory.create(i, boxed));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("pixels", DataTypes.createArrayType(DataTypes.FloatType, false));
        return spark.createDataFrame(rows, schema);
    }

    /** The Spark output equals the core layer's forward pass on the same images, bit for bit. */
    private void assertEqualsCore(Dataset<Row> result, Conv2D reference, int channels) {
        FloatTensor firstExpected = reference.forward(new FloatTensor(image(0, channels), 1, SIDE, SIDE, channels));
        int[] s = firstExpected.shape();
        int[] imageShape = {s[1], s[2], s[3]};
        float[][] outputs = Conv2DTransformerTest.outputsById(result, "features", IMAGES, imageShape);
        for (int i = 0; i < IMAGES; i++) {
            float[] expected = reference.forward(new FloatTensor(image(i, channels), 1, SIDE, SIDE, channels))
                    .data();
            assertArrayEquals(expected, outputs[i], "image " + i);
        }
        Metadata metadata = result.schema().apply("features").metadata();
        assertArrayEquals(new long[] {s[1], s[2], s[3]}, metadata.getLongArray("shape"));
    }

    private static Conv2DTransformer fromMnistKeras(String layer) {
        return new Conv2DTransformer().setKerasModel(mnistKeras().toString()).setKerasLayer(layer)
                .setInputCol("pixels").setOutputCol("features").setInputShape(SIDE, SIDE, 1).setBatchSize(3);
    }

    @Test
    void keras3ArchiveLayerEqualsCoreFromKerasFile() {
        Conv2D reference = KerasModelFile.readConv2D(mnistKeras(), "conv2d");
        Dataset<Row> result = fromMnistKeras("conv2d").transform(images(1));
        assertEqualsCore(result, reference, 1);
    }

    @Test
    void weightsOnlyHdf5WithModelJsonEqualsCore() {
        Path folder = fixture("kotlindl-lenet-weights-only");
        Path weights = folder.resolve("mnist_weights_only.h5");
        Path modelJson = folder.resolve("modelConfig.json");
        Conv2D reference;
        try (KerasModelFile file = KerasModelFile.open(weights, modelJson)) {
            reference = file.conv2dLayer("conv2d").toConv2D();
        }
        int channels = reference.kernel().length / (reference.spec().kernelHeight() * reference.spec().kernelWidth()
                * reference.spec().filters()) * reference.spec().groups();
        Conv2DTransformer transformer = new Conv2DTransformer().setKerasModel(weights.toString())
                .setKerasModelJson(modelJson.toString()).setKerasLayer("conv2d").setInputCol("pixels")
                .setOutputCol("features").setInputShape(SIDE, SIDE, channels);
        assertEqualsCore(transformer.transform(images(channels)), reference, channels);
    }

    private static void assertFails(Conv2DTransformer transformer, StructType schema, String... expectedParts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> transformer.transformSchema(schema));
        for (String part : expectedParts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    private static StructType floatArraySchema() {
        return new StructType().add("pixels", DataTypes.createArrayType(DataTypes.FloatType, false));
    }

    @Test
    void aMissingLayerFailsInTransformSchemaListingTheLayers() {
        assertFails(fromMnistKeras("conv9"), floatArraySchema(), "kerasModel", "no layer named 'conv9'",
                "conv2d, max_pooling2d, conv2d_1");
    }

    @Test
    void aLayerThatIsNotConv2DFailsNamingTheConv2DLayers() {
        assertFails(fromMnistKeras("max_pooling2d"), floatArraySchema(), "'max_pooling2d'", "not a Conv2D",
                "conv2d, conv2d_1");
    }

    @Test
    void aMissingModelFileFailsNamingIt() {
        Path absent = dir.resolve("absent.keras");
        assertFails(new Conv2DTransformer().setKerasModel(absent.toString()).setKerasLayer("conv2d")
                .setInputCol("pixels").setInputShape(SIDE, SIDE, 1), floatArraySchema(), absent.toString());
    }

    @Test
    void exactlyOneSourceOfTheLayer() {
        String config = MlTestSupport.layerJson(2, 3, 3, 1, "valid", "channels_last", 1, 1, "linear", false);
        float[] kernel = randomFloats(3 * 3 * 2, 5);
        assertFails(new Conv2DTransformer().setLayerConfig(config).setWeights(kernel, null)
                .setKerasModel("model.keras").setKerasLayer("conv2d").setInputCol("pixels").setInputShape(4, 4, 1),
                floatArraySchema(), "the layer is given twice", "layerConfig and weights",
                "kerasModel and kerasLayer");
        assertFails(new Conv2DTransformer().setWeights(kernel, null).setKerasModel("model.keras")
                .setKerasLayer("conv2d").setInputCol("pixels"), floatArraySchema(), "the layer is given twice");
        assertFails(new Conv2DTransformer().setInputCol("pixels").setInputShape(4, 4, 1), floatArraySchema(),
                "no layer is set", "setKerasModel(path) with setKerasLayer(name)");
        assertFails(new Conv2DTransformer().setKerasModel("model.keras").setInputCol("pixels"), floatArraySchema(),
                "kerasLayer is not set", "setKerasLayer(name)");
        assertFails(new Conv2DTransformer().setKerasLayer("conv2d").setInputCol("pixels"), floatArraySchema(),
                "kerasModel is not set", "setKerasModel(path)");
    }

    @Test
    void blankPathsAndNamesAreRejectedBySetters() {
        assertThrows(IllegalArgumentException.class, () -> new Conv2DTransformer().setKerasModel(" "));
        assertThrows(IllegalArgumentException.class, () -> new Conv2DTransformer().setKerasLayer(""));
        assertThrows(IllegalArgumentException.class, () -> new Conv2DTransformer().setKerasModelJson("\t"));
    }

    @Test
    void saveAndLoadKeepTheParamsAndReadTheModelFileAgain() throws IOException {
        Conv2DTransformer original = fromMnistKeras("conv2d_1").setInputShape(SIDE, SIDE, 32);
        Path path = dir.resolve("from-keras");
        original.write().save(path.toString());

        String json;
        try (Stream<Path> files = Files.list(path.resolve("metadata"))) {
            Path part = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
            json = Files.readString(part);
        }
        assertTrue(json.contains("\"kerasModel\":\"" + mnistKeras().toString().replace("\\", "\\\\") + "\""), json);
        assertTrue(json.contains("\"kerasLayer\":\"conv2d_1\""), json);
        assertFalse(json.contains("\"kerasModelJson\""), json);
        assertFalse(json.contains("\"layerConfig\""), json);
        assertFalse(Files.exists(path.resolve("data")), "weights are not copied: the model file is their source");

        Conv2DTransformer loaded = Conv2DTransformer.load(path.toString());
        assertEquals(original.uid(), loaded.uid());
        for (Param<?> param : original.params()) {
            Param<Object> same = loaded.getParam(param.name());
            assertEquals(original.isSet(param), loaded.isSet(same), param.name());
            if (original.isDefined(param)) {
                assertTrue(java.util.Objects.deepEquals(original.getOrDefault(param), loaded.getOrDefault(same)),
                        param.name());
            }
        }
        Conv2D reference = KerasModelFile.readConv2D(mnistKeras(), "conv2d_1");
        assertEqualsCore(loaded.transform(images(32)), reference, 32);
    }
}
