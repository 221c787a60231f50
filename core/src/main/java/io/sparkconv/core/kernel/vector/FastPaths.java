package io.sparkconv.core.kernel.vector;

import io.sparkconv.core.conv.ConvGeometry;
import io.sparkconv.core.kernel.PackedWeights;

/**
 * Chooses the fastest path: {@link PackedFilterConv} for few filters (ungrouped), {@link RegisterBlockedConv}
 * otherwise (with its 1x1 GEMM form; grouped convolutions run there one group after the other). The system
 * property {@code sparkconv.kernel.fastPaths=false} turns the paths off (to compare them with
 * {@link VectorConvKernel}'s general loops).
 */
final class FastPaths {

    static final String PROPERTY = "sparkconv.kernel.fastPaths";
    private static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());

    private FastPaths() {
    }

    /** Convolves on a fast path and returns true, or returns false when none applies. */
    static boolean convolve(ConvGeometry g, PackedWeights w, float[] in, int inOffset, int batch, float[] out,
                            int outOffset) {
        if (!ENABLED || w.blockWidth() != RegisterBlockedConv.L) {
            return false;
        }
        if (PackedFilterConv.applies(g)) {
            PackedFilterConv.convolve(g, w, in, inOffset, batch, out, outOffset, Scratch.ofThread());
        } else {
            RegisterBlockedConv.convolve(g, w, in, inOffset, batch, out, outOffset, Scratch.ofThread());
        }
        return true;
    }
}
