package io.sparkconv.core.keras;

import io.sparkconv.core.spec.KerasLayerConfig;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.config.KerasSemantics;
import io.sparkconv.core.tensor.FloatTensor;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static io.sparkconv.core.keras.KerasFixtures.JSON;
import static io.sparkconv.core.keras.KerasTestFiles.conv;
import static io.sparkconv.core.keras.KerasTestFiles.conv2dConfig;
import static io.sparkconv.core.keras.KerasTestFiles.kernel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Conv2D loaded from a Keras file computes exactly what core Conv2D computes when built from the expected/
 * config with the expected weights set explicitly.
 */
class KerasConv2DForwardTest {

    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicTest> firstConv2DOfEveryFixtureMatchesExplicitWeights() {
        KerasFixtures.assumeFixtures();
        return KerasFixtures.all().map(f -> DynamicTest.dynamicTest(f.id(), () -> checkFirstLayer(f)));
    }

    private static void checkFirstLayer(KerasFixtures.Fixture fixture) throws Exception {
        JsonNode expected = fixture.conv2dLayers().get(0);
        String name = expected.get("name").asText();
        Conv2D loaded;
        if (fixture.companionJson() == null) {
            loaded = KerasModelFile.readConv2D(fixture.modelFile(), name);
        } else {
            try (KerasModelFile model = fixture.open()) {
                loaded = model.conv2dLayer(name).toConv2D();
            }
        }
        String version = fixture.info().get("keras_version").asText();
        JsonNode config = JSON.readTree(fixture.expected(expected.get("config_json").asText()).toFile());
        String layerJson = "{\"class_name\": \"Conv2D\", \"config\": " + config + "}";
        Conv2D reference = new Conv2D(KerasLayerConfig.parse(layerJson, version));
        Npy kernel = Npy.read(fixture.expected(expected.get("kernel_npy").asText()));
        float[] kernelValues = "theano".equals(fixture.info().path("backend").asText())
                ? KernelLoading.flipSpatial(kernel.data(), kernel.shape()) : kernel.data();
        FloatTensor bias = expected.hasNonNull("bias_npy")
                ? tensor(Npy.read(fixture.expected(expected.get("bias_npy").asText()))) : null;
        reference.setWeights(new FloatTensor(kernelValues, kernel.shape()), bias);

        // Initializer objects have no equals(); the serialized config and the semantics pin the spec down.
        assertEquals(reference.toConfig(), loaded.toConfig(), "same layer config");
        assertEquals(reference.spec().semantics(), loaded.spec().semantics());
        FloatTensor input = randomInput(config, kernel.shape()[2] * reference.spec().groups(), 17 + name.hashCode());
        FloatTensor fromFile = loaded.forward(input);
        FloatTensor explicit = reference.forward(input);
        assertArrayEquals(explicit.shape(), fromFile.shape());
        assertArrayEquals(explicit.data(), fromFile.data(), "bit-for-bit equal outputs");
        assertTrue(anyNonZero(fromFile.data()), "a non-trivial output");
    }

    private static FloatTensor tensor(Npy npy) {
        return new FloatTensor(npy.data(), npy.shape());
    }

