package io.sparkconv.core.constraint;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keras {@code NonNeg}. TF 1.15 and Keras 2 compute {@code w * cast(w >= 0, float32)}, which turns a negative
 * weight into -0.0 (and keeps NaN); Keras 3 computes {@code maximum(w, 0)}, which gives +0.0.
 */
public final class NonNeg implements Constraint {
    private final boolean keras3;

    public NonNeg(boolean keras3) {
        this.keras3 = keras3;
    }

    @Override
    public String className() {
        return "NonNeg";
    }

    @Override
    public Map<String, Object> config() {
        return new LinkedHashMap<>();
    }

    @Override
    public void apply(float[] weight, int[] shape) {
        for (int i = 0; i < weight.length; i++) {
            float w = weight[i];
            weight[i] = keras3 ? (w != w ? w : Math.max(w, 0f)) : w * (w >= 0f ? 1f : 0f);
        }
    }

    @Override
    public String toString() {
        return keras3 ? "NonNeg(maximum)" : "NonNeg(multiply)";
    }

    /** Equal when both use the same formula (TF 1.15/Keras 2 multiply, or Keras 3 maximum). */
    @Override
    public boolean equals(Object other) {
        return other instanceof NonNeg o && o.keras3 == keras3;
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(keras3);
    }
}
