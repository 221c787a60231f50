package io.sparkconv.core.activation;

/**
 * A Keras activation applied in place to a float32 output tensor.
 * Implementations are stateless and thread-safe; look them up by Keras name through {@link Activations}.
 */
public interface Activation {

    /** The Keras name this activation serializes as, e.g. {@code "relu"}. */
    String kerasName();

    /**
     * Applies the activation in place to {@code length} values starting at {@code offset}. The values are a
     * whole number of rows of the output tensor's last axis, which has {@code lastAxisSize} elements
     * (only axis-wise activations such as softmax look at it).
     */
    void apply(float[] values, int offset, int length, int lastAxisSize);

    /** True when each output depends on its own input only, so the kernel may apply it to any tile. */
    default boolean isElementwise() {
        return true;
    }
}
