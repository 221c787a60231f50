package io.sparkconv.core.regularizer;

import java.util.Map;

/** A Keras weight or activity regularizer: a penalty computed from a tensor, in float32. */
public interface Regularizer {

    /** The Keras class name it serializes as, e.g. {@code "L1L2"}. */
    String className();

    /** Its Keras config, in Keras' key order. */
    Map<String, Object> config();

    /** The penalty of {@code values} (any shape, C order), as the float32 Keras computes. */
    float penalty(float[] values, int offset, int length);
}
