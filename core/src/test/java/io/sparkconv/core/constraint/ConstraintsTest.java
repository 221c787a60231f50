package io.sparkconv.core.constraint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Constraints (spec §7) against the Keras formulas built from TF ops, with epsilon 1e-7 and keepdims norms.
 * Tolerance 2e-6 relative (the norm's sum of squares is reduced in a different order).
 */
class ConstraintsTest {

    private static final int[] SHAPE = {3, 3, 4, 5};
    private static TfOracle tf;

    @BeforeAll
    static void open() {
        tf = TfOracle.open();
    }

    @AfterAll
    static void close() {
        tf.close();
    }

    private static float[] weights(long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[3 * 3 * 4 * 5];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return w;
    }

    /** TF: w * (desired(n) / (eps + n)) with n = sqrt(reduce_sum(square(w), axes, keepdims)). */
    private static float[] tfNormConstraint(float[] w, int[] axes, String kind, float min, float max, double rate) {
        Ops o = tf.ops();
        Operand<TFloat32> x = tf.constant(w, SHAPE);
        Operand<TInt32> axis = o.constant(axes);
        Operand<TFloat32> norms = o.math.sqrt(o.reduceSum(o.math.square(x), axis, ReduceSum.keepDims(true)));
        Operand<TFloat32> denominator = o.math.add(o.constant(1e-7f), norms);
        Operand<TFloat32> result;
        switch (kind) {
            case "max":
                result = o.math.mul(x, o.math.div(o.clipByValue(norms, o.constant(0f), o.constant(max)), denominator));
                break;
            case "unit":
                result = o.math.div(x, denominator);
                break;
            default:
                Operand<TFloat32> desired = o.math.add(
                        o.math.mul(o.constant((float) rate), o.clipByValue(norms, o.constant(min), o.constant(max))),
                        o.math.mul(o.constant((float) (1 - rate)), norms));
                result = o.math.mul(x, o.math.div(desired, denominator));
        }
        return tf.values(result);
    }

    private static float[] apply(Constraint c, float[] w) {
        float[] copy = w.clone();
        c.apply(copy, SHAPE);
        return copy;
    }

    @Test
    void maxNormPerColumnByDefaultAndPerFilterWithAxisList() {
        float[] w = weights(1, 2.0);
        Constraint byDefault = Constraints.get("max_norm", KerasSemantics.TF_1_15);
        assertEquals(Map.of("max_value", 2, "axis", 0), byDefault.config());
        TfOracle.assertClose("max_norm axis 0", w, tfNormConstraint(w, new int[] {0}, "max", 0, 2, 1), apply(byDefault, w),
                2e-6, 0);
        Constraint perFilter = Constraints.fromConfig("MaxNorm", Map.of("max_value", 1.5, "axis", List.of(0, 1, 2)),
                KerasSemantics.KERAS_3);
        float[] constrained = apply(perFilter, w);
        TfOracle.assertClose("max_norm axis [0,1,2]", w, tfNormConstraint(w, new int[] {0, 1, 2}, "max", 0, 1.5f, 1),
                constrained, 2e-6, 0);
        // Each filter's norm is now at most 1.5 (up to epsilon and rounding).
        for (int f = 0; f < 5; f++) {
            double s = 0;
            for (int i = f; i < w.length; i += 5) {
                s += constrained[i] * constrained[i];
            }
            assertTrue(Math.sqrt(s) <= 1.5 + 1e-5, "filter " + f + " norm " + Math.sqrt(s));
        }
        // Negative axes count from the end: -1 is the filter axis.
        TfOracle.assertClose("max_norm axis -1", w, tfNormConstraint(w, new int[] {3}, "max", 0, 2, 1),
                apply(Constraints.fromConfig("maxnorm", Map.of("axis", -1), KerasSemantics.TF_1_15), w), 2e-6, 0);
    }

    @Test
    void unitNormAndMinMaxNorm() {
        float[] w = weights(2, 1.0);
        TfOracle.assertClose("unit_norm", w, tfNormConstraint(w, new int[] {0}, "unit", 0, 0, 1),
                apply(Constraints.get("unit_norm", KerasSemantics.KERAS_2), w), 2e-6, 0);
        Constraint minMax = Constraints.fromConfig("MinMaxNorm",
                Map.of("min_value", 0.5, "max_value", 0.8, "rate", 0.7, "axis", List.of(0, 1)), KerasSemantics.TF_1_15);
        TfOracle.assertClose("min_max_norm", w, tfNormConstraint(w, new int[] {0, 1}, "minmax", 0.5f, 0.8f, 0.7),
                apply(minMax, w), 2e-6, 0);
        assertEquals(List.of("min_value", "max_value", "rate", "axis"), List.copyOf(minMax.config().keySet()));
        assertEquals(Map.of("min_value", 0.0, "max_value", 1.0, "rate", 1.0, "axis", 0),
                Constraints.get("min_max_norm", KerasSemantics.KERAS_3).config());
    }

    @Test
    void nonNegMultipliesInTf115ButTakesTheMaximumInKeras3() {
        float[] w = {-2f, 0f, 3f, -0f};
        float[] tf115 = w.clone();
        Constraints.get("nonneg", KerasSemantics.TF_1_15).apply(tf115, new int[] {4});
        // w * cast(w >= 0): a negative weight becomes -0.0.
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(tf115[0]));
        assertArrayEquals(new float[] {-0f, 0f, 3f, -0f}, tf115);
        float[] keras3 = w.clone();
        Constraints.get("non_neg", KerasSemantics.KERAS_3).apply(keras3, new int[] {4});
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(keras3[0]));
        assertEquals(3f, keras3[2]);
        assertThrows(IllegalArgumentException.class, () -> Constraints.get("nonneg", KerasSemantics.KERAS_3));
        float[] tfResult = tf.values(tf.ops().math.mul(tf.constant(w, 4), tf.ops().dtypes.cast(
                tf.ops().math.greaterEqual(tf.constant(w, 4), tf.ops().constant(0f)), TFloat32.class)));
        assertEquals(Float.floatToIntBits(tfResult[0]), Float.floatToIntBits(tf115[0]));
    }

    /** The value at (r, c) of slice s of a k x k x 1 x 1 kernel after RadialConstraint, written as vRC indices. */
    private static float[] radial(int k) {
        float[] w = new float[k * k];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < k; c++) {
                w[r * k + c] = 10 * r + c; // vRC encoded as the number RC
            }
        }
        new RadialConstraint().apply(w, new int[] {k, k, 1, 1});
        return w;
    }

    @Test
    void radialConstraintFollowsTheCodeTrace() {
        // k=3: centre v00, ring v11.
        assertArrayEquals(new float[] {11, 11, 11, 11, 0, 11, 11, 11, 11}, radial(3));
        // k=4: centre 2x2 v11, ring v33.
        assertArrayEquals(new float[] {33, 33, 33, 33, 33, 11, 11, 33, 33, 11, 11, 33, 33, 33, 33, 33}, radial(4));
        // k=5: centre v11, rings v22 then v33.
        float[] five = radial(5);
        assertEquals(11, five[2 * 5 + 2]);
        assertEquals(22, five[1 * 5 + 2]);
        assertEquals(22, five[3 * 5 + 3]);
        assertEquals(33, five[0]);
        assertEquals(33, five[4 * 5 + 1]);
        assertArrayEquals(new float[] {0, 0, 0, 0}, radial(2));
        // Several (Cin, F) slices are independent.
        float[] two = new float[3 * 3 * 2];
        for (int i = 0; i < two.length; i++) {
            two[i] = i;
        }
        new RadialConstraint().apply(two, new int[] {3, 3, 1, 2});
        assertEquals(0, two[4 * 2]);      // slice 0 centre = its v00 = 0
        assertEquals(1, two[4 * 2 + 1]);  // slice 1 centre = its v00 = 1
        assertEquals(8, two[0]);          // slice 0 ring = its v11 = element 4*2
        IllegalArgumentException nonSquare = assertThrows(IllegalArgumentException.class,
                () -> new RadialConstraint().apply(new float[6], new int[] {3, 2, 1, 1}));
        assertTrue(nonSquare.getMessage().contains("[3, 2, 1, 1]"), nonSquare.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RadialConstraint().apply(new float[3], new int[] {3}));
        IllegalArgumentException keras3 = assertThrows(IllegalArgumentException.class,
                () -> Constraints.get("RadialConstraint", KerasSemantics.KERAS_3));
        assertTrue(keras3.getMessage().contains("removed"), keras3.getMessage());
    }

    @Test
    void badArgumentsAreRejected() {
        IllegalArgumentException axis = assertThrows(IllegalArgumentException.class,
                () -> Constraints.fromConfig("MaxNorm", Map.of("axis", 4), KerasSemantics.TF_1_15).apply(new float[60],
                        SHAPE));
        assertTrue(axis.getMessage().contains("axis=4") && axis.getMessage().contains("[-4, 3]"), axis.getMessage());
        IllegalArgumentException list = assertThrows(IllegalArgumentException.class,
                () -> Constraints.fromConfig("UnitNorm", Map.of("axis", List.of()), KerasSemantics.TF_1_15));
        assertTrue(list.getMessage().contains("axis=[]"), list.getMessage());
        IllegalArgumentException minMax = assertThrows(IllegalArgumentException.class,
                () -> Constraints.fromConfig("MinMaxNorm", Map.of("min_value", 2, "max_value", 1), KerasSemantics.KERAS_2));
        assertTrue(minMax.getMessage().contains("min_value=2, max_value=1"), minMax.getMessage());
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> Constraints.fromConfig("NonNeg", Map.of("axis", 0), KerasSemantics.TF_1_15));
        assertTrue(key.getMessage().contains("'axis'"), key.getMessage());
    }
}
