package io.sparkconv.core.spec;

import io.sparkconv.core.conv.TestLayers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.tensor.DataFormat;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class ConvGeometryTest {

    /** Every worked value of spec §2.4: padding, in, k, s, d, out, pad before, pad after. */
    static Stream<Arguments> workedValues() {
        return Stream.of(
                Arguments.of(Padding.SAME, 5, 3, 1, 1, 5, 1, 1),
                Arguments.of(Padding.SAME, 5, 3, 2, 1, 3, 1, 1),
                Arguments.of(Padding.SAME, 6, 3, 2, 1, 3, 0, 1),
                Arguments.of(Padding.SAME, 4, 4, 1, 1, 4, 1, 2),
                Arguments.of(Padding.SAME, 224, 7, 2, 1, 112, 2, 3),
                Arguments.of(Padding.SAME, 8, 2, 2, 1, 4, 0, 0),
                Arguments.of(Padding.SAME, 2, 5, 1, 1, 2, 2, 2),
                Arguments.of(Padding.SAME, 2, 5, 2, 1, 1, 1, 2),
                Arguments.of(Padding.SAME, 1, 3, 1, 1, 1, 1, 1),
                Arguments.of(Padding.SAME, 10, 3, 1, 2, 10, 2, 2),
                Arguments.of(Padding.VALID, 28, 3, 1, 1, 26, 0, 0),
                Arguments.of(Padding.VALID, 224, 7, 2, 1, 109, 0, 0),
                Arguments.of(Padding.VALID, 10, 3, 3, 1, 3, 0, 0),
                Arguments.of(Padding.VALID, 7, 3, 1, 2, 3, 0, 0),
                Arguments.of(Padding.VALID, 5, 5, 1, 1, 1, 0, 0));
    }

    @ParameterizedTest(name = "{0} in={1} k={2} s={3} d={4} -> out={5} pad=({6},{7})")
    @MethodSource("workedValues")
    void axisMatchesTheWorkedValues(Padding padding, int in, int k, int s, int d, int out, int before, int after) {
        ConvGeometry.Axis axis = ConvGeometry.axis("height", padding, in, k, s, d);
        assertEquals(out, axis.out(), "output size");
        assertEquals(before, axis.padBefore(), "padding before");
        assertEquals(after, axis.padAfter(), "padding after");
    }

    @ParameterizedTest(name = "{0} in={1} k={2} s={3} d={4} as height and width, both data formats")
    @MethodSource("workedValues")
    void fullGeometryUsesTheSameValuesOnBothAxes(Padding padding, int in, int k, int s, int d, int out,
                                                  int before, int after) {
        for (DataFormat format : DataFormat.values()) {
            TestLayers.Args a = TestLayers.args();
            a.filters = 4;
            a.padding = padding;
            a.dataFormat = format;
            a.kernelHeight = k;
            a.strideHeight = s;
            a.dilationHeight = d;
            a.kernelWidth = 1;                          // width: a 1-wide kernel over 3 columns
            int[] shape = format == DataFormat.CHANNELS_LAST ? new int[] {2, in, 3, 6} : new int[] {2, 6, in, 3};
            ConvGeometry g = ConvGeometry.of(a.spec(), shape);
            assertEquals(out, g.outHeight());
            assertEquals(before, g.padTop());
            assertEquals(after, g.padBottom());
            assertEquals(3, g.outWidth());
            assertEquals(6, g.inChannels());
            int[] expected = format == DataFormat.CHANNELS_LAST ? new int[] {2, out, 3, 4} : new int[] {2, 4, out, 3};
            assertArrayEquals(expected, g.outputShape(2));
            assertArrayEquals(expected, a.layer().outputShape(shape));

            a.kernelHeight = 1;                        // and the same numbers on the width axis
            a.strideHeight = 1;
            a.dilationHeight = 1;
            a.kernelWidth = k;
            a.strideWidth = s;
            a.dilationWidth = d;
            int[] wide = format == DataFormat.CHANNELS_LAST ? new int[] {1, 3, in, 6} : new int[] {1, 6, 3, in};
            ConvGeometry gw = ConvGeometry.of(a.spec(), wide);
            assertEquals(out, gw.outWidth());
            assertEquals(before, gw.padLeft());
            assertEquals(after, gw.padRight());
            assertEquals(3, gw.outHeight());
        }
    }

    @Test
    void validInputSmallerThanTheDilatedKernelIsRejectedWithTheValues() {
        TestLayers.Args a = TestLayers.args();
        a.kernelHeight = 3;
        a.dilationHeight = 2;                          // effective kernel 5
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvGeometry.of(a.spec(), new int[] {1, 4, 9, 1}));
        assertTrue(e.getMessage().contains("input height is 4"), e.getMessage());
        assertTrue(e.getMessage().contains("dilated kernel height 5"), e.getMessage());
        assertTrue(e.getMessage().contains("padding='same'"), e.getMessage());

        TestLayers.Args w = TestLayers.args();
        w.kernelWidth = 5;
        IllegalArgumentException ew = assertThrows(IllegalArgumentException.class,
                () -> ConvGeometry.of(w.spec(), new int[] {1, 9, 2, 1}));
        assertTrue(ew.getMessage().contains("input width is 2"), ew.getMessage());
        // in = eff_k - 1 is rejected too (TF 1.15 graph mode), and in = eff_k is the smallest accepted input
        assertThrows(IllegalArgumentException.class, () -> ConvGeometry.of(w.spec(), new int[] {1, 9, 4, 1}));
        assertEquals(1, ConvGeometry.of(w.spec(), new int[] {1, 9, 5, 1}).outWidth());
    }

    @Test
    void sameAcceptsInputsSmallerThanTheKernel() {
        TestLayers.Args a = TestLayers.args();
        a.padding = Padding.SAME;
        a.kernelHeight = 5;
        a.kernelWidth = 4;
        a.dilationHeight = 3;
        ConvGeometry g = ConvGeometry.of(a.spec(), new int[] {1, 1, 2, 1});
        assertEquals(1, g.outHeight());
        assertEquals(2, g.outWidth());
        assertEquals(6, g.padTop());                   // eff_k 13 - 1 = 12, split 6/6
        assertEquals(6, g.padBottom());
        assertEquals(1, g.padLeft());                  // eff_k 4: pad_needed 3 -> (1, 2)
        assertEquals(2, g.padRight());
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of(new int[] {1, 5, 5}, 1, -1, "expected ndim=4, found ndim=3"),
                Arguments.of(new int[] {1, 5, 5, 3, 1}, 1, -1, "expected ndim=4, found ndim=5"),
                Arguments.of(new int[] {-1, 5, 5, 3}, 1, -1, "negative batch size -1"),
                Arguments.of(new int[] {1, 0, 5, 3}, 1, -1, "height=0"),
                Arguments.of(new int[] {1, 5, 0, 3}, 1, -1, "width=0"),
                Arguments.of(new int[] {1, 5, 5, 0}, 1, -1, "has 0 channels"),
                Arguments.of(new int[] {1, 5, 5, 3}, 2, -1, "has 3 channels (shape (1, 5, 5, 3)), which groups=2"),
                Arguments.of(new int[] {1, 5, 5, 3}, 1, 4, "to have value 4"),
                Arguments.of(new int[] {1, 5, 5, 6}, 2, 2, "to have value 4"),
                Arguments.of(new int[] {1, 2, 5, 3}, 1, -1, "input height is 2"),
                Arguments.of(new int[] {1, 50000, 50000, 3}, 1, -1, "Java array"));
    }

    @ParameterizedTest(name = "input {0} groups={1} kernel Cin/groups={2}: \"{3}\"")
    @MethodSource("badInputs")
    void badInputsAreRejectedWithAMessageNamingTheValue(int[] shape, int groups, int kernelChannels, String expected) {
        TestLayers.Args a = TestLayers.args();
        a.groups = groups;
        a.filters = 2;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvGeometry.of(a.spec(), shape, kernelChannels));
        assertTrue(e.getMessage().contains(expected), () -> "message \"" + e.getMessage() + "\" lacks \"" + expected + "\"");
    }

    @Test
    void nullShapeIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvGeometry.of(TestLayers.args().spec(), null));
        assertTrue(e.getMessage().contains("4-D"), e.getMessage());
    }

    @Test
    void channelsFirstReadsChannelsFromAxisOne() {
        TestLayers.Args a = TestLayers.args();
        a.dataFormat = DataFormat.CHANNELS_FIRST;
        a.filters = 5;
        ConvGeometry g = ConvGeometry.of(a.spec(), new int[] {3, 2, 7, 9}, 2);
        assertEquals(2, g.inChannels());
        assertEquals(7, g.inHeight());
        assertEquals(9, g.inWidth());
        assertArrayEquals(new int[] {3, 5, 5, 7}, g.outputShape(3));
        assertEquals(7, g.outputLastAxis());           // softmax runs over W for channels_first
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConvGeometry.of(a.spec(), new int[] {3, 7, 9, 2}, 2));
        assertTrue(e.getMessage().contains("expected axis 1 of input shape to have value 2"), e.getMessage());
    }
}
