package io.sparkconv.core.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkconv.core.spec.FilterShape;
import org.junit.jupiter.api.Test;

/** The packed layouts, value by value against the index formulas in {@link PackedWeights}' documentation. */
class PackedWeightsTest {

    /** 2 groups, 3x2 kernel, 3 channels per group, 11 filters per group: blocks of 4 are 4, 4 and 3 lanes. */
    private static final FilterShape SHAPE = new FilterShape(3, 2, 3, 22, 2);

    private static float[] distinctKernel() {
        float[] kernel = new float[SHAPE.kernelSize()];
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] = i + 1;
        }
        return kernel;
    }

    /** Keras (kh, kw, Cg, F) value of group g's filter f (within the group), tap (i, j, c); 0 for a padded lane. */
    private static float keras(float[] kernel, int g, int f, int i, int j, int c) {
        int fg = SHAPE.filtersPerGroup();
        return f >= fg ? 0f : kernel[((i * SHAPE.width() + j) * SHAPE.inChannelsPerGroup() + c) * SHAPE.filters()
                + g * fg + f];
    }

    @Test
    void plainBlocksHoldEachTapsLanesTogether() {
        float[] kernel = distinctKernel();
        PackedWeights w = PackedWeights.pack(SHAPE, kernel, null, 4);
        assertEquals(3, w.blocksPerGroup());
        assertNull(w.runs());
        int taps = SHAPE.height() * SHAPE.width() * SHAPE.inChannelsPerGroup();
        for (int g = 0; g < 2; g++) {
            for (int b = 0; b < 3; b++) {
                for (int t = 0; t < taps; t++) {
                    for (int l = 0; l < 4; l++) {
                        int i = t / (2 * 3), j = t / 3 % 2, c = t % 3;
                        assertEquals(keras(kernel, g, b * 4 + l, i, j, c),
                                w.kernel()[((g * 3 + b) * taps + t) * 4 + l], "g" + g + " b" + b + " t" + t + " l" + l);
                    }
                }
            }
        }
    }

    @Test
    void interleavedRunsPutOneTapsVectorsSideBySide() {
        float[] kernel = distinctKernel();
        float[] bias = new float[22];
        PackedWeights plain = PackedWeights.pack(SHAPE, kernel, bias, 4);
        PackedWeights w = plain.interleaved(new int[] {2, 1});
        assertArrayEquals(new int[] {2, 1}, w.runs());
        assertEquals(plain.kernel().length, w.kernel().length);
        assertArrayEquals(plain.bias(), w.bias());
        int taps = SHAPE.height() * SHAPE.width() * SHAPE.inChannelsPerGroup();
        int blockSize = taps * 4;
        for (int g = 0; g < 2; g++) {
            for (int t = 0; t < taps; t++) {
                int i = t / (2 * 3), j = t / 3 % 2, c = t % 3;
                for (int l = 0; l < 4; l++) {
                    // The run of blocks 0 and 1: tap t's two vectors are adjacent.
                    for (int v = 0; v < 2; v++) {
                        assertEquals(keras(kernel, g, v * 4 + l, i, j, c),
                                w.kernel()[(g * 3) * blockSize + (t * 2 + v) * 4 + l]);
                    }
                    // A run of one block keeps the plain layout.
                    assertEquals(plain.kernel()[(g * 3 + 2) * blockSize + t * 4 + l],
                            w.kernel()[(g * 3 + 2) * blockSize + t * 4 + l]);
                }
            }
        }
    }

    @Test
    void runsMustCoverTheBlocksOnce() {
        PackedWeights plain = PackedWeights.pack(SHAPE, distinctKernel(), null, 4);
        assertThrows(IllegalArgumentException.class, () -> plain.interleaved(new int[] {2, 2}));
        assertThrows(IllegalArgumentException.class, () -> plain.interleaved(new int[] {3}).interleaved(new int[] {3}));
    }
}
