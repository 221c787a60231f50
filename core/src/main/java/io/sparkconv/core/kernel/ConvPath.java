package io.sparkconv.core.kernel;

import io.sparkconv.core.spec.ConvGeometry;

/**
 * The code paths a plan can run, and the one place that chooses between them. The choice depends on the
 * geometry and on the vector length only, never on the CPU the JVM happens to run on, so a test can reach
 * every path at every vector width on any machine.
 */
public enum ConvPath {
    /** Plain Java, auto-vectorized by C2: im2col chunks times blocks of 4 filters. */
    SCALAR_IM2COL("im2col"),
    /** 1x1 stride 1: a blocked matrix product over all pixels of the batch, read in place. */
    POINTWISE("pointwise"),
    /** At most half a vector of filters: each vector holds several pixels x all filters. */
    PACKED_FILTERS("packed-filters"),
    /** Everything else: register blocks of pixels x filter vectors over a zero-padded copy of the image. */
    REGISTER_BLOCKED("register-blocked");

    private final String label;

    ConvPath(String label) {
        this.label = label;
    }

    /** The path's name in plan names and logs. */
    public String label() {
        return label;
    }

    /** The path for a geometry on a kernel with {@code lanes} floats per vector (0: the scalar kernel). */
    public static ConvPath choose(ConvGeometry g, int lanes) {
        if (lanes == 0) {
            return SCALAR_IM2COL;
        }
        if (g.kernelHeight() == 1 && g.kernelWidth() == 1 && g.strideHeight() == 1 && g.strideWidth() == 1) {
            return POINTWISE;
        }
        if (g.groups() == 1 && g.filters() <= lanes / 2 && g.strideWidth() == 1) {
            return PACKED_FILTERS;
        }
        return REGISTER_BLOCKED;
    }
}
