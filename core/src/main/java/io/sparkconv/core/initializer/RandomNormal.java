package io.sparkconv.core.initializer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Keras {@code RandomNormal}: N(mean, stddev), Keras defaults mean 0.0 and stddev 0.05. */
public final class RandomNormal implements Initializer {
    private final Number mean;
    private final Number stddev;
    private final Long seed;

    public RandomNormal(Number mean, Number stddev, Long seed) {
        this.mean = Checks.finite("RandomNormal", "mean", mean);
        this.stddev = Checks.nonNegative("RandomNormal", "stddev", stddev);
        this.seed = seed;
    }

    public static RandomNormal defaults() {
        return new RandomNormal(0.0, 0.05, null);
    }

    @Override
    public String className() {
        return "RandomNormal";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("mean", mean);
        c.put("stddev", stddev);
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
        Distributions.normal(target, mean.doubleValue(), stddev.doubleValue(), random);
    }

    /** Equal when the class name and config are, i.e. when both serialize the same. */
    @Override
    public boolean equals(Object other) {
        return other instanceof RandomNormal o && className().equals(o.className()) && config().equals(o.config());
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
