package io.sparkconv.core.initializer;

/** Keras {@code RandomNormal}: N(mean, stddev), Keras defaults mean 0.0 and stddev 0.05. */
public final class RandomNormal extends NormalInitializer {

    public RandomNormal(Number mean, Number stddev, Long seed) {
        super("RandomNormal", mean, stddev, seed, false);
    }

    public static RandomNormal defaults() {
        return new RandomNormal(0.0, 0.05, null);
    }
}
