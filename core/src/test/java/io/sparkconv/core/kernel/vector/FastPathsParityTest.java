package io.sparkconv.core.kernel.vector;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.ConvGeometry;
import io.sparkconv.core.conv.Padding;
import io.sparkconv.core.kernel.ConvKernel;
import io.sparkconv.core.kernel.PackedWeights;
import io.sparkconv.core.kernel.ParallelConvKernel;
import io.sparkconv.core.tensor.DataFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.types.TFloat32;

/**
 * The vector kernel's fast paths ({@link RegisterBlockedConv} with its 1x1 form, {@link PackedFilterConv})
 * and {@link ParallelConvKernel}'s row bands against TensorFlow's Conv2D + BiasAdd, on shapes chosen to hit
 * each path's edges: every filter-block split (1 to 9 vectors, ragged last block), ragged row ends, the 1x1
 * batch tail, few filters (1 to 8, non-powers of two), strides, dilations, SAME and VALID, bias on and off,
 * bands that start inside the padding. Inputs and weights are uniform in [-1, 1), never zero.
 *
 * <p>Tolerance: the float32 error bound of a sum of n products, {@code 2 n eps sum|x w|} per output value
 * (eps = 2^-24), which both TensorFlow's and our summation orders satisfy; a wrong tap, offset or lane gives
 * errors of the order of the values themselves.
 */
class FastPathsParityTest {

    private static final ConvKernel VECTOR = new VectorConvKernel();
    /** Closed once after all cases (not per case: JUnit would close an AutoCloseable argument). */
    private static final ParallelConvKernel PARALLEL = new ParallelConvKernel(VECTOR, 3);

    @AfterAll
    static void stopThreads() {
        PARALLEL.close();
    }

