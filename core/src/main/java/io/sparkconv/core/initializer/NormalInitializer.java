package io.sparkconv.core.initializer;

import java.util.SplittableRandom;

/** RandomNormal and TruncatedNormal: the same {@code mean}/{@code stddev} arguments, different samplers. */
abstract class NormalInitializer extends TwoParameterInitializer {
    private final boolean truncated;

    NormalInitializer(String className, Number mean, Number stddev, Long seed, boolean truncated) {
        super(className, "mean", Checks.finite(className, "mean", mean),
                "stddev", Checks.nonNegative(className, "stddev", stddev), seed);
        this.truncated = truncated;
    }

    @Override
    public final void fill(float[] target, int[] shape, SplittableRandom random) {
        if (truncated) {
            Distributions.truncatedNormal(target, first(), second(), random);
        } else {
            Distributions.normal(target, first(), second(), random);
        }
    }
}
