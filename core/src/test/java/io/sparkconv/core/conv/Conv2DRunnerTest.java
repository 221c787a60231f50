package io.sparkconv.core.conv;

import io.sparkconv.core.spec.Padding;

import io.sparkconv.core.config.KerasSemantics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.activation.Activations;
import io.sparkconv.core.kernel.ConvKernel;
import io.sparkconv.core.kernel.KernelProvider;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.core.tensor.FloatTensor;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The layer's weights, forward pass and runner plumbing, on every available kernel. Parity with TF is elsewhere. */
@Tag("kernel")
class Conv2DRunnerTest {

    static List<ConvKernel> kernels() {
        return KernelProvider.everyWidth();
    }

    /**
     * The kernels this CPU runs natively: every width on AVX-512, up to 256 bits on AVX2. A wider species is
     * emulated by the Vector API in plain Java, which allocates per operation by design (its results are still
     * checked at every width by the parity and sweep tests).
     */
    static List<ConvKernel> nativeKernels() {
        return KernelProvider.everyWidth().stream()
                .filter(k -> k.vectorLanes() == 0 || k.vectorLanes() * Float.SIZE <= KernelProvider.nativeBits()).toList();
    }

    private static float[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static Conv2D layer(DataFormat format, int channels, long seed) {
        TestLayers.Args a = TestLayers.args();
        a.filters = 6;
        a.kernelHeight = 3;
        a.kernelWidth = 2;
        a.padding = Padding.SAME;
        a.dataFormat = format;
        a.useBias = true;
        Conv2D layer = a.layer();
        layer.setWeights(random(seed, 3 * 2 * channels * 6), random(seed + 1, 6));
        return layer;
    }

    @ParameterizedTest(name = "[{0}] runner with offsets equals forward, both formats")
    @MethodSource("kernels")
    void runnerWithOffsetsEqualsForward(ConvKernel kernel) {
        for (DataFormat format : DataFormat.values()) {
            Conv2D layer = layer(format, 3, 7);
            int[] shape = format == DataFormat.CHANNELS_LAST ? new int[] {3, 9, 7, 3} : new int[] {3, 3, 9, 7};
            float[] x = random(11, 3 * 9 * 7 * 3);
            float[] expected = layer.forward(new FloatTensor(x, shape), kernel).data();

            Conv2D.Runner runner = layer.newRunner(9, 7, 3, 4, kernel);
            assertEquals(9 * 7 * 3, runner.inputImageSize());
            assertEquals(9 * 7 * 6, runner.outputImageSize());
            assertArrayEquals(format == DataFormat.CHANNELS_LAST ? new int[] {9, 7, 6} : new int[] {6, 9, 7},
                    runner.outputShape());
            float[] in = new float[x.length + 10];
            System.arraycopy(x, 0, in, 10, x.length);
            float[] out = new float[expected.length + 4];
            Arrays.fill(out, Float.NaN);
            for (int repeat = 0; repeat < 3; repeat++) {  // buffers are reused; results must not change
                runner.run(in, 10, 3, out, 4);
                assertArrayEquals(expected, Arrays.copyOfRange(out, 4, out.length), format + " run " + repeat);
            }
            for (int i = 0; i < 4; i++) {
                assertTrue(Float.isNaN(out[i]), "nothing written before the offset");
            }
            float[] one = new float[runner.outputImageSize()];      // a smaller batch through the same runner
            runner.run(in, 10 + runner.inputImageSize(), 1, one, 0);
            assertArrayEquals(Arrays.copyOfRange(expected, one.length, 2 * one.length), one);
        }
    }

    @ParameterizedTest(name = "[{0}] a runner with 3 threads equals one thread, both formats")
    @MethodSource("kernels")
    void threadedRunnerEqualsSingleThreaded(ConvKernel kernel) {
        for (DataFormat format : DataFormat.values()) {
            TestLayers.Args a = TestLayers.args();
            a.filters = 5;
            a.padding = Padding.SAME;
            a.dataFormat = format;
            a.activation = Activations.get("softmax", KerasSemantics.TF_1_15);
            Conv2D layer = a.layer();
            layer.setWeights(random(31, 3 * 3 * 2 * 5), null);
            float[] x = random(32, 7 * 6 * 8 * 2);
            Conv2D.Runner single = layer.newRunner(6, 8, 2, 7, kernel);
            float[] expected = new float[7 * single.outputImageSize()];
            single.run(x, 0, 7, expected, 0);
            try (Conv2D.Runner threaded = layer.newRunner(6, 8, 2, 7, kernel, 3)) {
                assertEquals(3, threaded.threads());
                for (int batch : new int[] {7, 2, 1}) {    // 3 parts, then fewer images than threads
                    float[] out = new float[batch * threaded.outputImageSize()];
                    threaded.run(x, 0, batch, out, 0);
                    assertArrayEquals(Arrays.copyOf(expected, out.length), out, format + " batch " + batch);
                }
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> layer(DataFormat.CHANNELS_LAST, 1, 1).newRunner(4, 4, 1, 1, kernel, 0));
        assertTrue(e.getMessage().contains("threads=0"), e.getMessage());
    }

    @ParameterizedTest(name = "[{0}] runner follows setWeights")
    @MethodSource("kernels")
    void runnerFollowsNewWeights(ConvKernel kernel) {
        Conv2D layer = layer(DataFormat.CHANNELS_LAST, 2, 3);
        Conv2D.Runner runner = layer.newRunner(5, 5, 2, 1, kernel);
        float[] x = random(5, 50);
        float[] before = new float[runner.outputImageSize()];
        runner.run(x, 0, 1, before, 0);
        layer.setWeights(random(99, 3 * 2 * 2 * 6), random(98, 6));
        float[] after = new float[runner.outputImageSize()];
        runner.run(x, 0, 1, after, 0);
        assertArrayEquals(layer.forward(new FloatTensor(x, 1, 5, 5, 2), kernel).data(), after);
        assertFalse(Arrays.equals(before, after), "new weights give new outputs");

        layer.setWeights(random(1, 3 * 2 * 3 * 6), random(2, 6));  // now 3 input channels
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> runner.run(x, 0, 1, after, 0));
        assertTrue(e.getMessage().contains("expect 3 input channels"), e.getMessage());
    }

    @ParameterizedTest(name = "[{0}] softmax over W for channels_first")
    @MethodSource("kernels")
    void channelsFirstSoftmaxNormalizesTheWidthAxis(ConvKernel kernel) {
        TestLayers.Args a = TestLayers.args();
        a.filters = 4;
        a.dataFormat = DataFormat.CHANNELS_FIRST;
        a.activation = Activations.get("softmax", KerasSemantics.TF_1_15);
        Conv2D layer = a.layer();
        layer.setWeights(random(3, 3 * 3 * 2 * 4), null);
        float[] y = layer.forward(new FloatTensor(random(4, 2 * 2 * 6 * 8), 2, 2, 6, 8), kernel).data();
        int width = 6;                                  // (2, 4, 4, 6): rows of the last axis W
        for (int row = 0; row < y.length; row += width) {
            double sum = 0;
            for (int i = row; i < row + width; i++) {
                sum += y[i];
            }
            assertEquals(1.0, sum, 1e-5, "row " + row / width);
        }
    }

    /**
     * Each kernel in a JVM of its own, as in production (one width per JVM): in one JVM the Vector API's shared
     * code is compiled for the first width that ran, and later widths box vectors (a test artefact only).
     */
    @ParameterizedTest(name = "[{0}] a runner allocates nothing per call once compiled")
    @MethodSource("nativeKernels")
    void aRunnerAllocatesNothingPerCallOnceCompiled(ConvKernel kernel) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        if (KernelProvider.vectorModulePresent()) {
            command.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        }
        command.addAll(List.of("-D" + KernelProvider.PROPERTY + "=" + kernel.name(),
                "-cp", System.getProperty("java.class.path"), AllocationProbe.class.getName()));
        Process probe = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(probe.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, probe.waitFor(), kernel.name() + ": " + output);
        assertTrue(output.contains("kernel " + kernel.name() + ":"), output);
    }