    record Case(String name, int batch, int h, int w, int c, int f, int kh, int kw, int sh, int sw, int dh, int dw,
                Padding padding, boolean bias) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        int lanes = RegisterBlockedConv.L;
        List<Case> cases = new ArrayList<>();
        // Register-blocked path: filter counts around each block split, ragged widths, strides, dilations.
        int[] filters = {lanes + 1, 2 * lanes, 3 * lanes - 3, 4 * lanes, 5 * lanes, 6 * lanes - 1, 9 * lanes};
        for (int i = 0; i < filters.length; i++) {
            cases.add(new Case("blocked F=" + filters[i], 2, 9 + i, 14 + 3 * i, 3 + 5 * i, filters[i], 3, 3, 1, 1,
                    1, 1, i % 2 == 0 ? Padding.SAME : Padding.VALID, i % 3 != 0));
        }
        cases.add(new Case("blocked 7x7 stride 2 same", 2, 23, 21, 3, 64, 7, 7, 2, 2, 1, 1, Padding.SAME, true));
        cases.add(new Case("blocked 2x4 stride (1,3) valid", 1, 11, 26, 5, 32, 2, 4, 1, 3, 1, 1, Padding.VALID, true));
        cases.add(new Case("blocked 3x3 dilation 2 same", 2, 17, 19, 8, 32, 3, 3, 1, 1, 2, 2, Padding.SAME, false));
        cases.add(new Case("blocked 3x2 dilation (3,1) same", 1, 10, 13, 6, 48, 3, 2, 1, 1, 3, 1, Padding.SAME, true));
        cases.add(new Case("blocked image smaller than kernel", 2, 2, 3, 4, 40, 5, 5, 1, 1, 1, 1, Padding.SAME, true));
        cases.add(new Case("blocked 1x1 stride 2", 2, 9, 11, 12, 24, 1, 1, 2, 2, 1, 1, Padding.SAME, true));
        // 1x1 stride 1: the GEMM form, with a batch tail that is not a whole block of pixels.
        cases.add(new Case("pointwise tail", 3, 7, 5, 20, 4 * lanes, 1, 1, 1, 1, 1, 1, Padding.VALID, true));
        cases.add(new Case("pointwise ragged filters", 2, 13, 3, 33, 3 * lanes + 5, 1, 1, 1, 1, 1, 1,
                Padding.SAME, false));
        // Few filters: packed (pixel, filter) lanes.
        int[] few = {1, 2, 3, 5, 8, lanes / 2};
        for (int i = 0; i < few.length; i++) {
            cases.add(new Case("packed F=" + few[i], 2, 12 + 2 * i, 37 + 5 * i, 1 + i % 3, few[i], 5, 5 - i % 3,
                    1 + i % 2, 1, 1, 1, i % 2 == 0 ? Padding.VALID : Padding.SAME, i % 2 == 0));
        }
        cases.add(new Case("packed dilation 2 same", 1, 15, 40, 2, 8, 3, 3, 1, 1, 2, 2, Padding.SAME, true));
        cases.add(new Case("packed 1x1", 2, 6, 70, 4, 4, 1, 1, 1, 1, 1, 1, Padding.VALID, true));
        cases.add(new Case("packed stride (2,1)", 3, 9, 33, 1, 6, 3, 3, 2, 1, 1, 1, Padding.SAME, false));
        // Both kernels on the same cases.
        return cases.stream().flatMap(c -> Stream.of(Arguments.of(c, VECTOR), Arguments.of(c, PARALLEL)));
    }

    @ParameterizedTest(name = "{0} on {1}", autoCloseArguments = false)
    @MethodSource("cases")
    void matchesTensorFlow(Case k, ConvKernel kernel) {
        SplittableRandom random = new SplittableRandom(k.name().hashCode());
        float[] x = randoms(random, k.batch() * k.h() * k.w() * k.c());
        float[] weights = randoms(random, k.kh() * k.kw() * k.c() * k.f());
        float[] bias = k.bias() ? randoms(random, k.f()) : null;
        ConvGeometry.Axis rows = ConvGeometry.axis("height", k.padding(), k.h(), k.kh(), k.sh(), k.dh());
        ConvGeometry.Axis cols = ConvGeometry.axis("width", k.padding(), k.w(), k.kw(), k.sw(), k.dw());
        ConvGeometry g = new ConvGeometry(DataFormat.CHANNELS_LAST, k.h(), k.w(), k.c(), rows.out(), cols.out(),
                k.f(), k.kh(), k.kw(), k.sh(), k.sw(), k.dh(), k.dw(), rows.padBefore(), rows.padAfter(),
                cols.padBefore(), cols.padAfter(), 1);
        PackedWeights packed = kernel.pack(g.filterShape(), weights, bias);
        float[] ours = new float[k.batch() * g.outputImageSize()];
        java.util.Arrays.fill(ours, Float.NaN);
        kernel.convolve(g, packed, x, 0, k.batch(), ours, 0);
        // twice: the second call reuses the thread's scratch buffers, whose borders must still be zero
        kernel.convolve(g, packed, x, 0, k.batch(), ours, 0);
        float[] expected = tensorFlow(k, x, weights, bias, ours.length);
        float[] bound = errorBound(k, g, x, weights, bias);
        int bad = -1;
        for (int i = 0; i < ours.length; i++) {
            if (!(Math.abs(ours[i] - expected[i]) <= bound[i])) {
                bad = i;
                break;
            }
        }
        int at = bad;
        assertTrue(bad < 0, () -> k + ": output " + at + " is " + ours[at] + ", TensorFlow gives " + expected[at]
                + " (tolerance " + bound[at] + ")");
    }

    private static float[] randoms(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            float v;
            do {
                v = (float) (random.nextDouble() * 2 - 1);
            } while (v == 0f);
            a[i] = v;
        }
        return a;
    }

    private static float[] tensorFlow(Case k, float[] x, float[] weights, float[] bias, int size) {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Operand<TFloat32> input = tf.constant(Shape.of(k.batch(), k.h(), k.w(), k.c()), DataBuffers.of(x, true, false));
            Operand<TFloat32> filter = tf.constant(Shape.of(k.kh(), k.kw(), k.c(), k.f()),
                    DataBuffers.of(weights, true, false));
            Operand<TFloat32> y = tf.nn.conv2d(input, filter, List.of(1L, (long) k.sh(), (long) k.sw(), 1L),
                    k.padding().name(), Conv2d.dilations(List.of(1L, (long) k.dh(), (long) k.dw(), 1L)));
            if (bias != null) {
                y = tf.nn.biasAdd(y, tf.constant(Shape.of(k.f()), DataBuffers.of(bias, true, false)));
            }
            try (Session session = new Session(graph); Result r = session.runner().fetch(y).run()) {
                float[] out = new float[size];
                ((TFloat32) r.get(0)).copyTo(DataBuffers.of(out, false, false));
                return out;
            }
        }
    }

    /** Per output value: 2 n eps sum|x w| (+ |bias|) + the smallest normal float, n = taps + 1. */
    private static float[] errorBound(Case k, ConvGeometry g, float[] x, float[] w, float[] bias) {
        float[] bound = new float[k.batch() * g.outputImageSize()];
        int n = k.kh() * k.kw() * k.c() + 1;
        double eps = Math.ulp(1.0f) / 2;
        int o = 0;
        for (int b = 0; b < k.batch(); b++) {
            for (int oh = 0; oh < g.outHeight(); oh++) {
                for (int ow = 0; ow < g.outWidth(); ow++) {
                    for (int f = 0; f < k.f(); f++) {
                        double sum = bias == null ? 0 : Math.abs(bias[f]);
                        for (int i = 0; i < k.kh(); i++) {
                            int ih = oh * k.sh() + i * k.dh() - g.padTop();
                            for (int j = 0; j < k.kw(); j++) {
                                int iw = ow * k.sw() + j * k.dw() - g.padLeft();
                                if (ih < 0 || ih >= k.h() || iw < 0 || iw >= k.w()) {
                                    continue;
                                }
                                for (int c = 0; c < k.c(); c++) {
                                    sum += Math.abs(x[((b * k.h() + ih) * k.w() + iw) * k.c() + c]
                                            * w[((i * k.kw() + j) * k.c() + c) * k.f() + f]);
                                }
                            }
                        }
                        bound[o++] = (float) (2 * n * eps * sum) + Float.MIN_NORMAL;
                    }
                }
            }
        }
        return bound;
    }
}
