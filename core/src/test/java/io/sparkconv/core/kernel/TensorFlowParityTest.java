package io.sparkconv.core.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.activation.Activations;
import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.config.KerasSemantics;
import io.sparkconv.core.spec.Padding;
import io.sparkconv.core.conv.TestLayers;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.core.tensor.FloatTensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Randomized parity with TensorFlow's real ops: {@value #CASES} configurations drawn with a fixed seed over
 * every Conv2D argument, each run on every kernel this JVM has (scalar, and vector when the module is present;
 * the test names start with the kernel). Inputs and weights are random and never zero.
 *
 * <p>Tolerance. Float32 results depend on summation order (TF's Eigen contraction, our loops, FMA or not).
 * Each rounding errs by at most 2^-24 of the running sum, which is bounded by {@code M = sum|x*w| + |b|}, so
 * for {@code K <= 200} products the worst case is {@code K * 6e-8 * M = 1.2e-5 * M} and the typical (random
 * walk) error about {@code sqrt(K) * 6e-8 * M < 1e-6 * M}. We allow {@code delta = 1e-5 * (1 + M)} before the
 * activation. This cannot hide a real defect: every |input| and |weight| is at least 0.25, so a missing,
 * extra or misplaced tap changes an output by at least 0.0625, while {@code delta <= 2e-3}. After the
 * activation {@code f} the bound is {@code L * delta + 4e-6 * |y| + 1e-6}: {@code L} bounds |f'| (2 for every
 * activation here, except exponential whose derivative is its value: {@code L = 1 + |y|}; softmax and
 * log_softmax use the largest delta of the row, since each output depends on the whole row), and the last
 * terms cover the few-ulp differences of TF's Eigen approximations of exp, tanh, sigmoid and erf.
 */
@Tag("kernel")
public class TensorFlowParityTest {

    static final int CASES = 320;
    private static final long SEED = 0x5EED_C0DEL;

    private static TfOracle oracle;
    private static int cachedCase = -1;
    private static TfOracle.Result cachedResult;

    @BeforeAll
    static void startTensorFlow() {
        oracle = new TfOracle();
    }

    @AfterAll
    static void stopTensorFlow() {
        oracle.close();
    }

    /** One drawn configuration with its data. */
    record Case(int index, int batch, int height, int width, int channels, int filters, int kh, int kw,
                int sh, int sw, int dh, int dw, Padding padding, DataFormat format, int groups, boolean bias,
                String activation, KerasSemantics semantics, long dataSeed) {

        @Override
        public String toString() {
            return "#" + index + " x=" + batch + "x" + height + "x" + width + "x" + channels + " filters=" + filters
                    + " kernel=" + kh + "x" + kw + " strides=" + sh + "x" + sw + " dilation=" + dh + "x" + dw
                    + " " + padding.kerasName() + " " + format.kerasName() + " groups=" + groups + " bias=" + bias
                    + " " + activation + "(" + semantics + ")";
        }

        TestLayers.Args layerArgs() {
            TestLayers.Args a = TestLayers.args();
            a.filters = filters;
            a.kernelHeight = kh;
            a.kernelWidth = kw;
            a.strideHeight = sh;
            a.strideWidth = sw;
            a.dilationHeight = dh;
            a.dilationWidth = dw;
            a.padding = padding;
            a.dataFormat = format;
            a.groups = groups;
            a.useBias = bias;
            a.semantics = semantics;
            a.activation = Activations.get(activation, semantics);
            return a;
        }

        int effectiveKh() {
            return (kh - 1) * dh + 1;
        }

        int effectiveKw() {
            return (kw - 1) * dw + 1;
        }
    }

