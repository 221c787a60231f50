package io.sparkconv.core.tensor;

/**
 * The one size limit of layer weights, read (NPY, HDF5, .keras) or initialized: 2^28 elements (1 GiB of float32)
 * per tensor. It is checked before anything is allocated, so a tiny config such as
 * {@code {"filters": 500000000, "kernel_size": [1, 1]}} gets a one-line error, not an OutOfMemoryError.
 */
public final class WeightLimit {
    /** Elements of one weight tensor (kernel or bias). */
    public static final long MAX_ELEMENTS = 1L << 28;

    private WeightLimit() {
    }

    /** Elements of a kernel (kh, kw, Cin/groups, filters), without overflow. */
    public static long kernelElements(int kernelHeight, int kernelWidth, int inChannelsPerGroup, int filters) {
        return Math.multiplyExact(Math.multiplyExact(Math.multiplyExact((long) kernelHeight, kernelWidth),
                (long) inChannelsPerGroup), (long) filters);
    }

    /**
     * Throws {@link IllegalArgumentException} when a weight tensor of {@code elements} exceeds the limit.
     *
     * @param what names the tensor in the message ("kernel of shape (1, 1, 3, 500000000)")
     */
    public static void check(String what, long elements) {
        if (elements > MAX_ELEMENTS) {
            throw new IllegalArgumentException(what + " has " + elements + " elements, more than the limit of "
                    + MAX_ELEMENTS + " (" + (MAX_ELEMENTS * 4 >> 20) + " MiB of float32) per weight tensor");
        }
    }
}