    /** Runs a grouped and an ungrouped layer on the JVM's kernel, in both data formats; exits 1 if a runner allocates. */
    static final class AllocationProbe {
        public static void main(String[] args) {
            boolean ok = true;
            for (int groups : new int[] {1, 2}) {
                for (DataFormat format : DataFormat.values()) {
                    long allocated = allocatedBy50Runs(groups, format);
                    System.out.println("kernel " + KernelProvider.get().name() + ": groups=" + groups + " " + format
                            + ": 50 runs allocated " + allocated + " bytes");
                    // 50 calls that allocated a buffer or boxed a vector per FMA would take far more than 1 KB
                    ok &= allocated < 1024;
                }
            }
            System.exit(ok ? 0 : 1);
        }

        private static long allocatedBy50Runs(int groups, DataFormat format) {
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long thread = Thread.currentThread().getId();
            // 20 filters: full and partial vector blocks at every width; 12 columns: a ragged row end
            TestLayers.Args a = TestLayers.args();
            a.filters = 20;
            a.groups = groups;
            a.padding = Padding.SAME;
            a.dataFormat = format;
            a.useBias = true;
            Conv2D layer = a.layer();
            layer.setWeights(random(5, 3 * 3 * 2 * 20), random(6, 20));
            Conv2D.Runner runner = layer.newRunner(12, 12, 2 * groups, 2);
            float[] in = random(1, 2 * runner.inputImageSize());
            float[] out = new float[2 * runner.outputImageSize()];
            // The Vector API only stops boxing once C2 has compiled the loops, so allow warm-up rounds (a few
            // seconds at most); a kernel that allocates in its loops never gets below the bound.
            long allocated = Long.MAX_VALUE;
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (allocated >= 1024 && System.nanoTime() < deadline) {
                long before = threads.getThreadAllocatedBytes(thread);
                for (int i = 0; i < 50; i++) {
                    runner.run(in, 0, 2, out, 0);
                }
                allocated = threads.getThreadAllocatedBytes(thread) - before;
            }
            return allocated;
        }
    }

