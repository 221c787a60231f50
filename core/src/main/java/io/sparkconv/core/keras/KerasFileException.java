package io.sparkconv.core.keras;

/**
 * A Keras model file that cannot be read as asked: not HDF5 or zip, no Keras metadata, truncated or corrupt,
 * no such layer, not a Conv2D, unsupported weight dtype, weights that do not fit the layer config, or over a
 * size limit. The message names the file, the bad value and what was expected.
 */
public final class KerasFileException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public KerasFileException(String message) {
        super(message);
    }

    public KerasFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
