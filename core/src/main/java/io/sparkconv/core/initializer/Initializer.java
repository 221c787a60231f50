package io.sparkconv.core.initializer;

import java.util.Map;
import java.util.SplittableRandom;

/** A Keras weight initializer: draws values of one distribution for a weight of a given shape. */
public interface Initializer {

    /** The Keras class name it serializes as in TF 1.15, e.g. {@code "GlorotUniform"}. */
    String className();

    /** Its TF 1.15 Keras config, in Keras' key order (values: Number, String, Boolean or null). */
    Map<String, Object> config();

    /**
     * Fills {@code target} (the weight in C order, of shape {@code shape}) with fresh values.
     * The same random source state gives the same values on every machine and JDK.
     *
     * @throws IllegalArgumentException when this initializer cannot fill a weight of that shape
     */
    void fill(float[] target, int[] shape, SplittableRandom random);

    /** The {@code seed} of its config, or null when it has none (then the layer's seed decides). */
    default Long seed() {
        return null;
    }
}
