package io.sparkconv.core.keras;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.sparkconv.core.keras.KerasTestFiles.conv;
import static io.sparkconv.core.keras.KerasTestFiles.conv2dConfig;
import static io.sparkconv.core.keras.KerasTestFiles.flatten;
import static io.sparkconv.core.keras.KerasTestFiles.kernel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each error a user can meet, with its message. */
class KerasModelFileErrorsTest {

    @TempDir
    Path dir;

    private Path smallModel(String name) {
        List<KerasTestFiles.Layer> layers = List.of(
                conv("conv2d", conv2dConfig("conv2d", 4, 3, 3, ""), kernel(3, 3, 2, 4, 0.5f), new float[] {1, 2, 3, 4}),
                flatten("flatten"));
        Path file = dir.resolve(name);
        KerasTestFiles.writeLegacyHdf5(file, layers, KerasTestFiles.sequentialJson(layers, "[null, 5, 5, 2]", null),
                "2.6.0", "tensorflow", true, 0);
        return file;
    }

    private static String message(Runnable action) {
        KerasFileException e = assertThrows(KerasFileException.class, action::run);
        return e.getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), "message should contain <" + part + ">: " + message);
        }
    }

    @Test
    void notAnHdf5OrZipFile() throws Exception {
        Path text = dir.resolve("model.h5");
        Files.writeString(text, "this is not a model\n");
        assertContains(message(() -> KerasModelFile.open(text)), "not an HDF5 or zip file", text.toString(),
                "20 bytes", "74 68 69 73");
        Path empty = dir.resolve("empty.keras");
        Files.write(empty, new byte[0]);
        assertContains(message(() -> KerasModelFile.open(empty)), "not an HDF5 or zip file", "0 bytes");
        assertContains(message(() -> KerasModelFile.open(dir.resolve("missing.h5"))), "not found", "missing.h5");
    }

    @Test
    void noKerasMetadata() throws Exception {
        Path plain = dir.resolve("plain.h5");
        try (WritableHdfFile hdf = HdfFile.write(plain)) {
            hdf.putDataset("data", new float[] {1, 2, 3});
        }
        assertContains(message(() -> KerasModelFile.open(plain)), "no Keras metadata", "plain.h5", "model_config",
                "layer_names");
        Path zip = dir.resolve("other.keras");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("readme.txt", KerasTestFiles.utf8("hello"));
        KerasTestFiles.writeZip(zip, entries);
        assertContains(message(() -> KerasModelFile.open(zip)), "no Keras metadata", "config.json", "readme.txt");
    }

    @Test
    void weightsOnlyFileWithoutModelJson() throws Exception {
        List<KerasTestFiles.Layer> layers = List.of(conv("c", conv2dConfig("c", 1, 1, 1, ""),
                kernel(1, 1, 1, 1, 1f), new float[] {0}));
        Path file = dir.resolve("w.h5");
        KerasTestFiles.writeLegacyHdf5(file, layers, null, "2.6.0", "tensorflow", false, 0);
        assertContains(message(() -> KerasModelFile.open(file)), "weights only", "model's JSON");
    }

    @Test
    void noSuchLayerListsTheNames() {
        Path file = smallModel("m.h5");
        try (KerasModelFile model = KerasModelFile.open(file)) {
            assertContains(message(() -> model.conv2dLayer("conv9")), "no layer named 'conv9'", "conv2d, flatten");
        }
    }

    @Test
    void layersOfNestedModelsAreNamedAsUnsupported() throws Exception {
        List<KerasTestFiles.Layer> layers = List.of(
                conv("conv2d", conv2dConfig("conv2d", 4, 3, 3, ""), kernel(3, 3, 2, 4, 0.5f), new float[] {1, 2, 3, 4}),
                new KerasTestFiles.Layer("base", "Sequential", "{\"name\": \"base\", \"layers\": [{\"class_name\": "
                        + "\"Conv2D\", \"config\": " + conv2dConfig("inner", 1, 1, 1, "") + "}]}", List.of()));
        Path file = dir.resolve("nested.h5");
        KerasTestFiles.writeLegacyHdf5(file, layers, KerasTestFiles.sequentialJson(layers, null, null), "2.6.0",
                "tensorflow", true, 0);
        try (KerasModelFile model = KerasModelFile.open(file)) {
            assertEquals("Sequential", model.layers().get(1).className());
            assertContains(message(() -> model.conv2dLayer("inner")), "no layer named 'inner'", "conv2d, base",
                    "nested model(s) base cannot be read yet");
        }
    }

    @Test
    void layerIsNotAConv2D() {
        Path file = smallModel("m.h5");
        try (KerasModelFile model = KerasModelFile.open(file)) {
            assertContains(message(() -> model.conv2dLayer("flatten")), "layer 'flatten'", "is a Flatten",
                    "not a Conv2D", "Conv2D layers are: conv2d");
        }
    }

    @Test
    void unsupportedWeightDtype() {
        int[][][][] intKernel = new int[3][3][2][4];
        intKernel[1][1][0][0] = 7;
        List<KerasTestFiles.Layer> layers = List.of(conv("conv2d", conv2dConfig("conv2d", 4, 3, 3, ""), intKernel,
                new float[] {1, 2, 3, 4}));
        Path file = dir.resolve("int.h5");
        KerasTestFiles.writeLegacyHdf5(file, layers, KerasTestFiles.sequentialJson(layers, null, null), "2.6.0",
                "tensorflow", true, 0);
        try (KerasModelFile model = KerasModelFile.open(file)) {
            assertContains(message(() -> model.conv2dLayer("conv2d")), "unsupported weight dtype int32",
                    "kernel of layer 'conv2d'", "expected float16, float32, float64 or bfloat16");
        }
    }

    @Test
    void kernelShapeDoesNotMatchConfig() {
        List<KerasTestFiles.Layer> layers = List.of(conv("conv2d", conv2dConfig("conv2d", 4, 3, 3, ""),
                kernel(3, 3, 2, 5, 1f), new float[] {1, 2, 3, 4}));
        Path file = dir.resolve("bad-shape.h5");
        KerasTestFiles.writeLegacyHdf5(file, layers, KerasTestFiles.sequentialJson(layers, "[null, 5, 5, 2]", null),
                "2.6.0", "tensorflow", true, 0);
        try (KerasModelFile model = KerasModelFile.open(file)) {
            assertContains(message(() -> model.conv2dLayer("conv2d")), "kernel of layer 'conv2d'",
                    "has shape (3, 3, 2, 5)", "filters=4", "expects (3, 3, 2, 4)");
        }
        // The input channel count from batch_input_shape is checked too.
        List<KerasTestFiles.Layer> wrongChannels = List.of(conv("conv2d", conv2dConfig("conv2d", 4, 3, 3, ""),
                kernel(3, 3, 2, 4, 1f), new float[] {1, 2, 3, 4}));
        Path other = dir.resolve("bad-channels.h5");
        KerasTestFiles.writeLegacyHdf5(other, wrongChannels, KerasTestFiles.sequentialJson(wrongChannels,
                "[null, 5, 5, 3]", null), "2.6.0", "tensorflow", true, 0);
        try (KerasModelFile model = KerasModelFile.open(other)) {
            assertContains(message(() -> model.conv2dLayer("conv2d")), "has shape (3, 3, 2, 4)", "input channels=3",
                    "expects (3, 3, 3, 4)");
        }
        List<KerasTestFiles.Layer> badBias = List.of(conv("conv2d", conv2dConfig("conv2d", 4, 3, 3, ""),
                kernel(3, 3, 2, 4, 1f), new float[] {1, 2, 3}));
        Path third = dir.resolve("bad-bias.h5");
        KerasTestFiles.writeLegacyHdf5(third, badBias, KerasTestFiles.sequentialJson(badBias, null, null), "2.6.0",
                "tensorflow", true, 0);
        try (KerasModelFile model = KerasModelFile.open(third)) {
            assertContains(message(() -> model.conv2dLayer("conv2d")), "bias of layer 'conv2d'", "(3,)", "expects (4,)");
        }
    }

    @Test
    void truncatedFiles() throws Exception {
        Path file = smallModel("whole.h5");
        byte[] bytes = Files.readAllBytes(file);
        for (int keep : new int[] {bytes.length - 1, bytes.length / 2, 100, 9}) {
            Path cut = dir.resolve("cut-" + keep + ".h5");
            Files.write(cut, Arrays.copyOf(bytes, keep));
            assertContains(message(() -> KerasModelFile.open(cut)), "truncated", cut.toString());
        }
        Path archive = dir.resolve("whole.keras");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("metadata.json", KerasTestFiles.utf8("{\"keras_version\": \"3.1.1\"}"));
        entries.put("config.json", KerasTestFiles.utf8(KerasTestFiles.sequentialJson(List.of(flatten("f")), null, null)));
        entries.put("model.weights.h5", bytes);
        KerasTestFiles.writeZip(archive, entries);
        byte[] zipBytes = Files.readAllBytes(archive);
        Path cutZip = dir.resolve("cut.keras");
        Files.write(cutZip, Arrays.copyOf(zipBytes, zipBytes.length - 30));
        assertContains(message(() -> KerasModelFile.open(cutZip)), "truncated or corrupt zip archive", "cut.keras");
    }

    @Test
    void sizeLimitsAreCheckedBeforeReading() throws Exception {
        Path file = smallModel("m.h5");
        KerasModelFile.Limits tiny = new KerasModelFile.Limits(1 << 20, 1 << 20, 10, 100);
        try (KerasModelFile model = KerasModelFile.open(file, null, tiny)) {
            assertContains(message(() -> model.conv2dLayer("conv2d")), "kernel of layer 'conv2d'", "(3, 3, 2, 4)",
                    "over the limit of 10 elements");
        }
        KerasModelFile.Limits smallConfig = new KerasModelFile.Limits(100, 1 << 20, 1000, 100);
        assertContains(message(() -> KerasModelFile.open(file, null, smallConfig)), "over the limit of 100");
        Path archive = dir.resolve("big.keras");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("config.json", KerasTestFiles.utf8(KerasTestFiles.sequentialJson(List.of(flatten("f")), null, null)));
        entries.put("model.weights.h5", Files.readAllBytes(file));
        KerasTestFiles.writeZip(archive, entries);
        KerasModelFile.Limits smallWeights = new KerasModelFile.Limits(1 << 20, 1000, 1000, 100);
        assertContains(message(() -> KerasModelFile.open(archive, null, smallWeights)), "model.weights.h5",
                "over the limit of 1000 bytes");
        KerasModelFile.Limits fewLayers = new KerasModelFile.Limits(1 << 20, 1 << 20, 1000, 1);
        assertContains(message(() -> KerasModelFile.open(file, null, fewLayers)), "lists 2 layers", "limit of 1");
    }

    @Test
    void archiveWithNpzWeightsIsNamed() throws Exception {
        Path archive = dir.resolve("npz.keras");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("config.json", KerasTestFiles.utf8(KerasTestFiles.sequentialJson(List.of(flatten("f")), null, null)));
        entries.put("model.weights.npz", new byte[] {1, 2, 3});
        KerasTestFiles.writeZip(archive, entries);
        assertContains(message(() -> KerasModelFile.open(archive)), "model.weights.npz", "not supported");
    }

    @Test
    void closingAnArchiveRemovesItsTemporaryWeightsFile() throws Exception {
        Path file = smallModel("m.h5");
        Path archive = dir.resolve("m.keras");
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("config.json", KerasTestFiles.utf8(KerasTestFiles.sequentialJson(List.of(flatten("f")), null, null)));
        entries.put("model.weights.h5", Files.readAllBytes(file));
        KerasTestFiles.writeZip(archive, entries);
        KerasModelFile model = KerasModelFile.open(archive);
        Path temp = model.temporaryWeightsFile();
        assertTrue(Files.isRegularFile(temp), "the archive's weights are read from a temporary copy");
        model.close();
        assertTrue(Files.notExists(temp), "close() deletes " + temp);
    }
}