    /** Batch of 2 in the layer's data format, spatial size from batch_input_shape when given, else 9x9. */
    private static FloatTensor randomInput(JsonNode config, int channels, long seed) {
        boolean channelsFirst = "channels_first".equals(config.path("data_format").asText());
        JsonNode declared = config.get("batch_input_shape");
        int h = 9;
        int w = 9;
        if (declared != null && declared.isArray() && declared.size() == 4) {
            h = declared.get(channelsFirst ? 2 : 1).asInt(9);
            w = declared.get(channelsFirst ? 3 : 2).asInt(9);
        }
        Random random = new Random(seed);
        float[] data = new float[2 * h * w * channels];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (random.nextGaussian() + 0.1);
        }
        return channelsFirst ? new FloatTensor(data, 2, channels, h, w) : new FloatTensor(data, 2, h, w, channels);
    }

    private static boolean anyNonZero(float[] values) {
        for (float v : values) {
            if (v != 0f) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theFilesKerasVersionPicksTheActivationFormula() throws Exception {
        // hard_sigmoid is 0.2x+0.5 (clipped) in Keras 2 but relu6(x+3)/6 in Keras 3 (spec §4, checklist 8).
        float[][][][] k = {{{{1f}}}};
        String config = conv2dConfig("c", 1, 1, 1, "").replace("\"linear\"", "\"hard_sigmoid\"");
        List<KerasTestFiles.Layer> layers = List.of(conv("c", config, k, new float[] {0f}));
        Path keras2 = dir.resolve("k2.h5");
        Path keras3 = dir.resolve("k3.h5");
        KerasTestFiles.writeLegacyHdf5(keras2, layers, KerasTestFiles.sequentialJson(layers, null, null), "2.6.0",
                "tensorflow", true, 0);
        KerasTestFiles.writeLegacyHdf5(keras3, layers, KerasTestFiles.sequentialJson(layers, null, null), "3.1.1",
                "tensorflow", true, 0);
        Conv2D two = KerasModelFile.readConv2D(keras2, "c");
        Conv2D three = KerasModelFile.readConv2D(keras3, "c");
        assertEquals(KerasSemantics.KERAS_2, two.spec().semantics());
        assertEquals(KerasSemantics.KERAS_3, three.spec().semantics());
        FloatTensor x = new FloatTensor(new float[] {-4f, -1f, 1f, 2f}, 1, 2, 2, 1);
        float[] y2 = two.forward(x).data();
        float[] y3 = three.forward(x).data();
        float[] expected2 = {0f, 0.3f, 0.7f, 0.9f};
        float[] expected3 = {0f, 2f / 6f, 4f / 6f, 5f / 6f};
        assertArrayEquals(expected2, y2, 1e-6f);
        assertArrayEquals(expected3, y3, 1e-6f);
    }

    @Test
    void dilatedAndGroupedLayersFromOurOwnFilesMatchExplicitWeights() throws Exception {
        float[][][][] dilatedKernel = kernel(3, 3, 4, 6, 0.3f);
        float[][][][] groupedKernel = kernel(3, 3, 2, 6, 0.7f);
        String dilatedConfig = conv2dConfig("dilated", 6, 3, 3, "\"groups\": 1")
                .replace("\"dilation_rate\": [1, 1]", "\"dilation_rate\": [2, 2]").replace("\"linear\"", "\"relu\"");
        String groupedConfig = conv2dConfig("grouped", 6, 3, 3, "\"groups\": 3")
                .replace("\"padding\": \"valid\"", "\"padding\": \"same\"");
        float[] bias = {0.5f, -0.5f, 0.25f, -0.25f, 0.125f, -0.125f};
        List<KerasTestFiles.Layer> layers = List.of(conv("dilated", dilatedConfig, dilatedKernel, bias),
                conv("grouped", groupedConfig, groupedKernel, bias));
        Path file = dir.resolve("dg.h5");
        KerasTestFiles.writeLegacyHdf5(file, layers, KerasTestFiles.sequentialJson(layers, "[null, 11, 11, 4]", null),
                "2.12.0", "tensorflow", true, 0);
        Conv2D dilated = KerasModelFile.readConv2D(file, "dilated");
        Conv2D grouped = KerasModelFile.readConv2D(file, "grouped");
        Conv2D dilatedReference = Conv2D.builder(6, 3, 3).dilationRate(2, 2).activation("relu").build();
        dilatedReference.setWeights(new FloatTensor(KerasTestFiles.flat(dilatedKernel), 3, 3, 4, 6), new FloatTensor(bias, 6));
        Conv2D groupedReference = Conv2D.builder(6, 3, 3).groups(3).padding("same").build();
        groupedReference.setWeights(new FloatTensor(KerasTestFiles.flat(groupedKernel), 3, 3, 2, 6), new FloatTensor(bias, 6));
        FloatTensor x = randomInput(JSON.readTree("{\"batch_input_shape\": [null, 11, 11, 4]}"), 4, 5);
        FloatTensor h = dilated.forward(x);
        assertArrayEquals(new int[] {2, 7, 7, 6}, h.shape());
        assertArrayEquals(dilatedReference.forward(x).data(), h.data());
        assertArrayEquals(groupedReference.forward(h).data(), grouped.forward(h).data());
    }

    @Test
    void fromKerasFileReportsTheProblem() throws Exception {
        List<KerasTestFiles.Layer> layers = List.of(conv("c", conv2dConfig("c", 2, 1, 1, ""), kernel(1, 1, 1, 2, 1f),
                new float[] {0f, 1f}));
        Path file = dir.resolve("m.h5");
        KerasTestFiles.writeLegacyHdf5(file, layers, KerasTestFiles.sequentialJson(layers, null, null), "2.6.0",
                "tensorflow", true, 0);
        KerasFileException e = assertThrows(KerasFileException.class, () -> KerasModelFile.readConv2D(file, "d"));
        assertTrue(e.getMessage().contains("no layer named 'd'") && e.getMessage().contains(": c"), e.getMessage());
        String badActivation = conv2dConfig("c", 2, 1, 1, "").replace("\"linear\"", "\"no_such_activation\"");
        List<KerasTestFiles.Layer> bad = List.of(conv("c", badActivation, kernel(1, 1, 1, 2, 1f), new float[] {0f, 1f}));
        Path badFile = dir.resolve("bad.h5");
        KerasTestFiles.writeLegacyHdf5(badFile, bad, KerasTestFiles.sequentialJson(bad, null, null), "2.6.0",
                "tensorflow", true, 0);
        KerasFileException parse = assertThrows(KerasFileException.class, () -> KerasModelFile.readConv2D(badFile, "c"));
        assertTrue(parse.getMessage().contains("Conv2D layer 'c'") && parse.getMessage().contains("no_such_activation"),
                parse.getMessage());
    }

    @Test
    void consecutiveConv2DLayersChainAndOthersAreRefused() throws Exception {
        KerasFixtures.Fixture toyResnet = KerasFixtures.byId("kotlindl-toyresnet-weights-only");
        try (KerasModelFile model = toyResnet.open()) {
            List<Conv2D> chain = model.conv2dChain(List.of("conv2d_34", "conv2d_35"));
            assertEquals(2, chain.size());
            FloatTensor x = randomInput(JSON.readTree("{\"batch_input_shape\": [null, 28, 28, 1]}"), 1, 3);
            FloatTensor expected = model.conv2dLayer("conv2d_35").toConv2D()
                    .forward(model.conv2dLayer("conv2d_34").toConv2D().forward(x));
            assertArrayEquals(expected.data(), chain.get(1).forward(chain.get(0).forward(x)).data());
            KerasFileException pooled = assertThrows(KerasFileException.class,
                    () -> model.conv2dChain(List.of("conv2d_35", "conv2d_36")));
            assertTrue(pooled.getMessage().contains("do not chain")
                    && pooled.getMessage().contains("MaxPooling2D 'max_pooling2d_5'"), pooled.getMessage());
        }
        try (KerasModelFile model = KerasFixtures.byId("keras3-mnist-keras-3.1.1").open()) {
            KerasFileException e = assertThrows(KerasFileException.class,
                    () -> model.conv2dChain(List.of("conv2d", "conv2d_1")));
            assertTrue(e.getMessage().contains("do not chain") && e.getMessage().contains("MaxPooling2D"), e.getMessage());
        }
        // Sequential with a Dropout (the identity at inference) between two Conv2D layers chains.
        float[][][][] k1 = kernel(3, 3, 2, 4, 0.5f);
        float[][][][] k2 = kernel(1, 1, 4, 3, -0.5f);
        List<KerasTestFiles.Layer> layers = List.of(
                conv("a", conv2dConfig("a", 4, 3, 3, ""), k1, new float[] {1, 2, 3, 4}),
                new KerasTestFiles.Layer("drop", "Dropout", "{\"name\": \"drop\", \"rate\": 0.5}", List.of()),
                conv("b", conv2dConfig("b", 3, 1, 1, ""), k2, new float[] {1, 2, 3}),
                conv("c", conv2dConfig("c", 3, 1, 1, ""), kernel(1, 1, 2, 3, 1f), new float[] {1, 2, 3}));
        Path file = dir.resolve("chain.h5");
        // No batch_input_shape: the channel check of the chain is what catches 'c' (its kernel takes 2 channels).
        KerasTestFiles.writeLegacyHdf5(file, layers, KerasTestFiles.sequentialJson(layers, null, null),
                "2.6.0", "tensorflow", true, 0);
        try (KerasModelFile model = KerasModelFile.open(file)) {
            assertEquals(2, model.conv2dChain(List.of("a", "b")).size());
            KerasFileException channels = assertThrows(KerasFileException.class,
                    () -> model.conv2dChain(List.of("b", "c")));
            assertTrue(channels.getMessage().contains("'b' outputs 3 channels but 'c' takes 2"), channels.getMessage());
            KerasFileException order = assertThrows(KerasFileException.class,
                    () -> model.conv2dChain(List.of("b", "a")));
            assertTrue(order.getMessage().contains("do not chain"), order.getMessage());
        }
    }
}
