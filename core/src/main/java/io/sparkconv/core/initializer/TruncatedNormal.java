package io.sparkconv.core.initializer;

/**
 * Keras {@code TruncatedNormal}: N(mean, stddev) with draws beyond two standard deviations re-drawn. Unlike the
 * truncated VarianceScaling, the stddev is NOT corrected by 0.8796, so the result's spread is smaller than
 * {@code stddev}. Keras defaults mean 0.0 and stddev 0.05.
 */
public final class TruncatedNormal extends NormalInitializer {

    public TruncatedNormal(Number mean, Number stddev, Long seed) {
        super("TruncatedNormal", mean, stddev, seed, true);
    }

    public static TruncatedNormal defaults() {
        return new TruncatedNormal(0.0, 0.05, null);
    }
}
