package io.sparkconv.core.conv;

/** SKELETON (spec owner completes): Keras-like fluent builder for {@link Conv2D}. */
public final class Conv2DBuilder {
    private final int filters;
    private final int[] kernelSize;

    Conv2DBuilder(int filters, int[] kernelSize) {
        this.filters = filters;
        this.kernelSize = kernelSize.clone();
    }

    public Conv2D build() {
        throw new UnsupportedOperationException("skeleton: Conv2DBuilder.build, filters=" + filters
                + " kernel_size=" + java.util.Arrays.toString(kernelSize));
    }
}
