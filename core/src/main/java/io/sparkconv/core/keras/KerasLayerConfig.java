package io.sparkconv.core.keras;

import io.sparkconv.core.conv.Conv2DSpec;

/** SKELETON (spec owner completes): Keras Conv2D layer config JSON in and out, via Jackson. */
public final class KerasLayerConfig {
    private KerasLayerConfig() {
    }

    public static Conv2DSpec parse(String json) {
        throw new UnsupportedOperationException("skeleton: KerasLayerConfig.parse");
    }

    public static String toJson(Conv2DSpec spec) {
        throw new UnsupportedOperationException("skeleton: KerasLayerConfig.toJson");
    }
}
