package io.sparkconv.core.spec;

/**
 * The shape of a layer's kernel, everything weight packing depends on (not the image size): kernel
 * {@code (height, width, inChannelsPerGroup, filters)} in Keras' HWIO order, split into {@code groups}.
 */
public record FilterShape(int height, int width, int inChannelsPerGroup, int filters, int groups) {

    /** Output channels per group. */
    public int filtersPerGroup() {
        return filters / groups;
    }

    /** Number of values in the Keras kernel array {@code (kh, kw, Cin/groups, F)}. */
    public int kernelSize() {
        return Math.multiplyExact(Math.multiplyExact(height * width, inChannelsPerGroup), filters);
    }
}
