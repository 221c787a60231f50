package io.sparkconv.core.regularizer;

import io.sparkconv.core.config.KerasObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keras' weight penalty {@code l1 * sum(|x|) + l2 * sum(x²)} (spec §6). The factors are stored as float32 like
 * {@code K.cast_to_floatx} does, and serialize widened to double, so 0.01 becomes 0.009999999776482582. A zero
 * factor contributes nothing. Keras 2's {@code 2 * l2 * l2_loss(x)} and the {@code L1}/{@code L2} classes are
 * the same numbers up to summation order, so one class serves every version (TF 1.15 serializes them all as
 * {@code L1L2}).
 */
public final class L1L2 extends KerasObject implements Regularizer {
    private final float l1;
    private final float l2;

    public L1L2(double l1, double l2) {
        this.l1 = checkFactor("l1", l1);
        this.l2 = checkFactor("l2", l2);
    }

    private static float checkFactor(String name, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("regularizer factor " + name + "=" + value
                    + " is not supported: expected a finite number");
        }
        return (float) value;
    }

    public float l1() {
        return l1;
    }

    public float l2() {
        return l2;
    }

    @Override
    public String className() {
        return "L1L2";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("l1", (double) l1);
        c.put("l2", (double) l2);
        return c;
    }

    /**
     * The penalty as float32. The sums are accumulated in double and rounded once, which is at least as accurate
     * as TF's float32 tree reduction; each factor multiplies its rounded sum in float32, as Keras does.
     */
    @Override
    public float penalty(float[] values, int offset, int length) {
        float result = 0f;
        if (l1 != 0f) {
            double sum = 0;
            for (int i = offset, end = offset + length; i < end; i++) {
                sum += Math.abs(values[i]);
            }
            result += l1 * (float) sum;
        }
        if (l2 != 0f) {
            double sum = 0;
            for (int i = offset, end = offset + length; i < end; i++) {
                double v = values[i];
                sum += v * v;
            }
            result += l2 * (float) sum;
        }
        return result;
    }
}
