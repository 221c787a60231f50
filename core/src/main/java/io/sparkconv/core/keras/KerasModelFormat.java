package io.sparkconv.core.keras;

/** The kind of Keras file a {@link KerasModelFile} was read from. */
public enum KerasModelFormat {
    /** {@code model.save('m.h5')}: Keras 1/2, tf.keras or Keras 3 legacy HDF5 with the config in {@code model_config}. */
    HDF5_FULL_MODEL("legacy HDF5 full model"),
    /** {@code save_weights('w.h5')} (Keras 2 / tf.keras layout, {@code layer_names} at the root) plus the model JSON. */
    HDF5_WEIGHTS_ONLY("legacy HDF5 weights-only file with model JSON"),
    /** Keras 3 {@code save_weights('w.weights.h5')} ({@code layers/<class>/vars/<i>} layout) plus the model JSON. */
    KERAS3_WEIGHTS_ONLY("Keras 3 .weights.h5 file with model JSON"),
    /** Keras 3 {@code .keras} zip archive: config.json, metadata.json, model.weights.h5. */
    KERAS3_ARCHIVE("Keras 3 .keras archive");

    private final String description;

    KerasModelFormat(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
