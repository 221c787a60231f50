package io.sparkconv.core.conv;

import io.sparkconv.core.spec.Padding;

import io.sparkconv.core.spec.ConvGeometry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.kernel.ConvKernel;
import io.sparkconv.core.kernel.ConvPath;
import io.sparkconv.core.kernel.KernelParity;
import io.sparkconv.core.kernel.KernelProvider;
import io.sparkconv.core.tensor.DataFormat;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every filter count 1..80 times every output width 1..80, which crosses every block edge of every path at
 * every vector width (filter blocks of 1-4 vectors of 2-16 lanes, pixel blocks of 6-12, packed blocks of 4 or
 * 14 vectors), with the other arguments drawn per case from a fixed seed: kernel 1..7 (square or not),
 * strides 1..3, dilations 1..3, both paddings and data formats, groups 1..4, batch 1..3, input channels 1..9,
 * 16, 64 or 130, bias on or off. Each case runs on a fresh runner (buffers sized as in a fresh Spark task, never
 * left larger by an earlier case) on one thread and in bands on 2 and 3 threads, and is compared with a
 * float64 reference within {@link KernelParity}'s float32 bound; every 64th NHWC case is also checked against
 * TensorFlow itself.
 */
@Tag("kernel")
class BlockEdgeSweepTest {

