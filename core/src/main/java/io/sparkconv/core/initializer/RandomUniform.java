package io.sparkconv.core.initializer;

import java.util.SplittableRandom;

/** Keras {@code RandomUniform}: U[minval, maxval), Keras defaults -0.05 and 0.05. */
public final class RandomUniform extends TwoParameterInitializer {

    public RandomUniform(Number minval, Number maxval, Long seed) {
        super("RandomUniform", "minval", Checks.finite("RandomUniform", "minval", minval),
                "maxval", Checks.finite("RandomUniform", "maxval", maxval), seed);
        if (maxval.doubleValue() < minval.doubleValue()) {
            throw new IllegalArgumentException("RandomUniform minval=" + minval + ", maxval=" + maxval
                    + " is not supported: expected minval <= maxval");
        }
    }

    public static RandomUniform defaults() {
        return new RandomUniform(-0.05, 0.05, null);
    }

    @Override
    public void fill(float[] target, int[] shape, SplittableRandom random) {
        Distributions.uniform(target, first(), second(), random);
    }
}
