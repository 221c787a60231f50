package io.sparkconv.core.initializer;

import java.util.SplittableRandom;

/**
 * Standard normal draws that are identical on every JDK: Marsaglia's polar method on
 * {@link SplittableRandom#nextDouble()} (whose algorithm is specified) with {@link StrictMath} (whose results
 * are specified bit for bit), instead of {@code nextGaussian()}, whose algorithm differs between JDK releases.
 */
final class NormalSampler {
    private final SplittableRandom random;
    private double spare;
    private boolean hasSpare;

    NormalSampler(SplittableRandom random) {
        this.random = random;
    }

    double next() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u;
        double v;
        double s;
        do {
            u = 2.0 * random.nextDouble() - 1.0;
            v = 2.0 * random.nextDouble() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        double factor = StrictMath.sqrt(-2.0 * StrictMath.log(s) / s);
        spare = v * factor;
        hasSpare = true;
        return u * factor;
    }

    /** A standard normal draw conditioned on |z| <= 2: values beyond are re-drawn, as TF's truncated normal. */
    double nextTruncated() {
        double z;
        do {
            z = next();
        } while (Math.abs(z) > 2.0);
        return z;
    }
}
