package io.sparkconv.spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.datasets.npy.NpyArrays;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `sparkconv apply`: one NPY batch through the layer in this process, no Spark. */
class ApplyCommandTest {
    @TempDir
    Path dir;

    private void assertAppliesLikeTheLayer(Conv2D layer, int[] inputShape, int[] kernelShape) throws IOException {
        Path layerFile = TestFiles.layer(dir.resolve("layer.json"), layer);
        Path input = TestFiles.npy(dir.resolve("in.npy"), 1, inputShape);
        Path kernel = TestFiles.npy(dir.resolve("k.npy"), 2, kernelShape);
        Path bias = layer.spec().useBias() ? TestFiles.npy(dir.resolve("b.npy"), 3, layer.spec().filters()) : null;
        Path output = dir.resolve("out.npy");
        CliRunner r = bias == null
                ? CliRunner.run("apply", "--layer", layerFile.toString(), "--kernel", kernel.toString(), "--input",
                        input.toString(), "--output", output.toString())
                : CliRunner.run("apply", "--layer", layerFile.toString(), "--kernel", kernel.toString(), "--bias",
                        bias.toString(), "--input", input.toString(), "--output", output.toString());
        assertEquals(0, r.exitCode, r.toString());

        Conv2D expectedLayer = Conv2D.fromConfig(Files.readString(layerFile));
        expectedLayer.setWeights(NpyArrays.read(kernel.toString()), bias == null ? null : NpyArrays.read(bias.toString()));
        FloatTensor expected = expectedLayer.forward(NpyArrays.read(input.toString()));
        FloatTensor actual = NpyArrays.read(output.toString());
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.data(), actual.data(), 0f);
        assertTrue(r.out.contains("wrote " + output + ": shape "), r.out);
    }

    @Test
    void channelsLastWithBias() throws IOException {
        assertAppliesLikeTheLayer(Conv2D.builder(5, 3, 3).strides(2, 1).padding("same").activation("tanh").build(),
                new int[] {3, 11, 9, 2}, new int[] {3, 3, 2, 5});
    }

    @Test
    void channelsFirstDilatedWithoutBias() throws IOException {
        assertAppliesLikeTheLayer(Conv2D.builder(4, 2, 3).dilationRate(2, 1).dataFormat("channels_first")
                .useBias(false).build(), new int[] {2, 3, 10, 8}, new int[] {2, 3, 3, 4});
    }

    private static void assertOneLineError(int exitCode, String text, String... args) {
        CliRunner r = CliRunner.run(args);
        assertEquals(exitCode, r.exitCode, r.toString());
        assertEquals(1, r.errLines().length, "one line, no stack trace: " + r);
        assertTrue(r.err.contains(text), "expected '" + text + "' in " + r.err);
    }

    @Test
    void badArgumentsAndBadFilesGiveOneLineAndANonZeroExit() throws IOException {
        Conv2D layer = Conv2D.builder(2, 3, 3).useBias(false).build();
        Path layerFile = TestFiles.layer(dir.resolve("layer.json"), layer);
        Path kernel = TestFiles.npy(dir.resolve("k.npy"), 4, 3, 3, 3, 2);
        Path input = TestFiles.npy(dir.resolve("in.npy"), 5, 2, 6, 6, 3);
        Path gray = TestFiles.npy(dir.resolve("gray.npy"), 6, 2, 6, 6, 1);
        Path single = TestFiles.npy(dir.resolve("single.npy"), 7, 6, 6, 3);
        Path tiny = TestFiles.npy(dir.resolve("tiny.npy"), 8, 1, 2, 2, 3);
        Path notNpy = TestFiles.text(dir.resolve("text.npy"), "hello, this is text and not an array");
        String out = dir.resolve("out.npy").toString();

        assertOneLineError(2, "Missing required option: '--kernel=FILE'", "apply", "--layer", layerFile.toString(),
                "--input", input.toString(), "--output", out);
        assertOneLineError(1, "input file " + dir.resolve("none.npy") + " does not exist", "apply", "--layer",
                layerFile.toString(), "--kernel", kernel.toString(), "--input", dir.resolve("none.npy").toString(),
                "--output", out);
        assertOneLineError(1, "input file " + notNpy + ": not an NPY file", "apply", "--layer", layerFile.toString(),
                "--kernel", kernel.toString(), "--input", notNpy.toString(), "--output", out);
        assertOneLineError(1, "expected a rank-4 batch, (N, H, W, C)", "apply", "--layer", layerFile.toString(),
                "--kernel", kernel.toString(), "--input", single.toString(), "--output", out);
        assertOneLineError(1, "does not fit the layer", "apply", "--layer", layerFile.toString(), "--kernel",
                kernel.toString(), "--input", gray.toString(), "--output", out);
        assertOneLineError(1, "does not fit the layer", "apply", "--layer", layerFile.toString(), "--kernel",
                kernel.toString(), "--input", tiny.toString(), "--output", out);
        assertOneLineError(1, "layer file " + kernel, "apply", "--layer", kernel.toString(), "--kernel",
                kernel.toString(), "--input", input.toString(), "--output", out);
        assertOneLineError(1, "use_bias=false", "apply", "--layer", layerFile.toString(), "--kernel",
                kernel.toString(), "--bias", kernel.toString(), "--input", input.toString(), "--output", out);
        assertTrue(Files.notExists(Path.of(out)));
    }
}
