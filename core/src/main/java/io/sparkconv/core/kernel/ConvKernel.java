package io.sparkconv.core.kernel;

import io.sparkconv.core.conv.ConvGeometry;

/**
 * A 2-D convolution kernel: cross-correlation plus bias over NHWC float32 images. Implementations are
 * stateless and thread-safe; {@link KernelProvider} picks one per JVM. They trust their arguments: geometry,
 * array bounds and weight shapes are checked once by the caller ({@code Conv2D} and its runner).
 *
 * <p>To add an implementation: pack the Keras kernel into the layout its loops want ({@link PackedWeights}
 * describes the blocked layout both built-in kernels share), then implement {@link #convolve}.
 */
public interface ConvKernel {

    /** A short name for logs and test names, e.g. {@code "scalar"} or {@code "vector"}. */
    String name();

    /**
     * Repacks a Keras kernel {@code (kh, kw, Cin/groups, F)} (C order) and an optional bias {@code (F)} for
     * this kernel. Called once per layer and kernel; the result is immutable and shared by all threads.
     */
    PackedWeights pack(FilterShape shape, float[] kernelHWIO, float[] biasOrNull);

    /**
     * Computes {@code batch} images: {@code out[n, oh, ow, f] = sum(in * kernel) + bias[f]} (spec §3.2), with
     * the input NHWC at {@code in[inOffset..]} and the output NHWC written to {@code out[outOffset..]}
     * (every output value is written; the output need not be cleared). No activation is applied here.
     * {@code weights} must come from this kernel's {@link #pack} for {@code geometry.filterShape()}.
     */
    void convolve(ConvGeometry geometry, PackedWeights weights, float[] in, int inOffset, int batch,
                  float[] out, int outOffset);
}
