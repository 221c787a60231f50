package io.sparkconv.core.keras;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.sparkconv.core.keras.KerasTestFiles.conv;
import static io.sparkconv.core.keras.KerasTestFiles.conv2dConfig;
import static io.sparkconv.core.keras.KerasTestFiles.flatten;
import static io.sparkconv.core.keras.KerasTestFiles.kernel;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Truncated and garbled copies of Keras files, made at test time: reading them either works or fails with a
 * {@link KerasFileException}, always quickly (no hang, no unbounded allocation, no other exception type).
 */
class KerasHostileFilesTest {

    @TempDir
    Path dir;

    private static final int VARIANTS = 120;

    @Test
    void garbledAndTruncatedHdf5FilesFailCleanly() throws Exception {
        List<KerasTestFiles.Layer> layers = List.of(
                conv("conv2d", conv2dConfig("conv2d", 4, 3, 3, ""), kernel(3, 3, 2, 4, 0.5f), new float[] {1, 2, 3, 4}),
                flatten("flatten"));
        Path file = dir.resolve("m.h5");
        KerasTestFiles.writeLegacyHdf5(file, layers, KerasTestFiles.sequentialJson(layers, "[null, 5, 5, 2]", null),
                "2.6.0", "tensorflow", true, 0);
        exercise(Files.readAllBytes(file), ".h5", 1);
    }

    @Test
    void garbledCopiesOfARealKerasFileFailCleanly() throws Exception {
        KerasFixtures.Fixture fixture = KerasFixtures.byId("dl4j-conv2d-theano-backend");
        exercise(Files.readAllBytes(fixture.modelFile()), ".h5", 2);
    }

    @Test
    void garbledKerasArchivesFailCleanly() throws Exception {
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
        Path archive = dir.resolve("m.keras");
        KerasTestFiles.writeZip(archive, entries);
        exercise(Files.readAllBytes(archive), ".keras", 3);
    }

    private void exercise(byte[] original, String suffix, long seed) throws Exception {
        Random random = new Random(seed);
        int failures = 0;
        for (int variant = 0; variant < VARIANTS; variant++) {
            byte[] bytes;
            if (variant % 4 == 0) {
                bytes = Arrays.copyOf(original, 8 + random.nextInt(original.length - 8));
            } else {
                bytes = original.clone();
                int flips = 1 + random.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
                }
            }
            Path copy = dir.resolve("variant-" + variant + suffix);
            Files.write(copy, bytes);
            boolean failed = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> readEverything(copy),
                    "reading " + copy + " must not hang");
            failures += failed ? 1 : 0;
            Files.delete(copy);
        }
        assertTrue(failures > 0, "some damaged copies must be rejected");
    }

    /** Returns true when the file was rejected with a KerasFileException; any other exception fails the test. */
    private static boolean readEverything(Path copy) {
        try (KerasModelFile model = KerasModelFile.open(copy)) {
            for (KerasLayerInfo layer : model.layers()) {
                if (layer.runnable()) {
                    model.conv2dLayer(layer.name());
                }
            }
            return false;
        } catch (KerasFileException expected) {
            assertTrue(expected.getMessage().contains(copy.getFileName().toString()),
                    "the message names the file: " + expected.getMessage());
            return true;
        }
    }
}
