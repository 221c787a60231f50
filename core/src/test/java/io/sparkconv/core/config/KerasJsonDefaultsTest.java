package io.sparkconv.core.config;

import io.sparkconv.core.conv.Conv2D;

import io.sparkconv.core.spec.Conv2DSpec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.tensor.DataFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** data_format=None resolves to keras.json's image_data_format at build time (spec §1.4). */
class KerasJsonDefaultsTest {

    @TempDir
    Path temp;

    private Path writeKerasJson(Path dir, String content) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve("keras.json"), content);
    }

    @Test
    void kerasHomeHoldsKerasJsonDirectly() throws IOException {
        Path kerasHome = temp.resolve("kh");
        writeKerasJson(kerasHome, "{\"floatx\": \"float32\", \"epsilon\": 1e-07, \"backend\": \"tensorflow\", "
                + "\"image_data_format\": \"channels_first\"}");
        // A ~/.keras/keras.json saying the opposite must be ignored when KERAS_HOME is set.
        Path home = temp.resolve("home");
        writeKerasJson(home.resolve(".keras"), "{\"image_data_format\": \"channels_last\"}");
        KerasJsonDefaults defaults = new KerasJsonDefaults(Map.of("KERAS_HOME", kerasHome.toString()), home);
        assertEquals(kerasHome.resolve("keras.json"), defaults.kerasJsonFile());
        Conv2D conv = Conv2D.builder(4, 3).kerasDefaults(defaults).build();
        assertEquals(DataFormat.CHANNELS_FIRST, conv.spec().dataFormat());
        assertTrue(conv.toConfig().contains("\"data_format\": \"channels_first\""), conv.toConfig());
    }

    @Test
    void homeDotKerasWhenNoKerasHome() throws IOException {
        Path home = temp.resolve("home");
        writeKerasJson(home.resolve(".keras"), "{\"image_data_format\": \"channels_first\"}");
        KerasJsonDefaults defaults = new KerasJsonDefaults(Map.of(), home);
        assertEquals(DataFormat.CHANNELS_FIRST, defaults.imageDataFormat());
        // An explicit data format wins over keras.json.
        assertEquals(DataFormat.CHANNELS_LAST, Conv2D.builder(4, 3).kerasDefaults(defaults)
                .dataFormat("Channels_Last").spec().dataFormat());
    }

    @Test
    void missingFileInvalidJsonOrMissingKeyMeanChannelsLast() throws IOException {
        Path home = temp.resolve("home");
        assertEquals(DataFormat.CHANNELS_LAST, new KerasJsonDefaults(Map.of(), home).imageDataFormat());
        writeKerasJson(home.resolve(".keras"), "{not json");
        assertEquals(DataFormat.CHANNELS_LAST, new KerasJsonDefaults(Map.of(), home).imageDataFormat());
        writeKerasJson(home.resolve(".keras"), "{\"floatx\": \"float32\"}");
        assertEquals(DataFormat.CHANNELS_LAST, new KerasJsonDefaults(Map.of(), home).imageDataFormat());
        // Not even a home directory: the built-in default.
        assertEquals(DataFormat.CHANNELS_LAST, new KerasJsonDefaults(Map.of(), null).imageDataFormat());
    }

    @Test
    void badImageDataFormatValueIsRejectedNamingFileAndValue() throws IOException {
        Path kerasHome = temp.resolve("kh");
        Path file = writeKerasJson(kerasHome, "{\"image_data_format\": \"NCHW\"}");
        KerasJsonDefaults defaults = new KerasJsonDefaults(Map.of("KERAS_HOME", kerasHome.toString()), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Conv2D.builder(4, 3).kerasDefaults(defaults).spec());
        assertTrue(e.getMessage().contains("\"NCHW\"") && e.getMessage().contains(file.toString())
                && e.getMessage().contains("channels_last"), e.getMessage());
    }

    @Test
    void configWithoutDataFormatAlsoUsesKerasJson() throws IOException {
        Path kerasHome = temp.resolve("kh");
        writeKerasJson(kerasHome, "{\"image_data_format\": \"channels_first\"}");
        KerasJsonDefaults defaults = new KerasJsonDefaults(Map.of("KERAS_HOME", kerasHome.toString()), null);
        Conv2DSpec spec = io.sparkconv.core.spec.KerasLayerConfig.parse(
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                        "{\"class_name\": \"Conv2D\", \"config\": {\"filters\": 2, \"kernel_size\": 3}}"),
                KerasSemantics.TF_1_15, defaults);
        assertEquals(DataFormat.CHANNELS_FIRST, spec.dataFormat());
    }
}
