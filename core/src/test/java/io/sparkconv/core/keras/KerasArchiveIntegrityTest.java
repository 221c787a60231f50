package io.sparkconv.core.keras;

import static io.sparkconv.core.keras.KerasTestFiles.conv;
import static io.sparkconv.core.keras.KerasTestFiles.conv2dConfig;
import static io.sparkconv.core.keras.KerasTestFiles.kernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: a .keras archive whose member data no longer matches its CRC-32 is refused (java.util.zip.ZipFile
 * does not check it), even when the corrupt data still parses.
 */
class KerasArchiveIntegrityTest {
    @TempDir
    Path dir;

    private Path archive(Map<String, byte[]> entries) throws IOException {
        Path file = dir.resolve("m.keras");
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(Deflater.NO_COMPRESSION); // members stay verbatim, so a flipped byte still inflates
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    @Test
    void aConfigThatStillParsesButFailsItsCrcIsRefused() throws IOException {
        List<KerasTestFiles.Layer> layers = List.of(conv("conv2d", conv2dConfig("conv2d", 2, 1, 1, ""),
                kernel(1, 1, 1, 2, 1f), new float[] {1, 2}));
        Path weights = dir.resolve("model.weights.h5");
        Map<String, List<Object>> groups = new LinkedHashMap<>();
        groups.put("conv2d", List.of(kernel(1, 1, 1, 2, 1f), new float[] {1, 2}));
        KerasTestFiles.writeKeras3Weights(weights, groups);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("metadata.json", KerasTestFiles.utf8("{\"keras_version\": \"3.1.1\"}"));
        entries.put("config.json", KerasTestFiles.utf8(KerasTestFiles.sequentialJson(layers, "[null, 3, 3, 1]", null)));
        entries.put("model.weights.h5", Files.readAllBytes(weights));

        Path good = archive(entries);
        try (KerasModelFile file = KerasModelFile.open(good)) {
            assertEquals(1, file.conv2dLayerNames().size(), "the intact archive reads");
        }

        byte[] bytes = Files.readAllBytes(good);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\"filters\": 2");
        assertTrue(at > 0, "the config is stored verbatim");
        bytes[at + "\"filters\": ".length()] = '3'; // still valid JSON, a different layer
        Path corrupt = Files.write(dir.resolve("corrupt.keras"), bytes);
        KerasFileException e = assertThrows(KerasFileException.class, () -> KerasModelFile.open(corrupt).close());
        assertTrue(e.getMessage().contains("bad CRC-32 of config.json"), e.getMessage());
    }
}
