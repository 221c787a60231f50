package io.sparkconv.core.conv;

import io.sparkconv.core.keras.KerasLayerConfig;

/**
 * Keras {@code Conv2D} in Java: the public face of the core module.
 *
 * <p>SKELETON (to be completed): forward pass, weights, runner (kernel owner); builder, config, losses,
 * constraints and initialization (spec owner) delegate to their packages.
 */
public final class Conv2D {

    private final Conv2DSpec spec;

    public Conv2D(Conv2DSpec spec) {
        this.spec = spec;
    }

    /** Starts a Keras-like builder, e.g. {@code Conv2D.builder(32, 3).strides(2).padding("same").build()}. */
    public static Conv2DBuilder builder(int filters, int... kernelSize) {
        return new Conv2DBuilder(filters, kernelSize);
    }

    /** A layer from a Keras layer config JSON ({@code {"class_name": "Conv2D", "config": {...}}}). */
    public static Conv2D fromConfig(String json) {
        return new Conv2D(KerasLayerConfig.parse(json));
    }

    /** The TF 1.15 form of this layer's Keras config, key order as Keras writes it. */
    public String toConfig() {
        return KerasLayerConfig.toJson(spec);
    }

    public Conv2DSpec spec() {
        return spec;
    }
}
