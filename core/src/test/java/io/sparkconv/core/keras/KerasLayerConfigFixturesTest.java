package io.sparkconv.core.keras;

import io.sparkconv.core.spec.KerasLayerConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkconv.core.spec.Conv2DSpec;
import io.sparkconv.core.config.KerasJsonDefaults;
import io.sparkconv.core.config.KerasSemantics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real Conv2D configs written by Keras 2.1.3 to 3.11.1 (the shared fixtures): each is read with the semantics of
 * its file's keras_version, its arguments come out as written, and the TF 1.15-form ones (tf.keras 2.2.4-tf)
 * are written back identically. Skipped only when ../shared is absent.
 */
class KerasLayerConfigFixturesTest {

    static Stream<KerasFixtures.Fixture> fixtures() {
        return KerasFixtures.all();
    }

    private static List<Path> layerConfigs(KerasFixtures.Fixture fixture) throws IOException {
        try (Stream<Path> files = Files.list(fixture.dir().resolve("expected"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".config.json")).sorted().toList();
        }
    }

    private static int[] pair(JsonNode v) {
        return v.isArray() ? new int[] {v.get(0).asInt(), v.get(1).asInt()} : new int[] {v.asInt(), v.asInt()};
    }

    /** True when the config is exactly what TF 1.15 tf.keras writes: initializers carry a dtype, no groups. */
    private static boolean isTf115Form(JsonNode config) {
        return !config.has("groups") && config.path("kernel_initializer").path("config").has("dtype");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void layerConfigsReadWithTheirVersionsSemantics(KerasFixtures.Fixture fixture) throws IOException {
        KerasFixtures.assumeFixtures();
        String version = fixture.info().path("keras_version").asText();
        KerasSemantics semantics = KerasSemantics.forKerasVersion(version);
        List<Path> configs = layerConfigs(fixture);
        assertFalse(configs.isEmpty(), "no layer configs in " + fixture);
        for (Path file : configs) {
            JsonNode config = KerasFixtures.JSON.readTree(file.toFile());
            ObjectNode layer = KerasFixtures.JSON.createObjectNode();
            layer.put("class_name", "Conv2D");
            layer.set("config", config);
            Conv2DSpec spec = KerasLayerConfig.parse(layer.toString(), version);
            String what = fixture + "/" + file.getFileName();
            assertEquals(semantics, spec.semantics(), what);
            assertEquals(config.get("name").asText(), spec.name(), what);
            assertEquals(config.get("filters").asInt(), spec.filters(), what);
            int[] kernel = pair(config.get("kernel_size"));
            assertEquals(kernel[0], spec.kernelHeight(), what);
            assertEquals(kernel[1], spec.kernelWidth(), what);
            int[] strides = pair(config.get("strides"));
            assertEquals(strides[0], spec.strideHeight(), what);
            assertEquals(strides[1], spec.strideWidth(), what);
            int[] dilation = pair(config.get("dilation_rate"));
            assertEquals(dilation[0], spec.dilationHeight(), what);
            assertEquals(config.get("padding").asText(), spec.padding().kerasName(), what);
            assertEquals(config.get("data_format").asText(), spec.dataFormat().kerasName(), what);
            assertEquals(config.get("activation").asText(), spec.activation().kerasName(), what);
            assertEquals(config.get("use_bias").asBoolean(), spec.useBias(), what);
            assertEquals(config.path("groups").asInt(1), spec.groups(), what);
            JsonNode initializer = config.get("kernel_initializer");
            String expectedInit = initializer.get("class_name").asText();
            if (expectedInit.startsWith("He") || expectedInit.startsWith("Lecun")) {
                expectedInit = "VarianceScaling"; // no class of their own in the TF 1.15 form
            }
            assertEquals(expectedInit, spec.kernelInitializer().className(), what);

            String written = KerasLayerConfig.toJson(spec);
            if (isTf115Form(config)) {
                assertEquals(layer, KerasFixtures.JSON.readTree(written), what + " did not round-trip");
            }
            // Whatever the source form, the TF 1.15 form reads back to the same TF 1.15 form.
            assertEquals(written, KerasLayerConfig.toJson(KerasLayerConfig.parse(written, spec.semantics())), what);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void everyConv2DOfTheModelConfigParses(KerasFixtures.Fixture fixture) throws IOException {
        KerasFixtures.assumeFixtures();
        JsonNode model = KerasFixtures.JSON.readTree(fixture.expected("model_config.json").toFile());
        JsonNode config = model.get("config");
        JsonNode layers = config.isArray() ? config : config.get("layers");
        List<String> names = new ArrayList<>();
        for (JsonNode layer : layers) {
            if (layer.path("class_name").asText().equals("Conv2D")) {
                Conv2DSpec spec = KerasLayerConfig.parse(layer, KerasSemantics.forKerasVersion(
                        fixture.info().path("keras_version").asText()), new KerasJsonDefaults(Map.of(), null));
                names.add(spec.name());
            }
        }
        List<String> expected = new ArrayList<>();
        for (Iterator<JsonNode> it = fixture.conv2dLayers().elements(); it.hasNext(); ) {
            JsonNode entry = it.next();
            JsonNode cfg = entry.has("config") ? entry.get("config") : entry;
            expected.add(cfg.path("name").asText(entry.path("name").asText()));
        }
        assertEquals(expected.size(), names.size(), fixture + ": " + names + " vs " + expected);
        assertTrue(names.containsAll(expected), fixture + ": " + names + " vs " + expected);
    }
}
