package io.sparkconv.core.regularizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.activation.TfOracle;
import io.sparkconv.core.config.KerasSemantics;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Regularizer penalties (spec §6) against TF ops ({@code l1 * reduce_sum(abs(x)) + l2 * reduce_sum(square(x))}
 * in float32) and against a double-precision sum computed here. Tolerance 2e-6 relative: TF's reduce_sum adds in
 * a tree order in float32, we add in double and round once.
 */
class RegularizersTest {

    private static TfOracle tf;

    @BeforeAll
    static void open() {
        tf = TfOracle.open();
    }

    @AfterAll
    static void close() {
        tf.close();
    }

    private static float[] weights(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) ((r.nextDouble() * 2 - 1) * 0.3);
        }
        return w;
    }

    private static float tfPenalty(float[] w, float l1, float l2) {
        Ops o = tf.ops();
        Operand<TFloat32> x = tf.constant(w, 3, 3, w.length / 36, 4);
        Operand<TInt32> all = o.constant(new int[] {0, 1, 2, 3});
        Operand<TFloat32> result = o.constant(0f);
        if (l1 != 0) {
            result = o.math.add(result, o.math.mul(o.constant(l1), o.reduceSum(o.math.abs(x), all)));
        }
        if (l2 != 0) {
            result = o.math.add(result, o.math.mul(o.constant(l2), o.reduceSum(o.math.square(x), all)));
        }
        return tf.scalar(result);
    }

    @Test
    void penaltiesMatchTensorFlowAndADoubleReference() {
        float[] w = weights(3 * 3 * 16 * 4, 3);
        double sumAbs = 0;
        double sumSquares = 0;
        for (float v : w) {
            sumAbs += Math.abs((double) v);
            sumSquares += (double) v * v;
        }
        Object[][] cases = {
            {"l1", KerasSemantics.TF_1_15, 0.01f, 0f},
            {"l2", KerasSemantics.TF_1_15, 0f, 0.01f},
            {"l1_l2", KerasSemantics.KERAS_2, 0.01f, 0.01f},
            {"L2", KerasSemantics.KERAS_3, 0f, 0.01f},
        };
        for (Object[] c : cases) {
            Regularizer r = Regularizers.get((String) c[0], (KerasSemantics) c[1]);
            float l1 = (float) c[2];
            float l2 = (float) c[3];
            float ours = r.penalty(w, 0, w.length);
            assertEquals(tfPenalty(w, l1, l2), ours, 2e-6 * Math.abs(ours), c[0] + " vs TF");
            assertEquals(l1 * sumAbs + l2 * sumSquares, ours, 1e-6 * Math.abs(ours), c[0] + " vs double");
        }
        Regularizer custom = Regularizers.fromConfig("L1L2", Map.of("l1", 0.003, "l2", 0.25), KerasSemantics.TF_1_15);
        float ours = custom.penalty(w, 0, w.length);
        assertEquals(tfPenalty(w, 0.003f, 0.25f), ours, 2e-6 * ours);
        // A sub-range only.
        assertEquals(0.25f * (w[5] * w[5] + w[6] * w[6]) + 0.003f * (Math.abs(w[5]) + Math.abs(w[6])),
                custom.penalty(w, 5, 2), 1e-7);
    }

    @Test
    void zeroFactorsGiveZeroAndTheClassDefaultsToZero() {
        float[] w = weights(36 * 2, 4);
        assertEquals(0f, Regularizers.get("L1L2", KerasSemantics.TF_1_15).penalty(w, 0, w.length));
        assertEquals(0f, Regularizers.get("l1l2", KerasSemantics.KERAS_3).penalty(w, 0, w.length));
        assertEquals(0f, new L1L2(0, 0).penalty(new float[] {Float.NaN}, 0, 1)); // no term is evaluated at all
    }

    @Test
    void factorsAreFloat32AndSerializeWidened() {
        L1L2 l2 = (L1L2) Regularizers.get("l2", KerasSemantics.TF_1_15);
        assertEquals(Map.of("l1", 0.0, "l2", 0.009999999776482582), l2.config());
        assertEquals(List.of("l1", "l2"), List.copyOf(l2.config().keySet()));
        assertEquals("L1L2", l2.className());
        L1L2 fromKeras3 = (L1L2) Regularizers.fromConfig("L2", Map.of("l2", 0.01), KerasSemantics.KERAS_3);
        assertEquals(0.009999999776482582, fromKeras3.config().get("l2"));
        // Keras 2's L1(l=...) legacy argument.
        assertEquals(0.5f, ((L1L2) Regularizers.fromConfig("L1", Map.of("l", 0.5), KerasSemantics.KERAS_2)).l1());
    }

    @Test
    void namesAndFactorValidationPerSemantics() {
        IllegalArgumentException l1l2 = assertThrows(IllegalArgumentException.class,
                () -> Regularizers.get("l1_l2", KerasSemantics.KERAS_3));
        assertTrue(l1l2.getMessage().contains("'l1_l2'") && l1l2.getMessage().contains("L1L2"), l1l2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Regularizers.get("L2", KerasSemantics.TF_1_15));
        assertThrows(IllegalArgumentException.class, () -> Regularizers.get("l1l2", KerasSemantics.KERAS_2));
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> Regularizers.fromConfig("L2", Map.of("l2", -0.1), KerasSemantics.KERAS_3));
        assertTrue(negative.getMessage().contains("l2=-0.1") && negative.getMessage().contains("non-negative"),
                negative.getMessage());
        // TF 1.15 and Keras 2 do not check the sign.
        assertEquals(-0.1f, ((L1L2) Regularizers.fromConfig("L1L2", Map.of("l2", -0.1), KerasSemantics.TF_1_15)).l2());
        IllegalArgumentException notFinite = assertThrows(IllegalArgumentException.class,
                () -> Regularizers.fromConfig("L1L2", Map.of("l1", Double.NaN), KerasSemantics.KERAS_2));
        assertTrue(notFinite.getMessage().contains("l1=NaN"), notFinite.getMessage());
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> Regularizers.fromConfig("L1L2", Map.of("l3", 1), KerasSemantics.TF_1_15));
        assertTrue(key.getMessage().contains("'l3'"), key.getMessage());
    }
}
