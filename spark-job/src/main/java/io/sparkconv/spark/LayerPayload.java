package io.sparkconv.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkconv.core.conv.Conv2D;
import java.io.Serializable;
import java.util.Objects;

/**
 * What a job broadcasts once: the layer's fully resolved Keras config JSON and its weights as plain float
 * arrays. Executors rebuild the layer from it (once per JVM, see {@link ExecutorLayerCache}). The config is
 * resolved on the driver ({@link #of}: every default written out, {@code data_format} taken from the driver's
 * keras.json), so an executor never consults its own {@code ~/.keras} or {@code KERAS_HOME}: a config without
 * an explicit {@code data_format} is refused here. A plain class, not a record, so that Kryo can handle it;
 * {@link SparkConvKryoRegistrator} gives it a compact serializer.
 */
public final class LayerPayload implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String layerConfigJson;
    private final int inputChannels;
    private final float[] kernel;
    private final float[] bias;

    /**
     * @param layerConfigJson a resolved config ({@link Conv2D#toConfig()}), with an explicit data_format
     * @param kernel (kh, kw, Cin/groups, F) in C order
     * @param bias   (F), or null when the layer has no bias
     */
    public LayerPayload(String layerConfigJson, int inputChannels, float[] kernel, float[] bias) {
        this.layerConfigJson = requireResolved(Objects.requireNonNull(layerConfigJson, "layerConfigJson"));
        this.inputChannels = inputChannels;
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.bias = bias;
    }

    /**
     * The payload of a layer built on the driver: its config as {@link Conv2D#toConfig()} writes it (every
     * field explicit) with the given weights.
     */
    public static LayerPayload of(Conv2D layer, int inputChannels, float[] kernel, float[] bias) {
        return new LayerPayload(layer.toConfig(), inputChannels, kernel, bias);
    }

    /** Executors must not resolve anything from their own files: data_format has to be in the config. */
    private static String requireResolved(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the layer config to broadcast is not JSON: " + e.getMessage(), e);
        }
        JsonNode config = root.has("config") ? root.get("config") : root;
        JsonNode format = config.get("data_format");
        if (format == null || !format.isTextual()) {
            throw new IllegalArgumentException("the layer config to broadcast has no explicit data_format: resolve"
                    + " the layer on the driver (LayerPayload.of(Conv2D.toConfig())) so executors never read their"
                    + " own keras.json");
        }
        return json;
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
