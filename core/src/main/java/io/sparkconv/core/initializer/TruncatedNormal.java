package io.sparkconv.core.initializer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Keras {@code TruncatedNormal}: N(mean, stddev) with draws beyond two standard deviations re-drawn. Unlike the
 * truncated VarianceScaling, the stddev is NOT corrected by 0.8796, so the result's spread is smaller than
 * {@code stddev}. Keras defaults mean 0.0 and stddev 0.05.
 */
public final class TruncatedNormal implements Initializer {
    private final Number mean;
    private final Number stddev;
    private final Long seed;

    public TruncatedNormal(Number mean, Number stddev, Long seed) {
        this.mean = Checks.finite("TruncatedNormal", "mean", mean);
        this.stddev = Checks.nonNegative("TruncatedNormal", "stddev", stddev);
        this.seed = seed;
    }

    public static TruncatedNormal defaults() {
        return new TruncatedNormal(0.0, 0.05, null);
    }

    @Override
    public String className() {
        return "TruncatedNormal";
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
        Distributions.truncatedNormal(target, mean.doubleValue(), stddev.doubleValue(), random);
    }

    /** Equal when the class name and config are, i.e. when both serialize the same. */
    @Override
    public boolean equals(Object other) {
        return other instanceof TruncatedNormal o && className().equals(o.className()) && config().equals(o.config());
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
