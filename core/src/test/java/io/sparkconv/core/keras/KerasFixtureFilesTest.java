package io.sparkconv.core.keras;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.config.KerasSemantics;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.sparkconv.core.keras.KerasFixtures.JSON;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every real Keras file in ../shared/fixtures/keras loads, with weights and configs equal to expected/. */
class KerasFixtureFilesTest {

    @TestFactory
    Stream<DynamicTest> everyFixtureLoadsWithExactWeightsAndConfigs() {
        KerasFixtures.assumeFixtures();
        List<KerasFixtures.Fixture> fixtures = KerasFixtures.all().toList();
        assertTrue(fixtures.size() >= 11, "expected the 11 fixtures, found " + fixtures);
        return fixtures.stream().map(f -> DynamicTest.dynamicTest(f.id(), () -> checkFixture(f)));
    }

    private static void checkFixture(KerasFixtures.Fixture fixture) throws Exception {
        boolean theano = "theano".equals(fixture.info().path("backend").asText());
        try (KerasModelFile model = fixture.open()) {
            assertEquals(fixture.info().get("keras_version").asText(), model.kerasVersion());
            List<String> expectedNames = new ArrayList<>();
            fixture.conv2dLayers().forEach(l -> expectedNames.add(l.get("name").asText()));
            assertEquals(expectedNames, model.conv2dLayerNames(), "Conv2D layers in config order");
            for (JsonNode expected : fixture.conv2dLayers()) {
                String name = expected.get("name").asText();
                KerasConv2DLayer layer = model.conv2dLayer(name);
                Npy kernel = Npy.read(fixture.expected(expected.get("kernel_npy").asText()));
                assertArrayEquals(kernel.shape(), layer.storedKernelShape(), name + " stored kernel shape");
                assertArrayEquals(kernel.data(), layer.kernelAsStored(), name + " stored kernel values");
                assertArrayEquals(kernel.shape(), layer.kernelShape(), name + " kernel shape");
                float[] expectedKernel = theano ? KernelLoading.flipSpatial(kernel.data(), kernel.shape()) : kernel.data();
                assertArrayEquals(expectedKernel, layer.kernel(), name + " kernel as Keras loads it");
                if (expected.hasNonNull("bias_npy")) {
                    assertArrayEquals(Npy.read(fixture.expected(expected.get("bias_npy").asText())).data(), layer.bias(),
                            name + " bias");
                } else {
                    assertNull(layer.bias(), name + " has no bias");
                }
                JsonNode expectedConfig = JSON.readTree(fixture.expected(expected.get("config_json").asText()).toFile());
                assertEquals(expectedConfig, JSON.readTree(layer.configJson()), name + " config");
                JsonNode layerJson = JSON.readTree(layer.layerJson());
                assertEquals("Conv2D", layerJson.get("class_name").asText());
                assertEquals(expectedConfig, layerJson.get("config"));
                assertEquals(KerasSemantics.forKerasVersion(model.kerasVersion()), layer.semantics());
                assertEquals(model.kerasVersion(), layerJson.get("keras_version").asText());
                assertEquals(layer.semantics(), Conv2D.fromConfig(layer.layerJson()).spec().semantics(),
                        name + ": the layer JSON carries the file's semantics");
            }
        }
    }

