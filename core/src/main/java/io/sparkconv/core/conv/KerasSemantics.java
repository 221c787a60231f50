package io.sparkconv.core.conv;

/**
 * Which Keras version's meaning a layer follows where versions differ (activation formulas, names,
 * serialized classes, activity-penalty normalisation). TF 1.15 tf.keras is the default.
 */
public enum KerasSemantics {
    TF_1_15,
    KERAS_2,
    KERAS_3;
}
