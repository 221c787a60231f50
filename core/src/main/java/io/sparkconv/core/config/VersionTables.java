package io.sparkconv.core.config;


/** The per-Keras-version name tables of activations, initializers and regularizers, and how errors name a version. */
public final class VersionTables {

    private VersionTables() {
    }

    /** The table of {@code semantics}: Keras 3 and 3.14 share one. */
    public static <T> T pick(KerasSemantics semantics, T tf115, T keras2, T keras3) {
        if (semantics == null) {
            throw new IllegalArgumentException("semantics must not be null");
        }
        switch (semantics) {
            case TF_1_15:
                return tf115;
            case KERAS_2:
                return keras2;
            default:
                return keras3;
        }
    }

    /** The version as error messages name it, e.g. {@code "TF 1.15 tf.keras"}. */
    public static String describe(KerasSemantics semantics) {
        return pick(semantics, "TF 1.15 tf.keras", "Keras 2", "Keras 3");
    }
}
