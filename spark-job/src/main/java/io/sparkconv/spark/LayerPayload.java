package io.sparkconv.spark;

import java.io.Serializable;
import java.util.Objects;

/**
 * What a job broadcasts once: the layer's Keras config JSON and its weights as plain float arrays. Executors
 * rebuild the layer from it (once per JVM, see {@link ExecutorLayerCache}). A plain class, not a record, so
 * that Kryo can handle it; {@link SparkConvKryoRegistrator} gives it a compact serializer.
 */
public final class LayerPayload implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String layerConfigJson;
    private final int inputChannels;
    private final float[] kernel;
    private final float[] bias;

    /**
     * @param kernel (kh, kw, Cin/groups, F) in C order
     * @param bias   (F), or null when the layer has no bias
     */
    public LayerPayload(String layerConfigJson, int inputChannels, float[] kernel, float[] bias) {
        this.layerConfigJson = Objects.requireNonNull(layerConfigJson, "layerConfigJson");
        this.inputChannels = inputChannels;
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.bias = bias;
    }

    public String layerConfigJson() {
        return layerConfigJson;
    }

    public int inputChannels() {
        return inputChannels;
    }

    /** The kernel; do not modify. */
    public float[] kernel() {
        return kernel;
    }

    /** The bias or null; do not modify. */
    public float[] bias() {
        return bias;
    }
}