    @Test
    void threadsShareOneLayerWithTheirOwnRunners() throws Exception {
        Conv2D layer = layer(DataFormat.CHANNELS_LAST, 4, 21);
        float[] x = random(22, 2 * 10 * 10 * 4);
        float[] expected = layer.forward(new FloatTensor(x, 2, 10, 10, 4)).data();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<float[]>> results = pool.invokeAll(List.of(() -> runOnce(layer, x), () -> runOnce(layer, x),
                    () -> runOnce(layer, x), () -> runOnce(layer, x)));
            for (Future<float[]> f : results) {
                assertArrayEquals(expected, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static float[] runOnce(Conv2D layer, float[] x) {
        Conv2D.Runner runner = layer.newRunner(10, 10, 4, 2);
        float[] out = new float[2 * runner.outputImageSize()];
        runner.run(x, 0, 2, out, 0);
        return out;
    }

    @Test
    void runArgumentsAreChecked() {
        Conv2D layer = layer(DataFormat.CHANNELS_LAST, 2, 1);
        Conv2D.Runner runner = layer.newRunner(4, 4, 2, 2);
        float[] in = new float[2 * 32];
        float[] out = new float[2 * runner.outputImageSize()];
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> runner.run(in, 0, 3, out, 0));
        assertTrue(big.getMessage().contains("batch=3"), big.getMessage());
        assertThrows(IllegalArgumentException.class, () -> runner.run(in, 0, -1, out, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> runner.run(in, 1, 2, out, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> runner.run(in, 0, 2, out, 1));
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> layer.newRunner(4, 4, 2, 0));
        assertTrue(zero.getMessage().contains("maxBatch=0"), zero.getMessage());
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                () -> layer.newRunner(4, 4, 3, 1));
        assertTrue(channels.getMessage().contains("to have value 2"), channels.getMessage());
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class,
                () -> layer.forward(new FloatTensor(new float[32], 4, 4, 2)));
        assertTrue(rank.getMessage().contains("expected ndim=4, found ndim=3"), rank.getMessage());
    }

    @Test
    void anEmptyBatchGivesAnEmptyOutput() {
        Conv2D layer = layer(DataFormat.CHANNELS_FIRST, 2, 1);
        FloatTensor y = layer.forward(FloatTensor.zeros(0, 2, 5, 4));
        assertArrayEquals(new int[] {0, 6, 5, 4}, y.shape());
    }

    @Test
    void weightsAreCheckedAndCopied() {
        TestLayers.Args a = TestLayers.args();
        a.filters = 4;
        a.kernelHeight = 3;
        a.kernelWidth = 2;
        a.useBias = true;
        Conv2D layer = a.layer();
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> layer.newRunner(5, 5, 1, 1));
        assertTrue(none.getMessage().contains("has no weights"), none.getMessage());
        assertThrows(IllegalStateException.class, layer::kernel);
        assertEquals(-1, layer.inputChannels());

        IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                () -> layer.setWeights(new float[25], new float[4]));
        assertTrue(length.getMessage().contains("kernel has 25 values, expected shape (3, 2, Cin/groups, 4)"),
                length.getMessage());
        IllegalArgumentException missingBias = assertThrows(IllegalArgumentException.class,
                () -> layer.setWeights(new float[24], null));
        assertTrue(missingBias.getMessage().contains("use_bias=True"), missingBias.getMessage());
        IllegalArgumentException biasLength = assertThrows(IllegalArgumentException.class,
                () -> layer.setWeights(new float[24], new float[5]));
        assertTrue(biasLength.getMessage().contains("bias has 5 values, expected shape (4,)"), biasLength.getMessage());
        IllegalArgumentException tensorShape = assertThrows(IllegalArgumentException.class,
                () -> layer.setWeights(FloatTensor.zeros(2, 3, 1, 4), FloatTensor.zeros(4)));
        assertTrue(tensorShape.getMessage().contains("kernel has shape (2, 3, 1, 4), expected (3, 2, Cin/groups, 4)"),
                tensorShape.getMessage());

        float[] kernel = random(1, 3 * 2 * 2 * 4);
        float[] bias = random(2, 4);
        layer.setWeights(kernel, bias);
        kernel[0] = 42f;
        assertNotSame(layer.kernel(), layer.kernel());
        assertTrue(layer.kernel()[0] != 42f, "the layer keeps its own copy");
        assertArrayEquals(new int[] {3, 2, 2, 4}, layer.kernelShape());
        assertEquals(2, layer.inputChannels());
        assertArrayEquals(bias, layer.bias());

        TestLayers.Args noBias = TestLayers.args();
        Conv2D plain = noBias.layer();
        IllegalArgumentException extra = assertThrows(IllegalArgumentException.class,
                () -> plain.setWeights(new float[9], new float[1]));
        assertTrue(extra.getMessage().contains("use_bias=False"), extra.getMessage());
        plain.setWeights(new float[9], null);
        assertNull(plain.bias());
    }
}
