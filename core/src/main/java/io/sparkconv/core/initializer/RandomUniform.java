package io.sparkconv.core.initializer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Keras {@code RandomUniform}: U[minval, maxval), Keras defaults -0.05 and 0.05. */
public final class RandomUniform implements Initializer {
    private final Number minval;
    private final Number maxval;
    private final Long seed;

    public RandomUniform(Number minval, Number maxval, Long seed) {
        this.minval = Checks.finite("RandomUniform", "minval", minval);
        this.maxval = Checks.finite("RandomUniform", "maxval", maxval);
        if (maxval.doubleValue() < minval.doubleValue()) {
            throw new IllegalArgumentException("RandomUniform minval=" + minval + ", maxval=" + maxval
                    + " is not supported: expected minval <= maxval");
        }
        this.seed = seed;
    }

    public static RandomUniform defaults() {
        return new RandomUniform(-0.05, 0.05, null);
    }

    @Override
    public String className() {
        return "RandomUniform";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("minval", minval);
        c.put("maxval", maxval);
        c.put("seed", seed);
        c.put("dtype", "float32");
        return c;
    }

    @Override
    public Long seed() {
        return seed;
    }

    @Override
    public void fill(float[] target, int[] shape, SplittableRandom random) {
        Distributions.uniform(target, minval.doubleValue(), maxval.doubleValue(), random);
    }

    /** Equal when the class name and config are, i.e. when both serialize the same. */
    @Override
    public boolean equals(Object other) {
        return other instanceof RandomUniform o && className().equals(o.className()) && config().equals(o.config());
    }

    @Override
    public int hashCode() {
        return className().hashCode() * 31 + config().hashCode();
    }

    @Override
    public String toString() {
        return className() + config();
    }
}
