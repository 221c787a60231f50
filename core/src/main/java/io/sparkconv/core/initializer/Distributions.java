package io.sparkconv.core.initializer;

import java.util.SplittableRandom;

/** Fills float32 arrays from the distributions Keras initializers draw from. */
final class Distributions {
    private Distributions() {
    }

    /** U[min, max): a draw that rounds up to {@code max} in float32 is re-drawn, keeping the interval half-open. */
    static void uniform(float[] target, double min, double max, SplittableRandom random) {
        float upper = (float) max;
        for (int i = 0; i < target.length; i++) {
            float v;
            do {
                v = (float) (min + (max - min) * random.nextDouble());
            } while (v >= upper && max > min);
            target[i] = v;
        }
    }

    static void normal(float[] target, double mean, double stddev, SplittableRandom random) {
        NormalSampler sampler = new NormalSampler(random);
        for (int i = 0; i < target.length; i++) {
            target[i] = (float) (mean + stddev * sampler.next());
        }
    }

    /** N(mean, stddev) with draws beyond two standard deviations re-drawn. */
    static void truncatedNormal(float[] target, double mean, double stddev, SplittableRandom random) {
        NormalSampler sampler = new NormalSampler(random);
        for (int i = 0; i < target.length; i++) {
            target[i] = (float) (mean + stddev * sampler.nextTruncated());
        }
    }
}
