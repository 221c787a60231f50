package io.sparkconv.core.kernel;

import io.sparkconv.core.spec.Padding;
import io.sparkconv.core.kernel.KernelParity.Case;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The scalar kernel against TensorFlow on shapes aimed at its chunking: output pixels cut into chunks whose
 * boundaries fall inside rows and between images (many taps give the smallest chunks, few taps the largest),
 * filter counts that leave 1, 2 or 3 filters in the last block of four, strided input copies (channels > 1 or
 * strides > 1), dilation, padding on every side. The tests of the random draw ({@link TensorFlowParityTest})
 * cover groups and small shapes; these are larger than one chunk.
 */
@Tag("kernel")
class ScalarConvKernelChunksTest {

    private static final ConvKernel SCALAR = new ScalarConvKernel();

    static Stream<Case> cases() {
        return List.of(
                // 576 taps: 448-pixel chunks, boundaries inside rows of a 30-wide image, across 2 images.
                new Case("many taps, chunks inside rows", 2, 24, 30, 64, 9, 3, 3, 1, 1, 1, 1, Padding.SAME, true),
                // 25 taps, 1 channel: 1024-pixel chunks over 3 images of 26x27 (VALID), contiguous row copies.
                new Case("few taps, chunks across images", 3, 30, 31, 1, 6, 5, 5, 1, 1, 1, 1, Padding.VALID, false),
                // 1x1 with many filters: chunk limited by outputs, 2 filters in the last block.
                new Case("pointwise, last block of 2", 2, 20, 17, 24, 130, 1, 1, 1, 1, 1, 1, Padding.VALID, true),
                new Case("stride 2, last block of 3", 2, 41, 37, 3, 7, 7, 7, 2, 2, 1, 1, Padding.SAME, true),
                new Case("stride (3,1), one filter", 1, 50, 60, 2, 1, 3, 4, 3, 1, 1, 1, Padding.SAME, false),
                new Case("dilation 2, 1 filter past the block", 2, 33, 35, 5, 5, 3, 3, 1, 1, 2, 2, Padding.SAME, true),
                new Case("dilation (1,3) valid", 1, 40, 45, 4, 12, 2, 3, 1, 1, 1, 3, Padding.VALID, true))
                .stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTensorFlow(Case k) {
        KernelParity.assertMatchesTensorFlow(k, SCALAR);
    }
}
