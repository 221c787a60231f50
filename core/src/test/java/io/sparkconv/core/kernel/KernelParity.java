package io.sparkconv.core.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.spec.ConvGeometry;
import io.sparkconv.core.spec.Padding;
import io.sparkconv.core.tensor.DataFormat;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
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
 * Checks a kernel on one ungrouped NHWC shape against TensorFlow's Conv2D + BiasAdd, for the tests that aim
 * shapes at a kernel's internal edges (blocks, chunks, tails). Inputs and weights are uniform in [-1, 1),
 * never zero.
 *
 * <p>Tolerance: the float32 error bound of a sum of n products, {@code 2 n eps sum|x w|} per output value
 * (eps = 2^-24), which both TensorFlow's and our summation orders satisfy; a wrong tap, offset or lane gives
 * errors of the order of the values themselves.
 */
public final class KernelParity {

    private KernelParity() {
    }

    /**
     * One shape: batch x h x w x c input, f filters of kh x kw, strides, dilations, padding, bias, and the
     * channels and filters split into {@code groups} (each filter sees c/groups channels).
     */
    public record Case(String name, int batch, int h, int w, int c, int f, int kh, int kw, int sh, int sw, int dh,
                       int dw, Padding padding, boolean bias, int groups) {

        /** An ungrouped case. */
        public Case(String name, int batch, int h, int w, int c, int f, int kh, int kw, int sh, int sw, int dh,
                    int dw, Padding padding, boolean bias) {
            this(name, batch, h, w, c, f, kh, kw, sh, sw, dh, dw, padding, bias, 1);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * Convolves the case's random data with a fresh plan of {@code kernel} (twice: the second call reuses the
     * workspace) and asserts that every output value is within the bound of TensorFlow's.
     */
    public static void assertMatchesTensorFlow(Case k, ConvKernel kernel) {
        SplittableRandom random = new SplittableRandom(k.name().hashCode());
        float[] x = randoms(random, k.batch() * k.h() * k.w() * k.c());
        float[] weights = randoms(random, k.kh() * k.kw() * (k.c() / k.groups()) * k.f());
        float[] bias = k.bias() ? randoms(random, k.f()) : null;
        ConvGeometry.Axis rows = ConvGeometry.axis("height", k.padding(), k.h(), k.kh(), k.sh(), k.dh());
        ConvGeometry.Axis cols = ConvGeometry.axis("width", k.padding(), k.w(), k.kw(), k.sw(), k.dw());
        ConvGeometry g = new ConvGeometry(DataFormat.CHANNELS_LAST, k.h(), k.w(), k.c(), rows.out(), cols.out(),
                k.f(), k.kh(), k.kw(), k.sh(), k.sw(), k.dh(), k.dw(), rows.padBefore(), rows.padAfter(),
                cols.padBefore(), cols.padAfter(), k.groups());
        ConvPlan plan = kernel.plan(g, kernel.pack(g.filterShape(), weights, bias));
        ConvPlan.Workspace workspace = plan.newWorkspace();
        float[] ours = new float[k.batch() * g.outputImageSize()];
        Arrays.fill(ours, Float.NaN);
        plan.execute(x, 0, k.batch(), ours, 0, workspace);
        plan.execute(x, 0, k.batch(), ours, 0, workspace);
        assertWithinTolerance(k, x, weights, bias, ours, plan.name());
    }

    /**
     * Asserts that {@code ours} (NHWC, computed elsewhere from the given input, weights and bias) is within the
     * bound of TensorFlow's output for the case; {@code what} names the computation in the message.
     */
    public static void assertWithinTolerance(Case k, float[] x, float[] weights, float[] bias, float[] ours,
                                             String what) {
        ConvGeometry.Axis rows = ConvGeometry.axis("height", k.padding(), k.h(), k.kh(), k.sh(), k.dh());
        ConvGeometry.Axis cols = ConvGeometry.axis("width", k.padding(), k.w(), k.kw(), k.sw(), k.dw());
        ConvGeometry g = new ConvGeometry(DataFormat.CHANNELS_LAST, k.h(), k.w(), k.c(), rows.out(), cols.out(),
                k.f(), k.kh(), k.kw(), k.sh(), k.sw(), k.dh(), k.dw(), rows.padBefore(), rows.padAfter(),
                cols.padBefore(), cols.padAfter(), k.groups());
        float[] expected = tensorFlowGrouped(k, x, weights, bias, ours.length);
        float[] bound = errorBound(k, g, x, weights, bias);
        int bad = -1;
        for (int i = 0; i < ours.length; i++) {
            if (!(Math.abs(ours[i] - expected[i]) <= bound[i])) {
                bad = i;
                break;
            }
        }
        int at = bad;
        assertTrue(bad < 0, () -> k + " on " + what + ": output " + at + " is " + ours[at]
                + ", TensorFlow gives " + expected[at] + " (tolerance " + bound[at] + ")");
    }

    /** {@code n} values uniform in [-1, 1), never zero (a missing tap always changes a sum). */
    public static float[] randoms(SplittableRandom random, int n) {
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

    /** TensorFlow's CPU Conv2D rejects groups: one convolution per group, outputs side by side. */
    private static float[] tensorFlowGrouped(Case k, float[] x, float[] weights, float[] bias, int size) {
        int groups = k.groups();
        if (groups == 1) {
            return tensorFlow(k, x, weights, bias, size);
        }
        int cg = k.c() / groups, fg = k.f() / groups, pixels = size / k.f();
        Case part = new Case(k.name(), k.batch(), k.h(), k.w(), cg, fg, k.kh(), k.kw(), k.sh(), k.sw(), k.dh(),
                k.dw(), k.padding(), k.bias());
        float[] out = new float[size];
        for (int gr = 0; gr < groups; gr++) {
            float[] xg = new float[x.length / groups];
            for (int p = 0; p < xg.length / cg; p++) {
                System.arraycopy(x, p * k.c() + gr * cg, xg, p * cg, cg);
            }
            float[] wg = new float[weights.length / groups];
            for (int r = 0; r < wg.length / fg; r++) {
                System.arraycopy(weights, r * k.f() + gr * fg, wg, r * fg, fg);
            }
            float[] bg = bias == null ? null : Arrays.copyOfRange(bias, gr * fg, (gr + 1) * fg);
            float[] yg = tensorFlow(part, xg, wg, bg, pixels * fg);
            for (int p = 0; p < pixels; p++) {
                System.arraycopy(yg, p * fg, out, p * k.f() + gr * fg, fg);
            }
        }
        return out;
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
        int cg = k.c() / k.groups(), fg = k.f() / k.groups();
        int n = k.kh() * k.kw() * cg + 1;
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
                                int c0 = f / fg * cg;                  // the filter's group's channels
                                for (int c = 0; c < cg; c++) {
                                    sum += Math.abs(x[((b * k.h() + ih) * k.w() + iw) * k.c() + c0 + c]
                                            * w[((i * k.kw() + j) * cg + c) * k.f() + f]);
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
