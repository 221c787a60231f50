package io.sparkconv.core.kernel;

import io.sparkconv.core.spec.Padding;
import io.sparkconv.core.kernel.KernelParity.Case;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each vector path (register-blocked with its 1x1 form, packed filters) against TensorFlow's Conv2D + BiasAdd
 * at every vector width, on shapes chosen to hit the path's edges at that width: every filter-block split (1 to
 * 9 vectors, ragged last block), ragged row ends, the 1x1 batch tail, few filters (1 to 8, non-powers of two),
 * strides, dilations, SAME and VALID, bias on and off, groups. Data and tolerance: {@link KernelParity}.
 */
class FastPathsParityTest {

    static Stream<Arguments> cases() {
        return KernelProvider.everyWidth().stream().filter(k -> k.vectorLanes() > 0)
                .flatMap(k -> cases(k.vectorLanes()).stream().map(c -> Arguments.of(c, k)));
    }

    static List<Case> cases(int lanes) {
        List<Case> cases = new ArrayList<>();
        // Register-blocked path: filter counts around each block split, ragged widths, strides, dilations.
        int[] filters = {lanes + 1, 2 * lanes, 3 * lanes - 3, 4 * lanes, 5 * lanes, 6 * lanes - 1, 9 * lanes};
        for (int i = 0; i < filters.length; i++) {
            cases.add(new Case("blocked F=" + filters[i], 2, 9 + i, 14 + 3 * i, 3 + 5 * i, filters[i], 3, 3, 1, 1,
                    1, 1, i % 2 == 0 ? Padding.SAME : Padding.VALID, i % 3 != 0));
        }
        cases.add(new Case("blocked 7x7 stride 2 same", 2, 23, 21, 3, 64, 7, 7, 2, 2, 1, 1, Padding.SAME, true));
        cases.add(new Case("blocked 2x4 stride (1,3) valid", 1, 11, 26, 5, 32, 2, 4, 1, 3, 1, 1, Padding.VALID, true));
        cases.add(new Case("blocked 3x3 dilation 2 same", 2, 17, 19, 8, 32, 3, 3, 1, 1, 2, 2, Padding.SAME, false));
        cases.add(new Case("blocked 3x2 dilation (3,1) same", 1, 10, 13, 6, 48, 3, 2, 1, 1, 3, 1, Padding.SAME, true));
        cases.add(new Case("blocked image smaller than kernel", 2, 2, 3, 4, 40, 5, 5, 1, 1, 1, 1, Padding.SAME, true));
        cases.add(new Case("blocked 1x1 stride 2", 2, 9, 11, 12, 24, 1, 1, 2, 2, 1, 1, Padding.SAME, true));
        // 1x1 stride 1: the GEMM form, with a batch tail that is not a whole block of pixels.
        cases.add(new Case("pointwise tail", 3, 7, 5, 20, 4 * lanes, 1, 1, 1, 1, 1, 1, Padding.VALID, true));
        cases.add(new Case("pointwise ragged filters", 2, 13, 3, 33, 3 * lanes + 5, 1, 1, 1, 1, 1, 1,
                Padding.SAME, false));
        // Groups on the register-blocked path: one group after the other, several blocks per group, a ragged
        // last block, the 1x1 form, strides and dilation.
        cases.add(new Case("grouped 2, 2 blocks per group", 2, 11, 13, 6, 4 * lanes, 3, 3, 1, 1, 1, 1,
                Padding.SAME, true, 2));
        cases.add(new Case("grouped 3, ragged blocks", 1, 9, 17, 9, 3 * (lanes + 3), 3, 2, 2, 1, 1, 1,
                Padding.VALID, false, 3));
        cases.add(new Case("grouped 4 pointwise", 3, 5, 7, 8, 4 * lanes, 1, 1, 1, 1, 1, 1, Padding.VALID, true, 4));
        cases.add(new Case("grouped 2, few filters each", 2, 10, 12, 4, 6, 3, 3, 1, 1, 2, 2, Padding.SAME, true, 2));
        // Few filters: packed (pixel, filter) lanes.
        int[] few = {1, 2, 3, 5, 8, lanes / 2};   // above lanes / 2, the same shapes test the blocked path
        for (int i = 0; i < few.length; i++) {
            cases.add(new Case("packed F=" + few[i], 2, 12 + 2 * i, 37 + 5 * i, 1 + i % 3, few[i], 5, 5 - i % 3,
                    1 + i % 2, 1, 1, 1, i % 2 == 0 ? Padding.VALID : Padding.SAME, i % 2 == 0));
        }
        // Output width 27 with 8 filters: one wide block of 28 pixels would overrun, so 3 narrow blocks of 8 end
        // at 24 + 8 = 32, past the wide block's end; the padded image must hold the columns they read.
        cases.add(new Case("packed narrow blocks past a wide block", 2, 6, 31, 1, 8, 5, 5, 1, 1, 1, 1,
                Padding.VALID, true));
        cases.add(new Case("packed dilation 2 same", 1, 15, 40, 2, 8, 3, 3, 1, 1, 2, 2, Padding.SAME, true));
        cases.add(new Case("packed 1x1", 2, 6, 70, 4, 4, 1, 1, 1, 1, 1, 1, Padding.VALID, true));
        cases.add(new Case("packed stride (2,1)", 3, 9, 33, 1, 6, 3, 3, 2, 1, 1, 1, Padding.SAME, false));
        return cases;
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void matchesTensorFlow(Case k, ConvKernel kernel) {
        KernelParity.assertMatchesTensorFlow(k, kernel);
    }
}
