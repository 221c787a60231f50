package io.sparkconv.core.kernel;

import io.sparkconv.core.spec.FilterShape;

import io.sparkconv.core.spec.ConvGeometry;

/**
 * A family of convolution code: the scalar kernel, or the vector kernel at one vector width. It packs a
 * layer's weights once and plans the layer for each input geometry ({@link ConvPlan}); the plans compute.
 * {@link KernelProvider} picks one per JVM. Kernels are stateless and thread-safe, and trust their arguments:
 * geometry, array bounds and weight shapes are checked once by the caller ({@code Conv2D} and its runner).
 */
public interface ConvKernel {

    /** A short name for logs and test names: {@code "scalar"}, or {@code "vector-256"} (its width in bits). */
    String name();

    /** Floats per vector register of this kernel: 2 to 16 for the vector kernel, 0 for the scalar one. */
    int vectorLanes();

    /**
     * Repacks a Keras kernel {@code (kh, kw, Cin/groups, F)} (C order) and an optional bias {@code (F)} for
     * this kernel. Called once per layer and kernel; the result is immutable and shared by all threads.
     */
    PackedWeights pack(FilterShape shape, float[] kernelHWIO, float[] biasOrNull);

    /**
     * Plans the layer for one geometry: chooses the path ({@link ConvPath#choose}), derives its tables and
     * buffer sizes. {@code weights} must come from this kernel's {@link #pack} for
     * {@code geometry.filterShape()}.
     */
    ConvPlan plan(ConvGeometry geometry, PackedWeights weights);
}
