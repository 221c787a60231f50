package io.sparkconv.core.initializer;

import io.sparkconv.core.config.KerasObject;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Keras {@code Zeros}, {@code Ones} and {@code Constant(value)}: every element the same value (a scalar; Keras'
 * list-valued constants are not supported).
 */
public final class Constant extends KerasObject implements Initializer {
    private final String className;
    private final Number value;

    private Constant(String className, Number value) {
        this.className = className;
        this.value = Checks.finite(className, "value", value);
    }

    public static Constant zeros() {
        return new Constant("Zeros", 0);
    }

    public static Constant ones() {
        return new Constant("Ones", 1);
    }

    /** {@code Constant(value)}; Keras' default value is the int 0. */
    public static Constant of(Number value) {
        return new Constant("Constant", value);
    }

    public float value() {
        return value.floatValue();
    }

    @Override
    public String className() {
        return className;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        if (className.equals("Constant")) {
            c.put("value", value);
        }
        c.put("dtype", "float32");
        return c;
    }

    @Override
    public void fill(float[] target, int[] shape, SplittableRandom random) {
        Arrays.fill(target, value.floatValue());
    }
}
