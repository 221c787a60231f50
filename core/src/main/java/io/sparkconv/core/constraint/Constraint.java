package io.sparkconv.core.constraint;

import java.util.Map;

/** A Keras weight constraint: a projection applied to a weight after an update, never in the forward pass. */
public interface Constraint {

    /** The Keras class name it serializes as, e.g. {@code "MaxNorm"}. */
    String className();

    /** Its Keras config, in Keras' key order. */
    Map<String, Object> config();

    /** Projects {@code weight} (C order, of shape {@code shape}) in place. */
    void apply(float[] weight, int[] shape);
}
