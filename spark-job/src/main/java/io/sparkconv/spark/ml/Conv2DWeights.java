package io.sparkconv.spark.ml;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * The value of {@link Conv2DTransformer#weights()}: a Keras Conv2D kernel in {@code (kh, kw, Cin/groups, F)} C
 * order and an optional bias of {@code F} values. Immutable: the arrays are copied in and out, so a transformer
 * and its copies can share one instance.
 */
public final class Conv2DWeights implements Serializable {
    private static final long serialVersionUID = 1L;

    private final float[] kernel;
    private final float[] bias;

    /** Weights from a kernel (required, not empty) and a bias ({@code null} when the layer has no bias). */
    public Conv2DWeights(float[] kernel, float[] bias) {
        Objects.requireNonNull(kernel, "kernel");
        if (kernel.length == 0) {
            throw new IllegalArgumentException("the kernel is empty: expected kh*kw*(Cin/groups)*filters values");
        }
        this.kernel = kernel.clone();
        this.bias = bias == null ? null : bias.clone();
    }

    /** The kernel values (a copy). */
    public float[] kernel() {
        return kernel.clone();
    }

    /** The bias values (a copy), or {@code null} when there is no bias. */
    public float[] bias() {
        return bias == null ? null : bias.clone();
    }

    public boolean hasBias() {
        return bias != null;
    }

    public int kernelSize() {
        return kernel.length;
    }

    public int biasSize() {
        return bias == null ? 0 : bias.length;
    }

    /** The kernel array itself, for this package's read-only use (broadcast, persistence). */
    float[] kernelArray() {
        return kernel;
    }

    /** The bias array itself or {@code null}, for this package's read-only use. */
    float[] biasArray() {
        return bias;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Conv2DWeights w && Arrays.equals(kernel, w.kernel) && Arrays.equals(bias, w.bias);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(kernel) + Arrays.hashCode(bias);
    }

    /** Sizes only: the values would flood {@code explainParams()} and logs. */
    @Override
    public String toString() {
        return "Conv2DWeights(kernel: " + kernel.length + " floats, bias: "
                + (bias == null ? "none" : bias.length + " floats") + ")";
    }
}
