package io.sparkconv.core.keras;

import io.sparkconv.core.config.KerasSemantics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.sparkconv.core.keras.KerasTestFiles.conv;
import static io.sparkconv.core.keras.KerasTestFiles.conv2dConfig;
import static io.sparkconv.core.keras.KerasTestFiles.flat;
import static io.sparkconv.core.keras.KerasTestFiles.flatten;
import static io.sparkconv.core.keras.KerasTestFiles.kernel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files of our own making (jhdf's writer, java.util.zip) for the cases the real fixtures lack. */
class KerasWrittenFilesTest {

    @TempDir
    Path dir;

    @Test
    void chunkedLayerAndWeightNameAttributesAreJoined() throws Exception {
        float[][][][] k1 = kernel(3, 3, 2, 4, 0.5f);
        float[][][][] k2 = kernel(1, 1, 4, 3, -0.25f);
        float[] b1 = {0.1f, -0.2f, 0.3f, -0.4f};
        float[] b2 = {1f, 2f, 3f};
        List<KerasTestFiles.Layer> layers = List.of(
                conv("conv2d", conv2dConfig("conv2d", 4, 3, 3, ""), k1, b1),
                conv("conv2d_1", conv2dConfig("conv2d_1", 3, 1, 1, ""), k2, b2),
                flatten("flatten"));
        Path file = dir.resolve("chunked.h5");
        KerasTestFiles.writeLegacyHdf5(file, layers, KerasTestFiles.sequentialJson(layers, "[null, 6, 6, 2]", null),
                "2.6.0", "tensorflow", true, 1);
        try (KerasModelFile model = KerasModelFile.open(file)) {
            assertEquals(List.of("conv2d", "conv2d_1"), model.conv2dLayerNames());
            assertEquals(KerasSemantics.KERAS_2, model.semantics());
            KerasConv2DLayer second = model.conv2dLayer("conv2d_1");
            assertArrayEquals(flat(k2), second.kernel());
            assertArrayEquals(b2, second.bias());
            assertArrayEquals(new int[] {1, 1, 4, 3}, second.kernelShape());
            assertEquals(List.of(4), List.of(second.inputShape().get(3)));
            assertArrayEquals(flat(k1), model.conv2dLayer("conv2d").kernel());
        }
    }

    @Test
    void dilatedGroupedAndBiaslessConvolutionsLoad() throws Exception {
        float[][][][] dilated = kernel(3, 3, 4, 6, 0.3f);
        float[][][][] grouped = kernel(3, 3, 3, 4, 0.7f); // groups=2: Cin/groups = 3 of 6 channels
        List<KerasTestFiles.Layer> layers = List.of(
                conv("dilated", conv2dConfig("dilated", 6, 3, 3, "\"groups\": 1").replace(
                        "\"dilation_rate\": [1, 1]", "\"dilation_rate\": [2, 2]"), dilated, new float[] {1, 2, 3, 4, 5, 6}),
                conv("grouped", conv2dConfig("grouped", 4, 3, 3, "\"groups\": 2").replace("\"use_bias\": true",
                        "\"use_bias\": false").replace("\"padding\": \"valid\"", "\"padding\": \"same\""), grouped, null));
        Path file = dir.resolve("dilated.h5");
        KerasTestFiles.writeLegacyHdf5(file, layers, KerasTestFiles.sequentialJson(layers, "[null, 9, 9, 4]", null),
                "2.12.0", "tensorflow", true, 0);
        try (KerasModelFile model = KerasModelFile.open(file)) {
            KerasConv2DLayer d = model.conv2dLayer("dilated");
            assertArrayEquals(flat(dilated), d.kernel());
            assertEquals("(None, 5, 5, 6)", KerasLayerInfo.formatShape(d.outputShape()), "9 - (3-1)*2 = 5");
            KerasConv2DLayer g = model.conv2dLayer("grouped");
            assertArrayEquals(new int[] {3, 3, 3, 4}, g.kernelShape());
            assertArrayEquals(flat(grouped), g.kernel());
            assertNull(g.bias());
            assertEquals("(None, 5, 5, 6)", KerasLayerInfo.formatShape(g.inputShape()));
            assertEquals("(None, 5, 5, 4)", KerasLayerInfo.formatShape(g.outputShape()));
        }
    }

    @Test
    void weightsOnlyFileWithModelJson() throws Exception {
        float[][][][] k = kernel(2, 3, 1, 5, 1.5f);
        float[] b = {5, 4, 3, 2, 1};
        List<KerasTestFiles.Layer> layers = List.of(conv("c", conv2dConfig("c", 5, 2, 3, ""), k, b), flatten("f"));
        Path weights = dir.resolve("w.h5");
        Path json = dir.resolve("model.json");
        String modelJson = KerasTestFiles.sequentialJson(layers, "[null, 4, 4, 1]", "2.2.4-tf");
        KerasTestFiles.writeLegacyHdf5(weights, layers, null, "2.2.4-tf", "tensorflow", false, 0);
        Files.writeString(json, modelJson);
        try (KerasModelFile model = KerasModelFile.open(weights, json)) {
            assertEquals(KerasModelFormat.HDF5_WEIGHTS_ONLY, model.format());
            assertEquals(KerasSemantics.TF_1_15, model.semantics());
            KerasConv2DLayer layer = model.conv2dLayer("c");
            assertArrayEquals(flat(k), layer.kernel());
            assertArrayEquals(b, layer.bias());
            assertArrayEquals(new int[] {2, 3, 1, 5}, layer.kernelShape());
        }
    }

    @Test
    void float64WeightsAreRoundedToFloat32LikeNumpy() throws Exception {
        double[][][][] k = new double[1][1][1][2];
        k[0][0][0][0] = 0.1;
        k[0][0][0][1] = -1.0 / 3.0;
        List<KerasTestFiles.Layer> layers = List.of(conv("c", conv2dConfig("c", 2, 1, 1, ""), k, new double[] {0.2, 0.3}));
        Path file = dir.resolve("f64.h5");
        KerasTestFiles.writeLegacyHdf5(file, layers, KerasTestFiles.sequentialJson(layers, null, null),
                "2.3.1", "tensorflow", true, 0);
        try (KerasModelFile model = KerasModelFile.open(file)) {
            KerasConv2DLayer layer = model.conv2dLayer("c");
            assertArrayEquals(new float[] {0.1f, (float) (-1.0 / 3.0)}, layer.kernel());
            assertArrayEquals(new float[] {0.2f, 0.3f}, layer.bias());
        }
    }

    @Test
    void legacyKernelLayoutIsTransposedLikeKeras() throws Exception {
        // Keras' preprocess_weights_for_loading: a stored kernel whose shape is not the layer's is transposed
        // with (3, 2, 0, 1). The layer wants (kh=3, kw=2, Cin=4, F=5), so such a file stores (4, 5, 2, 3).
        float[][][][] stored = kernel(4, 5, 2, 3, 0.9f);
        List<KerasTestFiles.Layer> layers = List.of(conv("c", conv2dConfig("c", 5, 3, 2, ""), stored, new float[5]));
        Path file = dir.resolve("legacy-layout.h5");
        KerasTestFiles.writeLegacyHdf5(file, layers, KerasTestFiles.sequentialJson(layers, "[null, 7, 7, 4]", null),
                "2.1.3", "tensorflow", true, 0);
        try (KerasModelFile model = KerasModelFile.open(file)) {
            KerasConv2DLayer layer = model.conv2dLayer("c");
            assertArrayEquals(new int[] {3, 2, 4, 5}, layer.kernelShape());
            float[] k = layer.kernel();
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 2; b++) {
                    for (int c = 0; c < 4; c++) {
                        for (int e = 0; e < 5; e++) {
                            assertEquals(stored[c][e][b][a], k[((a * 2 + b) * 4 + c) * 5 + e], 0.0f);
                        }
                    }
                }
            }
            assertTrue(layer.kernelConversion().contains("(3, 2, 0, 1)"), layer.kernelConversion());
        }
    }

    @Test
    void keras3WeightGroupsFollowClassNameCounterNotLayerName() throws Exception {
        float[][][][] k1 = kernel(3, 3, 1, 2, 1f);
        float[][][][] k2 = kernel(3, 3, 2, 2, -1f);
        float[][][][] decoy = kernel(3, 3, 2, 2, 100f);
        String config = "{\"module\": \"keras\", \"class_name\": \"Functional\", \"config\": {\"name\": \"f\", \"layers\": ["
                + "{\"module\": \"keras.layers\", \"class_name\": \"InputLayer\", \"config\": {\"batch_shape\": [null, 8, 8, 1],"
                + " \"dtype\": \"float32\", \"name\": \"img\"}, \"registered_name\": null, \"name\": \"img\", \"inbound_nodes\": []},"
                + "{\"module\": \"keras.layers\", \"class_name\": \"Conv2D\", \"config\": "
                + conv2dConfig("conv2d_1", 2, 3, 3, "\"groups\": 1") + ", \"registered_name\": null,"
                + " \"build_config\": {\"input_shape\": [null, 8, 8, 1]}, \"name\": \"conv2d_1\", \"inbound_nodes\": [{\"args\":"
                + " [{\"class_name\": \"__keras_tensor__\", \"config\": {\"shape\": [null, 8, 8, 1], \"dtype\": \"float32\","
                + " \"keras_history\": [\"img\", 0, 0]}}], \"kwargs\": {}}]},"
                + "{\"module\": \"keras.layers\", \"class_name\": \"MaxPooling2D\", \"config\": {\"name\": \"pool\", \"pool_size\": [2, 2],"
                + " \"strides\": [1, 1], \"padding\": \"valid\", \"data_format\": \"channels_last\"}, \"name\": \"pool\","
                + " \"inbound_nodes\": [{\"args\": [{\"class_name\": \"__keras_tensor__\", \"config\": {\"shape\": [null, 6, 6, 2],"
                + " \"keras_history\": [\"conv2d_1\", 0, 0]}}], \"kwargs\": {}}]},"
                + "{\"module\": \"keras.layers\", \"class_name\": \"Conv2D\", \"config\": "
                + conv2dConfig("my_conv", 2, 3, 3, "\"groups\": 1") + ", \"registered_name\": null, \"name\": \"my_conv\","
                + " \"inbound_nodes\": [{\"args\": [{\"class_name\": \"__keras_tensor__\", \"config\": {\"shape\": [null, 5, 5, 2],"
                + " \"keras_history\": [\"pool\", 0, 0]}}], \"kwargs\": {}}]}"
                + "], \"input_layers\": [[\"img\", 0, 0]], \"output_layers\": [[\"my_conv\", 0, 0]]}}";
        Map<String, List<Object>> groups = new LinkedHashMap<>();
        groups.put("input_layer", List.of());
        groups.put("conv2d", List.of(k1, new float[] {1, 2}));
        groups.put("max_pooling2d", List.of());
        groups.put("conv2d_1", List.of(k2, new float[] {3, 4}));
        groups.put("my_conv", List.of(decoy, new float[] {9, 9})); // a group named like the layer must not be used
        Path weights = dir.resolve("model.weights.h5");
        KerasTestFiles.writeKeras3Weights(weights, groups);
        Path archive = dir.resolve("model.keras");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("metadata.json", KerasTestFiles.utf8("{\"keras_version\": \"3.8.0\", \"date_saved\": \"2026-11-29@12:00:00\"}"));
        entries.put("config.json", KerasTestFiles.utf8(config));
        entries.put("model.weights.h5", Files.readAllBytes(weights));
        KerasTestFiles.writeZip(archive, entries);
        try (KerasModelFile model = KerasModelFile.open(archive)) {
            assertEquals(KerasModelFormat.KERAS3_ARCHIVE, model.format());
            assertEquals("3.8.0", model.kerasVersion());
            assertEquals(KerasSemantics.KERAS_3, model.semantics());
            assertEquals(List.of("conv2d_1", "my_conv"), model.conv2dLayerNames());
            KerasConv2DLayer first = model.conv2dLayer("conv2d_1");
            assertArrayEquals(flat(k1), first.kernel(), "layer conv2d_1 is stored under layers/conv2d");
            KerasConv2DLayer second = model.conv2dLayer("my_conv");
            assertArrayEquals(flat(k2), second.kernel(), "layer my_conv is stored under layers/conv2d_1");
            assertArrayEquals(new float[] {3, 4}, second.bias());
            assertEquals("(None, 5, 5, 2)", KerasLayerInfo.formatShape(second.inputShape()));
            assertEquals("(None, 3, 3, 2)", KerasLayerInfo.formatShape(second.outputShape()));
        }
        // The same weights as a Keras 3 save_weights file plus the model JSON.
        Path json = dir.resolve("config.json");
        Files.writeString(json, config);
        try (KerasModelFile model = KerasModelFile.open(weights, json)) {
            assertEquals(KerasModelFormat.KERAS3_WEIGHTS_ONLY, model.format());
            assertArrayEquals(flat(k2), model.conv2dLayer("my_conv").kernel());
        }
    }

    @Test
    void snakeCaseMatchesKeras() {
        assertEquals("conv2d", KerasModelFile.toSnakeCase("Conv2D"));
        assertEquals("max_pooling2d", KerasModelFile.toSnakeCase("MaxPooling2D"));
        assertEquals("input_layer", KerasModelFile.toSnakeCase("InputLayer"));
        assertEquals("conv2d_transpose", KerasModelFile.toSnakeCase("Conv2DTranspose"));
        assertEquals("batch_normalization", KerasModelFile.toSnakeCase("BatchNormalization"));
        assertEquals("depthwise_conv2d", KerasModelFile.toSnakeCase("DepthwiseConv2D"));
    }
}
