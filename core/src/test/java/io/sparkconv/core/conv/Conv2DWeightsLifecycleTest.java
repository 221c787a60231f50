package io.sparkconv.core.conv;

import io.sparkconv.core.config.KerasSemantics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.constraint.Constraints;
import io.sparkconv.core.initializer.Initializers;
import io.sparkconv.core.tensor.FloatTensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Conv2D's spec-owned operations: initializeWeights, the three regularization losses (spec §6) and
 * applyConstraints (spec §7.2). Expected values are computed here in double precision, independently of the
 * regularizer and constraint classes.
 */
class Conv2DWeightsLifecycleTest {

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return x;
    }

    private static double sumSquares(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return s;
    }

    private static double sumAbs(float[] x) {
        double s = 0;
        for (float v : x) {
            s += Math.abs((double) v);
        }
        return s;
    }

    @Test
    void initializeWeightsIsReproducibleAndShapedByGroups() {
        Conv2D a = Conv2D.builder(6, 3, 2).dataFormat("channels_last").groups(3).biasInitializer("ones").build();
        a.initializeWeights(9, 42L);
        assertArrayEquals(new int[] {3, 2, 3, 6}, a.kernelShape());
        assertEquals(9, a.inputChannels());
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, a.bias());
        // glorot_uniform over (3, 2, 3, 6): fan_in 18, fan_out 36.
        double limit = Math.sqrt(6.0 / (18 + 36));
        for (float v : a.kernel()) {
            assertTrue(Math.abs(v) <= limit, "outside glorot limit: " + v);
        }
        Conv2D b = Conv2D.builder(6, 3, 2).dataFormat("channels_last").groups(3).biasInitializer("ones").build();
        b.initializeWeights(9, 42L);
        assertArrayEquals(a.kernel(), b.kernel());
        b.initializeWeights(9, 43L);
        assertFalse(Arrays.equals(a.kernel(), b.kernel()));
        // An initializer's own seed wins over the layer seed.
        Conv2D seeded = Conv2D.builder(4, 3).dataFormat("channels_last")
                .kernelInitializer(Initializers.fromConfig("GlorotNormal", Map.of("seed", 5), KerasSemantics.TF_1_15))
                .build();
        seeded.initializeWeights(2, 1L);
        float[] first = seeded.kernel();
        seeded.initializeWeights(2, 2L);
        assertArrayEquals(first, seeded.kernel());
        // No bias without use_bias.
        Conv2D noBias = Conv2D.builder(4, 1).dataFormat("channels_last").useBias(false).build();
        noBias.initializeWeights(3, 0L);
        assertEquals(null, noBias.bias());
    }

    @Test
    void initializeWeightsRejectsWhatKerasRejects() {
        Conv2D identity = Conv2D.builder(4, 3).dataFormat("channels_last").kernelInitializer("identity").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> identity.initializeWeights(2, 0));
        assertTrue(e.getMessage().startsWith("kernel_initializer:") && e.getMessage().contains("2D matrices"),
                e.getMessage());
        Conv2D grouped = Conv2D.builder(4, 3).dataFormat("channels_last").groups(2).build();
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                () -> grouped.initializeWeights(3, 0));
        assertTrue(channels.getMessage().contains("inputChannels=3") && channels.getMessage().contains("groups=2"),
                channels.getMessage());
        assertThrows(IllegalArgumentException.class, () -> grouped.initializeWeights(0, 0));
    }

    @Test
    void weightPenaltiesAreNeverDivided() {
        Conv2D conv = Conv2D.builder(3, 2).dataFormat("channels_last").kernelRegularizer("l2").biasRegularizer("l1")
                .build();
        float[] kernel = random(2 * 2 * 4 * 3, 7);
        float[] bias = random(3, 8);
        conv.setWeights(kernel, bias);
        assertEquals(0.01f * sumSquares(kernel), conv.kernelRegularizationLoss(), 1e-6 * sumSquares(kernel));
        assertEquals(0.01f * sumAbs(bias), conv.biasRegularizationLoss(), 1e-7);
        Conv2D none = Conv2D.builder(3, 2).dataFormat("channels_last").build();
        none.setWeights(kernel, bias);
        assertEquals(0f, none.kernelRegularizationLoss());
        assertEquals(0f, none.biasRegularizationLoss());
        assertThrows(IllegalStateException.class, () -> Conv2D.builder(3, 2).dataFormat("channels_last")
                .kernelRegularizer("l2").build().kernelRegularizationLoss());
    }

    @Test
    void activityPenaltyIsDividedByTheBatchWhereTheVersionDivides() {
        float[] values = random(4 * 5 * 5 * 3, 9);
        FloatTensor output = new FloatTensor(values, 4, 5, 5, 3);
        double penalty = 0.01 * sumAbs(values) + 0.01 * sumSquares(values);
        Map<KerasSemantics, Double> expected = Map.of(
                KerasSemantics.TF_1_15, penalty / 4,
                KerasSemantics.KERAS_2, penalty / 4,
                KerasSemantics.KERAS_3, penalty,
                KerasSemantics.KERAS_3_14, penalty / 4);
        for (KerasSemantics s : KerasSemantics.values()) {
            Conv2D conv = Conv2D.builder(3, 3).dataFormat("channels_last").semantics(s)
                    .activityRegularizer(s.isKeras3() ? "L1L2" : "l1_l2").build();
            if (s.isKeras3()) { // Keras 3 has no 'l1_l2' string: the same factors explicitly.
                conv = Conv2D.builder(3, 3).dataFormat("channels_last").semantics(s)
                        .activityRegularizer(io.sparkconv.core.regularizer.Regularizers.fromConfig("L1L2",
                                Map.of("l1", 0.01, "l2", 0.01), s)).build();
            }
            assertEquals(expected.get(s), conv.activityRegularizationLoss(output), 1e-6 * penalty, s.toString());
        }
        // An empty batch: TF 1.15 divides plainly (0/0 = NaN), Keras 2 uses divide_no_nan (0).
        FloatTensor empty = new FloatTensor(new float[0], 0, 5, 5, 3);
        assertTrue(Float.isNaN(Conv2D.builder(3, 3).dataFormat("channels_last").activityRegularizer("l2").build()
                .activityRegularizationLoss(empty)));
        assertEquals(0f, Conv2D.builder(3, 3).dataFormat("channels_last").semantics(KerasSemantics.KERAS_2)
                .activityRegularizer("l2").build().activityRegularizationLoss(empty));
        assertEquals(0f, Conv2D.builder(3, 3).dataFormat("channels_last").build().activityRegularizationLoss(output));
    }

    @Test
    void activityPenaltyOfARealForwardPassUsesThePostActivationOutput() {
        Conv2D conv = Conv2D.builder(2, 3).dataFormat("channels_last").padding("same").activation("relu")
                .activityRegularizer("l1").build();
        conv.setWeights(random(3 * 3 * 2 * 2, 10), random(2, 11));
        FloatTensor y = conv.forward(new FloatTensor(random(2 * 4 * 4 * 2, 12), 2, 4, 4, 2));
        for (float v : y.data()) {
            assertTrue(v >= 0f);
        }
        assertEquals(0.01 * sumAbs(y.data()) / 2, conv.activityRegularizationLoss(y), 1e-6);
    }

    @Test
    void constraintsApplyOnlyOnRequest() {
        Conv2D conv = Conv2D.builder(2, 2).dataFormat("channels_last")
                .kernelConstraint(Constraints.fromConfig("MaxNorm", Map.of("max_value", 1, "axis", List.of(0, 1, 2)),
                        KerasSemantics.TF_1_15))
                .biasConstraint("non_neg").build();
        float[] kernel = random(2 * 2 * 3 * 2, 13);
        for (int i = 0; i < kernel.length; i++) {
            kernel[i] *= 3; // filter norms well above 1
        }
        float[] bias = {-0.5f, 0.25f};
        conv.setWeights(kernel, bias);
        FloatTensor x = new FloatTensor(random(27, 14), 1, 3, 3, 3);
        FloatTensor before = conv.forward(x);
        // The forward pass never projects: the weights are still the unconstrained ones.
        assertArrayEquals(kernel, conv.kernel());
        conv.applyConstraints();
        float[] constrained = conv.kernel();
        for (int f = 0; f < 2; f++) {
            double s = 0;
            double original = 0;
            for (int i = f; i < kernel.length; i += 2) {
                s += (double) constrained[i] * constrained[i];
                original += (double) kernel[i] * kernel[i];
            }
            assertEquals(1.0, Math.sqrt(s), 1e-5, "filter " + f + " norm after MaxNorm(1)");
            for (int i = f; i < kernel.length; i += 2) {
                assertEquals(kernel[i] / Math.sqrt(original), constrained[i], 1e-6);
            }
        }
        assertArrayEquals(new float[] {-0f, 0.25f}, conv.bias());
        FloatTensor after = conv.forward(x);
        assertFalse(Arrays.equals(before.data(), after.data()), "the forward pass uses the projected weights");
        // No constraints: nothing changes.
        Conv2D free = Conv2D.builder(2, 2).dataFormat("channels_last").build();
        free.setWeights(kernel, bias);
        free.applyConstraints();
        assertArrayEquals(kernel, free.kernel());
        assertArrayEquals(bias, free.bias());
    }

    /** Java API too: a huge initialized kernel is refused by the one weight limit before anything is allocated. */
    @Test
    void initializingAHugeKernelIsRefusedBeforeAllocating() {
        Conv2D huge = Conv2D.builder(500_000_000, 1, 1).useBias(false).build();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> huge.initializeWeights(3, 1));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("(1, 1, 3, 500000000) to initialize has "
                + "1500000000 elements, more than the limit of 268435456"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertFalse(huge.hasWeights());
    }
}
