package io.sparkconv.core.initializer;

import java.util.Map;
import java.util.SplittableRandom;

/** A Keras weight initializer: draws values of one distribution for a weight of a given shape. */
public interface Initializer {

    /** The Keras class name it serializes as, e.g. {@code "GlorotUniform"}. */
    String className();

    /** Its Keras config, in Keras' key order. */
    Map<String, Object> config();

    /**
     * Fills {@code target} (the weight in C order, of shape {@code shape}) with fresh values.
     * The same random source state gives the same values on every machine and JDK.
     */
    void fill(float[] target, int[] shape, SplittableRandom random);
}