    /** The drawn configurations (the same on every run and JVM). */
    static List<Case> cases() {
        SplittableRandom r = new SplittableRandom(SEED);
        KerasSemantics[] versions = {KerasSemantics.TF_1_15, KerasSemantics.KERAS_2, KerasSemantics.KERAS_3};
        Map<KerasSemantics, Integer> nextActivation = new HashMap<>();
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            int groups = r.nextInt(2) == 0 ? 1 : 1 + r.nextInt(4);
            int cg = 1 + r.nextInt(groups == 1 ? 8 : 4);
            int fg = 1 + r.nextInt(groups == 1 ? 20 : 8);
            int kh = 1 + r.nextInt(5), kw = 1 + r.nextInt(5);
            int sh = 1, sw = 1, dh = 1, dw = 1;
            if (r.nextInt(4) == 0) {                   // Keras forbids strides > 1 with dilation > 1
                dh = 1 + r.nextInt(3);
                dw = 1 + r.nextInt(3);
            } else {
                sh = 1 + r.nextInt(3);
                sw = 1 + r.nextInt(3);
            }
            Padding padding = r.nextBoolean() ? Padding.SAME : Padding.VALID;
            int h = size(r), w = size(r);
            if (padding == Padding.VALID) {            // VALID needs in >= dilated kernel
                h = Math.max(h, (kh - 1) * dh + 1 + r.nextInt(3));
                w = Math.max(w, (kw - 1) * dw + 1 + r.nextInt(3));
            }
            KerasSemantics semantics = versions[r.nextInt(groups == 1 ? 3 : 2) + (groups == 1 ? 0 : 1)];
            List<String> names = new ArrayList<>(Activations.names(semantics));
            names.retainAll(TfOracle.SUPPORTED);
            int next = nextActivation.merge(semantics, 1, Integer::sum) - 1;
            String activation = names.get(next % names.size());
            cases.add(new Case(i, 1 + r.nextInt(3), h, w, cg * groups, fg * groups, kh, kw, sh, sw, dh, dw,
                    padding, r.nextBoolean() ? DataFormat.CHANNELS_LAST : DataFormat.CHANNELS_FIRST, groups,
                    r.nextInt(4) != 0, activation, semantics, r.nextLong()));
        }
        return cases;
    }

    /** Mostly small images, some tiny (smaller than most kernels), some up to 40. */
    private static int size(SplittableRandom r) {
        int kind = r.nextInt(8);
        return kind < 2 ? 1 + r.nextInt(4) : kind == 7 ? 17 + r.nextInt(24) : 5 + r.nextInt(12);
    }

    static Stream<Arguments> kernelsAndCases() {
        List<ConvKernel> kernels = KernelProvider.everyWidth();
        return cases().stream().flatMap(c -> kernels.stream().map(k -> Arguments.of(k.name(), k, c)));
    }

    @ParameterizedTest(name = "[{0}] {2}")
    @MethodSource("kernelsAndCases")
    void matchesTensorFlow(String kernelName, ConvKernel kernel, Case c) {
        SplittableRandom data = new SplittableRandom(c.dataSeed());
        int[] shape = c.format() == DataFormat.CHANNELS_LAST
                ? new int[] {c.batch(), c.height(), c.width(), c.channels()}
                : new int[] {c.batch(), c.channels(), c.height(), c.width()};
        float[] x = nonZero(data, c.batch() * c.height() * c.width() * c.channels());
        float[] k = nonZero(data, c.kh() * c.kw() * (c.channels() / c.groups()) * c.filters());
        float[] b = c.bias() ? nonZero(data, c.filters()) : null;

        TfOracle.Result expected = reference(c, x, k, b);

        Conv2D layer = c.layerArgs().layer();
        layer.setWeights(k, b);
        int[] outShape = layer.outputShape(shape);
        assertArrayEquals(expected.shape(), java.util.Arrays.stream(outShape).asLongStream().toArray(),
                "output shape");
        float[] actual;
        if (c.index() % 2 == 0) {                      // half through forward, half through a reused runner
            actual = layer.forward(new FloatTensor(x, shape), kernel).data();
        } else {
            Conv2D.Runner runner = layer.newRunner(c.height(), c.width(), c.channels(), c.batch() + 1, kernel);
            actual = new float[expected.output().length + 3];
            float[] padded = new float[x.length + 5];
            System.arraycopy(x, 0, padded, 5, x.length);
            runner.run(padded, 5, c.batch(), actual, 3);
            actual = java.util.Arrays.copyOfRange(actual, 3, actual.length);
        }
        assertClose(c.activation(), expected, actual, outShape[3]);
    }

    private static TfOracle.Result reference(Case c, float[] x, float[] k, float[] b) {
        if (cachedCase != c.index()) {                 // TF runs once per case, for all kernels
            float[] nhwc = x;
            if (c.format() == DataFormat.CHANNELS_FIRST) {
                nhwc = io.sparkconv.core.tensor.Layouts.toChannelsLast(new FloatTensor(x, c.batch(), c.channels(),
                        c.height(), c.width())).data();
            }
            cachedResult = oracle.run(new TfOracle.Problem(nhwc, c.batch(), c.height(), c.width(), c.channels(), k,
                    c.kh(), c.kw(), c.filters(), c.groups(), c.sh(), c.sw(), c.dh(), c.dw(),
                    c.padding() == Padding.SAME ? "SAME" : "VALID", b, c.format() == DataFormat.CHANNELS_FIRST,
                    c.activation(), c.semantics()));
            cachedCase = c.index();
        }
        return cachedResult;
    }

    /** Uniform values with 0.25 <= |v| <= 1 and a random sign: never zero, never tiny. */
    public static float[] nonZero(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            float m = (float) (0.25 + 0.75 * r.nextDouble());
            v[i] = r.nextBoolean() ? m : -m;
        }
        return v;
    }

    /** Asserts the documented tolerance (class comment) element by element; lastAxis is the rows' length. */
    static void assertClose(String activation, TfOracle.Result expected, float[] actual, int lastAxis) {
        String problem = mismatch(activation, expected, actual, lastAxis);
        assertTrue(problem == null, problem);
    }

    /** The first element outside the tolerance, described, or null when all agree. */
    public static String mismatch(String activation, TfOracle.Result expected, float[] actual, int lastAxis) {
        float[] want = expected.output();
        float[] magnitude = expected.magnitude();
        if (want.length != actual.length) {
            return "length " + actual.length + ", TensorFlow " + want.length;
        }
        boolean rowWise = activation.equals("softmax") || activation.equals("log_softmax");
        for (int row = 0; row < want.length; row += lastAxis) {
            double rowDelta = 0;
            for (int i = row; i < row + lastAxis; i++) {
                rowDelta = Math.max(rowDelta, 1e-5 * (1 + magnitude[i]));
            }
            for (int i = row; i < row + lastAxis; i++) {
                double delta = rowWise ? rowDelta : 1e-5 * (1 + magnitude[i]);
                double lipschitz = activation.equals("exponential") ? 1 + Math.abs(want[i]) : 2;
                double tolerance = lipschitz * delta + 4e-6 * Math.abs(want[i]) + 1e-6;
                double error = Math.abs((double) actual[i] - want[i]);
                if (!(error <= tolerance)) {           // also catches NaN
                    return "element " + i + ": ours " + actual[i] + ", TensorFlow " + want[i] + ", |diff| " + error
                            + " > tolerance " + tolerance + " (sum|x*w|+|b| = " + magnitude[i] + ")";
                }
            }
        }
        return null;
    }

    @Test
    void theDrawCoversEveryArgument() {
        List<Case> cases = cases();
        assertTrue(cases.size() >= 300, "at least 300 configurations");
        assertTrue(cases.stream().anyMatch(c -> c.padding() == Padding.SAME && (c.height() < c.kh() || c.width() < c.kw())),
                "SAME with an input smaller than the kernel");
        assertTrue(cases.stream().anyMatch(c -> c.padding() == Padding.VALID && c.height() == c.effectiveKh()),
                "VALID with the input exactly the dilated kernel");
        assertTrue(cases.stream().anyMatch(c -> c.height() >= 30 || c.width() >= 30), "large images");
        assertTrue(cases.stream().anyMatch(c -> c.height() == 1 || c.width() == 1), "1-pixel images");
        assertTrue(cases.stream().anyMatch(c -> c.kh() != c.kw()), "non-square kernels");
        assertTrue(cases.stream().anyMatch(c -> c.kh() % 2 == 0 && c.kw() % 2 == 0), "even kernels");
        assertTrue(cases.stream().anyMatch(c -> c.sh() != c.sw() && c.sh() > 1), "unequal strides");
        assertTrue(cases.stream().anyMatch(c -> c.dh() > 1 && c.dw() > 1), "dilation on both axes");
        assertTrue(cases.stream().anyMatch(c -> c.dh() != c.dw()), "unequal dilation");
        assertTrue(cases.stream().anyMatch(c -> c.batch() > 1), "batches");
        assertTrue(cases.stream().anyMatch(c -> c.filters() > 16 && c.filters() % 16 != 0),
                "several filter blocks with a partial last block");
        for (int g = 1; g <= 4; g++) {
            int groups = g;
            assertTrue(cases.stream().anyMatch(c -> c.groups() == groups && c.format() == DataFormat.CHANNELS_FIRST),
                    "groups=" + g + " channels_first");
        }
        for (Padding p : Padding.values()) {
            for (DataFormat f : DataFormat.values()) {
                assertTrue(cases.stream().anyMatch(c -> c.padding() == p && c.format() == f), p + " " + f);
            }
        }
        assertTrue(cases.stream().anyMatch(Case::bias) && cases.stream().anyMatch(c -> !c.bias()), "bias on and off");
        for (KerasSemantics s : List.of(KerasSemantics.TF_1_15, KerasSemantics.KERAS_2, KerasSemantics.KERAS_3)) {
            TreeSet<String> drawn = new TreeSet<>();
            cases.stream().filter(c -> c.semantics() == s).forEach(c -> drawn.add(c.activation()));
            List<String> wanted = new ArrayList<>(Activations.names(s));
            wanted.retainAll(TfOracle.SUPPORTED);
            assertEquals(new TreeSet<>(wanted), drawn, "activations drawn for " + s);
        }
        assertTrue(cases.stream().anyMatch(c -> c.activation().equals("softmax") && c.format() == DataFormat.CHANNELS_FIRST),
                "softmax over W for channels_first");
    }

    @Test
    void theToleranceDetectsASmallWeightError() {
        // Negative control: one weight off by 0.02 must be caught for every kernel.
        Case c = cases().get(1);
        SplittableRandom data = new SplittableRandom(c.dataSeed());
        int[] shape = {c.batch(), c.height(), c.width(), c.channels()};
        Case nhwc = new Case(c.index() + 100_000, c.batch(), c.height(), c.width(), c.channels(), c.filters(), c.kh(),
                c.kw(), c.sh(), c.sw(), c.dh(), c.dw(), Padding.SAME, DataFormat.CHANNELS_LAST, c.groups(), c.bias(),
                "linear", c.semantics(), c.dataSeed());
        float[] x = nonZero(data, c.batch() * c.height() * c.width() * c.channels());
        float[] k = nonZero(data, c.kh() * c.kw() * (c.channels() / c.groups()) * c.filters());
        float[] b = c.bias() ? nonZero(data, c.filters()) : null;
        TfOracle.Result expected = reference(nhwc, x, k, b);
        k[0] += 0.02f;
        for (ConvKernel kernel : KernelProvider.everyWidth()) {
            Conv2D layer = nhwc.layerArgs().layer();
            layer.setWeights(k, b);
            float[] actual = layer.forward(new FloatTensor(x, shape), kernel).data();
            assertTrue(mismatch("linear", expected, actual, c.filters()) != null,
                    kernel.name() + ": a 0.02 weight error went unnoticed");
        }
    }
}