    @Test
    void theanoKernelIsFlippedSpatiallyAsKerasLoadsIt() {
        KerasFixtures.Fixture fixture = KerasFixtures.byId("dl4j-conv2d-theano-backend");
        try (KerasModelFile model = fixture.open()) {
            KerasConv2DLayer layer = model.conv2dLayer("conv2d_1");
            assertEquals("theano", layer.backend());
            // The stored kernel element (i, j, c, f) equals its C-order index in (3, 3, 5, 6); Keras' convert_kernel
            // reverses the two spatial axes, so the loaded (i, j, c, f) is the stored (2-i, 2-j, c, f).
            float[] k = layer.kernel();
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    for (int c = 0; c < 5; c++) {
                        for (int f = 0; f < 6; f++) {
                            int loaded = ((i * 3 + j) * 5 + c) * 6 + f;
                            int stored = (((2 - i) * 3 + (2 - j)) * 5 + c) * 6 + f;
                            assertEquals(stored, k[loaded], 0.0f);
                        }
                    }
                }
            }
            assertTrue(layer.kernelConversion().contains("Theano"), layer.kernelConversion());
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, layer.bias());
        }
    }

    @Test
    void formatsVersionsAndSemanticsAreDetected() {
        KerasFixtures.assumeFixtures();
        check("dl4j-tfkeras-cnn2d-64", KerasModelFormat.HDF5_FULL_MODEL, "2.2.4-tf", KerasSemantics.TF_1_15);
        check("mlcommons-tiny-resnet8", KerasModelFormat.HDF5_FULL_MODEL, "2.4.0", KerasSemantics.KERAS_2);
        check("kotlindl-lenet-weights-only", KerasModelFormat.HDF5_WEIGHTS_ONLY, "2.2.4-tf", KerasSemantics.TF_1_15);
        check("keras3-legacy-h5-3.1.1", KerasModelFormat.HDF5_FULL_MODEL, "3.1.1", KerasSemantics.KERAS_3);
        check("keras3-mnist-keras-3.11.1", KerasModelFormat.KERAS3_ARCHIVE, "3.11.1", KerasSemantics.KERAS_3);
    }

    private static void check(String id, KerasModelFormat format, String version, KerasSemantics semantics) {
        try (KerasModelFile model = KerasFixtures.byId(id).open()) {
            assertEquals(format, model.format(), id);
            assertEquals(version, model.kerasVersion(), id);
            assertEquals(semantics, model.semantics(), id);
        }
    }

    @Test
    void layerListingHasClassesShapesAndRunnability() {
        try (KerasModelFile model = KerasFixtures.byId("keras3-mnist-keras-3.1.1").open()) {
            List<KerasLayerInfo> layers = model.layers();
            KerasLayerInfo first = layers.stream().filter(l -> l.name().equals("conv2d")).findFirst().orElseThrow();
            assertEquals("Conv2D", first.className());
            assertTrue(first.runnable());
            assertEquals("(None, 28, 28, 1)", KerasLayerInfo.formatShape(first.inputShape()));
            assertEquals("(None, 26, 26, 32)", KerasLayerInfo.formatShape(first.outputShape()));
            KerasLayerInfo pool = layers.stream().filter(l -> l.className().equals("MaxPooling2D")).findFirst().orElseThrow();
            assertEquals(false, pool.runnable());
            assertEquals("(None, 13, 13, 32)", KerasLayerInfo.formatShape(pool.outputShape()));
            KerasLayerInfo second = layers.stream().filter(l -> l.name().equals("conv2d_1")).findFirst().orElseThrow();
            assertEquals("(None, 13, 13, 32)", KerasLayerInfo.formatShape(second.inputShape()));
            assertEquals("(None, 11, 11, 64)", KerasLayerInfo.formatShape(second.outputShape()));
        }
        try (KerasModelFile model = KerasFixtures.byId("dl4j-wgan-discriminator").open()) {
            // Keras 2.1.3 list-form Sequential: shapes chain from batch_input_shape through LeakyReLU/Dropout.
            KerasLayerInfo second = model.layers().stream().filter(l -> l.name().equals("conv2d_2")).findFirst().orElseThrow();
            assertNotEquals(null, second.inputShape(), "input shape of conv2d_2 is known by chaining");
            assertEquals(16, (int) second.inputShape().get(3));
        }
    }

    @Test
    void summaryListsEveryLayer() {
        try (KerasModelFile model = KerasFixtures.byId("keras3-mnist-keras-3.1.1").open()) {
            String summary = model.summary();
            assertTrue(summary.contains("keras_version: 3.1.1, backend: (not recorded), semantics: KERAS_3"), summary);
            assertTrue(summary.contains("format: Keras 3 .keras archive"), summary);
            String conv = summary.lines().filter(l -> l.contains(" conv2d ")).findFirst().orElseThrow();
            assertTrue(conv.matches("\\d+\\s+conv2d\\s+Conv2D\\s+\\(None, 28, 28, 1\\)\\s+\\(None, 26, 26, 32\\)\\s+yes"), conv);
            String pool = summary.lines().filter(l -> l.contains(" max_pooling2d ")).findFirst().orElseThrow();
            assertTrue(pool.endsWith("no"), pool);
            assertEquals(model.layers().size() + 4, summary.lines().count(), summary);
        }
    }
}
