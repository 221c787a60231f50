package io.sparkconv.bench;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.kernel.ConvKernel;
import io.sparkconv.core.kernel.KernelProvider;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One shape's buffers and every implementation compared on it, with the same random input and kernel
 * (uniform in [-1, 1), never zero). Output buffers are allocated once and reused. Before timing, each of
 * our implementations is checked against TensorFlow's output, so a fast but wrong path cannot be timed.
 */
final class Workload implements AutoCloseable {

    /**
     * Implementations in the order the benchmark rotates through them; naive is single-threaded only. A
     * multi-thread trial also runs "vector1", the single-threaded vector kernel, so that the speed-up from
     * threads is a ratio measured in one JVM, like the ratio to TensorFlow.
     */
    static List<String> implementations(int threads) {
        return threads == 1 ? List.of("vector", "scalar", "naive", "tensorflow")
                : List.of("vector", "vector1", "scalar", "tensorflow");
    }

    final Shape shape;
    final int threads;
    private final float[] input;
    private final float[] kernel;
    private final float[] zeroBias;
    private final float[] output;
    /** Our kernels through the public runner: one plan per runner, threads as {@code newRunner} splits them. */
    private final Conv2D.Runner vector;
    private final Conv2D.Runner singleThreadVector;
    private final Conv2D.Runner scalar;
    private final TensorFlowConv tensorFlow;

    Workload(Shape shape, int threads) {
        this.shape = shape;
        this.threads = threads;
        SplittableRandom random = new SplittableRandom(42 + shape.ordinal());
        input = randoms(random, shape.inputSize());
        kernel = randoms(random, shape.kernelSize());
        zeroBias = new float[shape.filters];
        output = new float[shape.outputSize()];
        Conv2D layer = layer(shape, kernel);
        ConvKernel vectorKernel = KernelProvider.vector().orElseThrow(() -> new IllegalStateException(
                "the vector kernel is not available: run with " + KernelProvider.VECTOR_FLAG));
        vector = layer.newRunner(shape.height, shape.width, shape.channels, shape.batch, vectorKernel, threads);
        singleThreadVector = threads == 1 ? vector
                : layer.newRunner(shape.height, shape.width, shape.channels, shape.batch, vectorKernel, 1);
        scalar = layer.newRunner(shape.height, shape.width, shape.channels, shape.batch, KernelProvider.scalar(),
                threads);
        tensorFlow = new TensorFlowConv(shape, input, kernel, threads);
    }

    /** Bias off and no activation, as in TensorFlow's bare Conv2D op: both sides compute exactly the convolution. */
    private static Conv2D layer(Shape shape, float[] kernel) {
        Conv2D layer = Conv2D.builder(shape.filters, shape.kernelHeight, shape.kernelWidth)
                .strides(shape.strideHeight, shape.strideWidth).dilationRate(shape.dilationHeight, shape.dilationWidth)
                .padding(shape.same ? "same" : "valid").useBias(false).build();
        layer.setWeights(kernel, null);
        return layer;
    }

    /** The plan the vector kernel runs for a shape on this JVM's CPU, e.g. "vector-512 register-blocked 4x6". */
    static String vectorPlanName(Shape shape) {
        Conv2D layer = layer(shape, new float[shape.kernelSize()]);
        try (Conv2D.Runner runner = layer.newRunner(shape.height, shape.width, shape.channels, 1,
                KernelProvider.vector().orElseThrow())) {
            return runner.plan().name();
        }
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

    void run(String implementation) {
        switch (implementation) {
            case "vector" -> vector.run(input, 0, shape.batch, output, 0);
            case "vector1" -> singleThreadVector.run(input, 0, shape.batch, output, 0);
            case "scalar" -> scalar.run(input, 0, shape.batch, output, 0);
            case "naive" -> NaiveConv.run(shape, input, kernel, zeroBias, output);
            case "tensorflow" -> tensorFlow.run();
            default -> throw new IllegalArgumentException("unknown implementation " + implementation);
        }
    }

    /**
     * Runs each of our implementations once and compares with TensorFlow: the largest absolute difference
     * must stay within a float32 tolerance scaled by the sum length (KH*KW*C products of values in [-1, 1)).
     */
    void checkAgainstTensorFlow() {
        float[] expected = new float[output.length];
        tensorFlow.runInto(expected);
        int taps = shape.kernelHeight * shape.kernelWidth * shape.channels;
        double tolerance = 1e-5 * taps + 1e-5;
        for (String implementation : implementations(threads)) {
            if (implementation.equals("tensorflow")) {
                continue;
            }
            java.util.Arrays.fill(output, Float.NaN);
            run(implementation);
            double worst = 0;
            for (int i = 0; i < expected.length; i++) {
                double d = Math.abs(output[i] - expected[i]);
                if (!(d <= worst)) {
                    worst = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                }
            }
            if (worst > tolerance) {
                throw new IllegalStateException(String.format(Locale.ROOT,
                        "%s on shape %s at %d threads differs from TensorFlow by %.3g (tolerance %.3g)",
                        implementation, shape.name(), threads, worst, tolerance));
            }
        }
    }

    @Override
    public void close() {
        tensorFlow.close();
        vector.close();
        singleThreadVector.close();
        scalar.close();
    }
}
