package io.sparkconv.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void sizesAreOverflowChecked() {
        assertEquals(24, Shapes.size(2, 3, 4));
        assertEquals(0, Shapes.size(0, 3));
        assertEquals(1, Shapes.size());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> Shapes.size(65536, 65536));
        assertTrue(big.getMessage().contains("(65536, 65536)"), big.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () -> Shapes.size(2, -1));
        assertTrue(negative.getMessage().contains("-1 at axis 1"), negative.getMessage());
        assertEquals("(3,)", Shapes.format(3));
    }

    @Test
    void tensorDataMustMatchTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FloatTensor(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("(2, 3) needs 6 values but the data array has 5"), e.getMessage());
        FloatTensor t = new FloatTensor(new float[6], 2, 3);
        int[] shape = t.shape();
        shape[0] = 9;
        assertEquals(2, t.dim(0), "shape() is a copy");
    }

    @Test
    void layoutsTransposeBothWays() {
        int n = 2, c = 3, h = 4, w = 5;
        float[] nchw = new float[n * c * h * w];
        for (int i = 0; i < nchw.length; i++) {
            nchw[i] = i;
        }
        FloatTensor last = Layouts.toChannelsLast(new FloatTensor(nchw, n, c, h, w));
        assertArrayEquals(new int[] {n, h, w, c}, last.shape());
        // element (n=1, c=2, h=3, w=4) of NCHW sits at ((1*h + 3)*w + 4)*c + 2 in NHWC
        assertEquals(((1 * c + 2) * h + 3) * w + 4, last.data()[((1 * h + 3) * w + 4) * c + 2]);
        FloatTensor back = Layouts.toChannelsFirst(last);
        assertArrayEquals(nchw, back.data());
        assertThrows(IllegalArgumentException.class, () -> Layouts.toChannelsLast(FloatTensor.zeros(2, 3)));
    }
}