    private static final int MAX_FILTERS = 80;
    private static final int MAX_WIDTH = 80;
    private static final int[] CHANNELS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 64, 130};
    /** Multiply-adds per case at most (channels, kernel and height are redrawn above it): keeps CI in minutes. */
    private static final long MAX_MACS = 1_500_000;

    static List<ConvKernel> kernels() {
        return KernelProvider.everyWidth();
    }

    /** One drawn case; its toString is the reproducible description the failures name. */
    record Case(int filters, int outWidth, int outHeight, int batch, int channels, int kh, int kw, int sh, int sw,
                int dh, int dw, Padding padding, DataFormat format, int groups, boolean bias, int height, int width) {

        Conv2D layer() {
            return Conv2D.builder(filters, kh, kw).strides(sh, sw).dilationRate(dh, dw).padding(padding)
                    .dataFormat(format).groups(groups).useBias(bias).build();
        }

        long macs() {
            return (long) batch * outHeight * outWidth * filters * kh * kw * (channels / groups);
        }

        KernelParity.Case parityCase() {
            return new KernelParity.Case(toString(), batch, height, width, channels, filters, kh, kw, sh, sw, dh, dw,
                    padding, bias, groups);
        }
    }

    /** The 6,400 cases, the same on every run. */
    static List<Case> cases() {
        List<Case> cases = new ArrayList<>(MAX_FILTERS * MAX_WIDTH);
        for (int f = 1; f <= MAX_FILTERS; f++) {
            for (int ow = 1; ow <= MAX_WIDTH; ow++) {
                cases.add(draw(new SplittableRandom(f * 1000L + ow), f, ow));
            }
        }
        return cases;
    }

    private static Case draw(SplittableRandom r, int f, int ow) {
        List<Integer> groupChoices = new ArrayList<>();
        for (int g = 1; g <= 4; g++) {
            if (f % g == 0) {
                groupChoices.add(g);
            }
        }
        int groups = r.nextInt(3) == 0 ? groupChoices.get(r.nextInt(groupChoices.size())) : 1;
        Padding padding = r.nextBoolean() ? Padding.SAME : Padding.VALID;
        DataFormat format = r.nextInt(4) == 0 ? DataFormat.CHANNELS_FIRST : DataFormat.CHANNELS_LAST;
        boolean bias = r.nextBoolean();
        int batch = 1 + r.nextInt(3);
        while (true) {
            int kh = 1 + r.nextInt(7);
            int kw = r.nextBoolean() ? kh : 1 + r.nextInt(7);
            boolean dilated = r.nextInt(3) == 0;      // Keras: dilation and strides cannot both exceed 1
            int dh = dilated ? 1 + r.nextInt(3) : 1;
            int dw = dilated ? 1 + r.nextInt(3) : 1;
            int sh = dilated ? 1 : 1 + r.nextInt(3);
            int sw = dilated ? 1 : 1 + r.nextInt(3);
            int channels;
            do {
                channels = CHANNELS[r.nextInt(CHANNELS.length)];
            } while (channels % groups != 0);
            int oh = 1 + r.nextInt(3);
            int height = inputSize(r, padding, oh, kh, sh, dh);
            int width = inputSize(r, padding, ow, kw, sw, dw);
            Case c = new Case(f, ow, oh, batch, channels, kh, kw, sh, sw, dh, dw, padding, format, groups, bias,
                    height, width);
            if (c.macs() <= MAX_MACS) {
                return c;
            }
        }
    }

    /** An input size whose output is {@code out} (with 0 to stride-1 extra pixels that the stride skips). */
    private static int inputSize(SplittableRandom r, Padding padding, int out, int k, int s, int d) {
        int extra = r.nextInt(s);
        return padding == Padding.VALID ? (out - 1) * s + (k - 1) * d + 1 + extra : (out - 1) * s + 1 + extra;
    }

    /**
     * The crash of a real model's second layer on AVX-512 (3x3 valid, 32 -> 48 filters): 33-48 filters run as 3
     * filter vectors in 8-pixel blocks, which read past a padded buffer sized for 12-pixel blocks whenever the
     * output width rounded up to 8 exceeds it rounded up to 12 (widths 9-12). At 256 bits the same holds for
     * 17-24 filters. Fresh runners, as in a new executor thread, against TensorFlow.
     */
    @org.junit.jupiter.api.Test
    void threeFilterVectorBlocksStayInsideThePaddedImage() {
        if (!KernelProvider.vectorModulePresent()) {
            return;                                     // the scalar-fallback JVM has no vector kernel to check
        }
        for (int bits : new int[] {512, 256}) {
            ConvKernel kernel = KernelProvider.vector(bits);
            int lanes = bits / 32;
            for (int filters : new int[] {2 * lanes + 8, 3 * lanes}) {
                for (int width = 9; width <= 14; width++) {
                    for (Padding padding : Padding.values()) {
                        KernelParity.assertMatchesTensorFlow(new KernelParity.Case("issue 12 crash F=" + filters
                                + " W=" + width + " " + padding, 1, 13, width, 32, filters, 3, 3, 1, 1, 1, 1, padding,
                                true), kernel);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "[{0}] every filter count x output width 1..80, 1-3 threads")
    @MethodSource("kernels")
    void everyBlockEdgeMatchesTheReference(ConvKernel kernel) {
        List<String> failures = new ArrayList<>();
        Map<ConvPath, TreeSet<String>> plans = new EnumMap<>(ConvPath.class);
        int index = 0;
        for (Case c : cases()) {
            SplittableRandom random = new SplittableRandom(31L * c.filters() + c.outWidth());
            Conv2D layer = c.layer();
            float[] kernelValues = KernelParity.randoms(random, c.kh() * c.kw() * (c.channels() / c.groups()) * c.filters());
            float[] bias = c.bias() ? KernelParity.randoms(random, c.filters()) : null;
            layer.setWeights(kernelValues, bias);
            float[] x = KernelParity.randoms(random, c.batch() * c.height() * c.width() * c.channels());
            ConvGeometry g = layer.geometry(layer.spec().dataFormat() == DataFormat.CHANNELS_FIRST
                    ? new int[] {c.batch(), c.channels(), c.height(), c.width()}
                    : new int[] {c.batch(), c.height(), c.width(), c.channels()});
            assertEquals(c.outWidth(), g.outWidth(), c + ": the drawn input must give the wanted output width");
            double[][] expected = Reference.convolve(g, c.batch(), x, kernelValues, bias);
            for (int threads = 1; threads <= 3; threads++) {
                float[] y = new float[c.batch() * g.outputImageSize()];
                java.util.Arrays.fill(y, Float.NaN);
                try (Conv2D.Runner runner = layer.newRunner(c.height(), c.width(), c.channels(), c.batch(), kernel,
                        threads)) {
                    runner.run(x, 0, c.batch(), y, 0);
                    plans.computeIfAbsent(runner.plan().path(), p -> new TreeSet<>()).add(runner.plan().name());
                } catch (RuntimeException e) {
                    failures.add(c + " threads=" + threads + ": " + e);
                    continue;
                }
                String wrong = Reference.firstMismatch(expected, y);
                if (wrong != null) {
                    failures.add(c + " threads=" + threads + ": " + wrong);
                }
            }
            if (index++ % 64 == 0 && c.format() == DataFormat.CHANNELS_LAST) {
                KernelParity.assertMatchesTensorFlow(c.parityCase(), kernel);
            }
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " of " + cases().size() + " cases x 3 thread counts"
                + " fail on " + kernel.name() + ", e.g.\n" + String.join("\n", failures.subList(0,
                Math.min(20, failures.size()))));
        // Every path this kernel has is reached by the sweep (so no loop of it goes untested).
        List<ConvPath> paths = kernel.vectorLanes() == 0 ? List.of(ConvPath.SCALAR_IM2COL)
                : List.of(ConvPath.POINTWISE, ConvPath.PACKED_FILTERS, ConvPath.REGISTER_BLOCKED);
        assertEquals(paths, new ArrayList<>(plans.keySet()), kernel.name() + " paths reached: " + plans);
        if (kernel.vectorLanes() > 0) {
            // Every register-block shape (1 to 4 filter vectors; to 3 with 16 registers) is reached.
            List<String> shapes = kernel.name().endsWith("-r16") ? List.of("1x12", "2x6", "3x4")
                    : List.of("1x12", "2x12", "3x8", "4x6");
            for (String shape : shapes) {
                assertTrue(plans.get(ConvPath.REGISTER_BLOCKED).stream().anyMatch(n -> n.contains(shape)),
                        kernel.name() + " never ran register block " + shape + ": " + plans);
            }
        }
    }

    /** Direct float64 convolution in the layer's data format, and KernelParity's float32 error bound. */
    static final class Reference {

        /** {@code [0]}: the exact sums; {@code [1]}: per output value the bound {@code 2 n eps sum|x w| + |b|}. */
        static double[][] convolve(ConvGeometry g, int batch, float[] x, float[] w, float[] bias) {
            int outSize = batch * g.outputImageSize();
            double[] sums = new double[outSize];
            double[] bounds = new double[outSize];
            int cg = g.inChannelsPerGroup(), fg = g.filtersPerGroup(), f = g.filters();
            boolean first = g.dataFormat() == DataFormat.CHANNELS_FIRST;
            int n = g.kernelHeight() * g.kernelWidth() * cg + 1;
            double eps = Math.ulp(1.0f) / 2;
            for (int b = 0; b < batch; b++) {
                for (int oh = 0; oh < g.outHeight(); oh++) {
                    for (int ow = 0; ow < g.outWidth(); ow++) {
                        for (int o = 0; o < f; o++) {
                            double sum = 0;
                            double magnitude = 0;
                            int c0 = o / fg * cg;
                            for (int i = 0; i < g.kernelHeight(); i++) {
                                int ih = oh * g.strideHeight() + i * g.dilationHeight() - g.padTop();
                                if (ih < 0 || ih >= g.inHeight()) {
                                    continue;
                                }
                                for (int j = 0; j < g.kernelWidth(); j++) {
                                    int iw = ow * g.strideWidth() + j * g.dilationWidth() - g.padLeft();
                                    if (iw < 0 || iw >= g.inWidth()) {
                                        continue;
                                    }
                                    for (int c = 0; c < cg; c++) {
                                        int ch = c0 + c;
                                        float xv = first ? x[((b * g.inChannels() + ch) * g.inHeight() + ih) * g.inWidth() + iw]
                                                : x[((b * g.inHeight() + ih) * g.inWidth() + iw) * g.inChannels() + ch];
                                        double p = (double) xv * w[((i * g.kernelWidth() + j) * cg + c) * f + o];
                                        sum += p;
                                        magnitude += Math.abs(p);
                                    }
                                }
                            }
                            if (bias != null) {
                                sum += bias[o];
                                magnitude += Math.abs(bias[o]);
                            }
                            int at = first ? ((b * f + o) * g.outHeight() + oh) * g.outWidth() + ow
                                    : ((b * g.outHeight() + oh) * g.outWidth() + ow) * f + o;
                            sums[at] = sum;
                            bounds[at] = 2 * n * eps * magnitude + Float.MIN_NORMAL;
                        }
                    }
                }
            }
            return new double[][] {sums, bounds};
        }

        /** The first output outside its bound, described, or null. */
        static String firstMismatch(double[][] expected, float[] actual) {
            for (int i = 0; i < actual.length; i++) {
                if (!(Math.abs(actual[i] - expected[0][i]) <= expected[1][i])) {
                    return "output " + i + " is " + actual[i] + ", expected " + expected[0][i] + " +- "
                            + expected[1][i];
                }
            }
            return null;
        }
    }
}
