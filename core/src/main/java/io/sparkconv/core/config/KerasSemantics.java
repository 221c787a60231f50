package io.sparkconv.core.config;

import java.util.Locale;

/**
 * Which Keras version's meaning a layer follows where versions differ (activation formulas, names,
 * serialized classes, activity-penalty normalisation). TF 1.15 tf.keras is the default.
 *
 * <p>Keras 3 is split in two because 3.14 started dividing the activity penalty by the batch size
 * (spec §6.3); everything else this project models is the same across Keras 3 releases.
 */
public enum KerasSemantics {
    /** tf.keras in TensorFlow 1.15 (keras_version "2.2.4-tf"), also multi-backend Keras 2.0-2.3. */
    TF_1_15,
    /** Keras 2 as shipped with TensorFlow 2 (tf.keras 2.3+, keras 2.4-2.15). */
    KERAS_2,
    /** Keras 3.0 to 3.13: the activity penalty is not divided by the batch size. */
    KERAS_3,
    /** Keras 3.14 and later: like {@link #KERAS_3}, but the activity penalty is divided by the batch size. */
    KERAS_3_14;

    /** True for both Keras 3 variants. */
    public boolean isKeras3() {
        return this == KERAS_3 || this == KERAS_3_14;
    }

    /** Whether the activity-regularizer penalty of an output batch is divided by its batch size (spec §6.3). */
    public boolean dividesActivityPenaltyByBatchSize() {
        return this != KERAS_3;
    }

    /**
     * The semantics of a file that recorded this {@code keras_version}. {@code "2.2.4-tf"} (tf.keras 1.x) and
     * multi-backend Keras before 2.4 follow TF 1.15; {@code "2.3.0-tf"} and later tf.keras, and Keras 2.4-2.x
     * follow Keras 2; "3.x" follows Keras 3 (3.14+ separately).
     *
     * @throws IllegalArgumentException for a version string that is not a Keras 1, 2 or 3 version
     */
    public static KerasSemantics forKerasVersion(String kerasVersion) {
        if (kerasVersion == null || kerasVersion.isBlank()) {
            throw new IllegalArgumentException("keras_version=" + (kerasVersion == null ? "null" : "'" + kerasVersion + "'")
                    + " is not a Keras version: expected e.g. \"2.2.4-tf\", \"2.15.0\" or \"3.11.1\"");
        }
        String v = kerasVersion.trim().toLowerCase(Locale.ROOT);
        boolean tfKeras = v.endsWith("-tf");
        String[] parts = (tfKeras ? v.substring(0, v.length() - 3) : v).split("\\.");
        int major;
        int minor;
        try {
            major = Integer.parseInt(parts[0]);
            minor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("[^0-9].*$", "")) : 0;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("keras_version='" + kerasVersion
                    + "' is not a Keras version: expected e.g. \"2.2.4-tf\", \"2.15.0\" or \"3.11.1\"");
        }
        switch (major) {
            case 1:
                return TF_1_15;
            case 2:
                if (tfKeras) {
                    return minor >= 3 ? KERAS_2 : TF_1_15;
                }
                return minor >= 4 ? KERAS_2 : TF_1_15;
            case 3:
                return minor >= 14 ? KERAS_3_14 : KERAS_3;
            default:
                throw new IllegalArgumentException("keras_version='" + kerasVersion
                        + "' is not supported: expected a Keras 1, 2 or 3 version");
        }
    }

    /** Parses a name such as {@code "tf_1_15"}, {@code "keras_2"}, {@code "keras3"} (any case). */
    public static KerasSemantics fromName(String name) {
        if (name != null) {
            String n = name.trim().toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
            for (KerasSemantics s : values()) {
                if (s.name().equals(n) || s.name().replace("_", "").equals(n.replace("_", ""))) {
                    return s;
                }
            }
        }
        throw new IllegalArgumentException("semantics=" + (name == null ? "null" : "'" + name + "'")
                + " is not supported: expected one of TF_1_15, KERAS_2, KERAS_3, KERAS_3_14");
    }
}
