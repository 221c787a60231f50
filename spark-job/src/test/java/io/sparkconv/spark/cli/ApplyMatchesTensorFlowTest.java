package io.sparkconv.spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.config.KerasSemantics;
import io.sparkconv.core.kernel.TensorFlowParityTest;
import io.sparkconv.core.kernel.TfOracle;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.core.tensor.Layouts;
import io.sparkconv.datasets.npy.NpyArrays;
import io.sparkconv.datasets.npy.NpyWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue acceptance: {@code sparkconv apply} on inputs made for TensorFlow gives TensorFlow's output. Each case is a
 * seeded random layer (every argument varies), written as Keras layer JSON plus NPY kernel, bias and input; the
 * command runs in this JVM exactly as the launcher runs it, and its output NPY is compared with TensorFlow's real
 * ops (core's {@link TfOracle}) under the parity suite's documented float32 tolerance
 * ({@link TensorFlowParityTest#mismatch}).
 */
class ApplyMatchesTensorFlowTest {

    private static final String[] TF1_ACTIVATIONS = {"linear", "relu", "elu", "selu", "softplus", "softsign", "tanh",
            "sigmoid", "hard_sigmoid", "exponential", "softmax"};
    private static final String[] KERAS3_ACTIVATIONS = {"hard_sigmoid", "gelu", "silu", "mish", "relu6",
            "leaky_relu", "selu", "softmax"};

    private static TfOracle oracle;

    @BeforeAll
    static void startTensorFlow() {
        oracle = new TfOracle();
    }

    @AfterAll
    static void stopTensorFlow() {
        oracle.close();
    }

    /** One drawn configuration; its toString names it in the report. */
    record Case(int index, int batch, int height, int width, int channels, int filters, int kh, int kw, int sh,
                int sw, int dh, int dw, String padding, boolean channelsFirst, int groups, boolean useBias,
                String activation, KerasSemantics semantics) {
        @Override
        public String toString() {
            return "#" + index + " x=" + batch + "x" + height + "x" + width + "x" + channels + " k=" + kh + "x" + kw
                    + " F=" + filters + " s=" + sh + "," + sw + " d=" + dh + "," + dw + " " + padding
                    + (channelsFirst ? " channels_first" : " channels_last") + " groups=" + groups
                    + (useBias ? " bias " : " no-bias ") + activation + " " + semantics;
        }
    }

    static Stream<Arguments> cases() {
        SplittableRandom r = new SplittableRandom(0xA991_7E57L);
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            boolean keras3 = i % 4 == 3;
            int groups = keras3 || i % 5 == 0 ? 1 + r.nextInt(3) : 1;
            int channels = groups * (1 + r.nextInt(4));
            int filters = groups * (1 + r.nextInt(5));
            int kh = 1 + r.nextInt(5);
            int kw = 1 + r.nextInt(5);
            boolean dilated = r.nextInt(3) == 0;
            int sh = dilated ? 1 : 1 + r.nextInt(3);
            int sw = dilated ? 1 : 1 + r.nextInt(3);
            int dh = dilated ? 1 + r.nextInt(3) : 1;
            int dw = dilated ? 1 + r.nextInt(3) : 1;
            String padding = r.nextBoolean() ? "same" : "valid";
            int minH = padding.equals("valid") ? (kh - 1) * dh + 1 : 1;
            int minW = padding.equals("valid") ? (kw - 1) * dw + 1 : 1;
            int height = minH + r.nextInt(12);
            int width = minW + r.nextInt(12);
            String[] names = keras3 ? KERAS3_ACTIVATIONS : TF1_ACTIVATIONS;
            out.add(Arguments.of(new Case(i, 1 + r.nextInt(3), height, width, channels, filters, kh, kw, sh, sw, dh,
                    dw, padding, r.nextBoolean(), groups, r.nextInt(4) != 0, names[r.nextInt(names.length)],
                    keras3 ? KerasSemantics.KERAS_3 : KerasSemantics.TF_1_15)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void applyEqualsTensorFlow(Case c, @TempDir Path dir) throws IOException {
        Conv2D layer = Conv2D.builder(c.filters(), c.kh(), c.kw()).strides(c.sh(), c.sw()).padding(c.padding())
                .dilationRate(c.dh(), c.dw()).groups(c.groups()).useBias(c.useBias()).activation(c.activation())
                .dataFormat(c.channelsFirst() ? "channels_first" : "channels_last").semantics(c.semantics()).build();
        SplittableRandom r = new SplittableRandom(c.index());
        float[] nhwc = TensorFlowParityTest.nonZero(r, c.batch() * c.height() * c.width() * c.channels());
        float[] kernel = TensorFlowParityTest.nonZero(r, c.kh() * c.kw() * (c.channels() / c.groups()) * c.filters());
        float[] bias = c.useBias() ? TensorFlowParityTest.nonZero(r, c.filters()) : null;

        Path layerFile = Files.writeString(dir.resolve("layer.json"), layer.toConfig());
        Path kernelFile = dir.resolve("kernel.npy");
        NpyWriter.write(kernelFile, new int[] {c.kh(), c.kw(), c.channels() / c.groups(), c.filters()}, kernel);
        Path inputFile = dir.resolve("input.npy");
        FloatTensor input = new FloatTensor(nhwc, c.batch(), c.height(), c.width(), c.channels());
        if (c.channelsFirst()) {
            input = Layouts.toChannelsFirst(input);
        }
        NpyWriter.write(inputFile, input.shape(), input.data());
        Path outputFile = dir.resolve("output.npy");
        List<String> args = new ArrayList<>(List.of("apply", "--layer", layerFile.toString(), "--kernel",
                kernelFile.toString(), "--input", inputFile.toString(), "--output", outputFile.toString()));
        if (bias != null) {
            Path biasFile = dir.resolve("bias.npy");
            NpyWriter.write(biasFile, new int[] {c.filters()}, bias);
            args.addAll(List.of("--bias", biasFile.toString()));
        }

        CliRunner run = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, run.exitCode, run.toString());

        TfOracle.Result expected = oracle.run(new TfOracle.Problem(nhwc, c.batch(), c.height(), c.width(),
                c.channels(), kernel, c.kh(), c.kw(), c.filters(), c.groups(), c.sh(), c.sw(), c.dh(), c.dw(),
                c.padding().toUpperCase(java.util.Locale.ROOT), bias, c.channelsFirst(), c.activation(),
                c.semantics()));
        FloatTensor actual = NpyArrays.read(outputFile.toString());
        assertArrayEquals(Arrays.stream(expected.shape()).mapToInt(Math::toIntExact).toArray(), actual.shape());
        int lastAxis = actual.shape()[3];
        assertNull(TensorFlowParityTest.mismatch(c.activation(), expected, actual.data(), lastAxis));
    }
}
