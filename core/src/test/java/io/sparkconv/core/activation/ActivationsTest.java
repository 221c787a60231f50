package io.sparkconv.core.activation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.config.KerasSemantics;
import org.junit.jupiter.api.Test;

/** Hand-computed values for the version-specific formulas and the name tables of spec §4. */
class ActivationsTest {

    private static float[] apply(String name, KerasSemantics s, int lastAxis, float... x) {
        float[] y = x.clone();
        Activations.get(name, s).apply(y, 0, y.length, lastAxis);
        return y;
    }

    @Test
    void hardSigmoidIsLinearInTf115AndKeras2ButRelu6BasedInKeras3() {
        // The Keras 2 docstring example: [-3, -1, 0, 1, 3] -> [0, 0.3, 0.5, 0.7, 1].
        float[] keras2 = {0f, -1f * 0.2f + 0.5f, 0.5f, 0.2f + 0.5f, 1f};
        assertArrayEquals(keras2, apply("hard_sigmoid", KerasSemantics.TF_1_15, 1, -3f, -1f, 0f, 1f, 3f));
        assertArrayEquals(keras2, apply("hard_sigmoid", KerasSemantics.KERAS_2, 1, -3f, -1f, 0f, 1f, 3f));
        assertEquals(0.3f, keras2[1], 1e-7f);
        // Keras 3: relu6(x + 3) / 6, slope 1/6, saturating at +-3 instead of +-2.5.
        float[] keras3 = apply("hard_sigmoid", KerasSemantics.KERAS_3, 1, -3f, -1f, 0f, 1f, 2.5f, 3f);
        assertArrayEquals(new float[] {0f, 2f / 6f, 0.5f, 4f / 6f, 5.5f / 6f, 1f}, keras3);
        assertEquals(1f, apply("hard_sigmoid", KerasSemantics.TF_1_15, 1, 2.5f)[0]);
        assertEquals(0.9166667f, apply("hard_sigmoid", KerasSemantics.KERAS_3, 1, 2.5f)[0], 1e-7f);
        assertArrayEquals(new float[] {2.5f * (5.5f / 6f)}, apply("hard_silu", KerasSemantics.KERAS_3, 1, 2.5f));
    }

    @Test
    void seluRoundingDiffersBetweenTf115AndTf2() {
        // TF 1.15: scale * (alpha * (exp(x) - 1)) with two float multiplies; TF 2: scale_alpha * (exp(x) - 1).
        int differing = 0;
        for (int i = 1; i <= 2000; i++) {
            float x = -i / 200f;
            float em1 = (float) Math.exp(x) - 1f;
            float tf1 = apply("selu", KerasSemantics.TF_1_15, 1, x)[0];
            float tf2 = apply("selu", KerasSemantics.KERAS_2, 1, x)[0];
            assertEquals(Activations.SELU_SCALE * (Activations.SELU_ALPHA * em1), tf1);
            assertEquals(Activations.SELU_SCALE_ALPHA * em1, tf2);
            differing += tf1 != tf2 ? 1 : 0;
        }
        assertTrue(differing > 0, "the two selu forms should differ in the last ulp for some inputs");
        assertEquals(1.0507009873554805 * 2, apply("selu", KerasSemantics.TF_1_15, 1, 2f)[0], 1e-6);
        assertEquals(1.6732632423543772 * 1.0507009873554805 * (Math.exp(-1) - 1),
                apply("selu", KerasSemantics.KERAS_3, 1, -1f)[0], 1e-6);
    }

    @Test
    void geluIsTheExactErfForm() {
        assertEquals(0.8413447460685429, apply("gelu", KerasSemantics.KERAS_2, 1, 1f)[0], 1e-7);
        assertEquals(-0.15865525393145707, apply("gelu", KerasSemantics.KERAS_3, 1, -1f)[0], 1e-7);
        // The tanh approximation would give 0.841192 at x = 1: far from what the string means.
        assertNotEquals(0.841192f, apply("gelu", KerasSemantics.KERAS_3, 1, 1f)[0], 1e-5f);
        assertEquals(0f, apply("gelu", KerasSemantics.KERAS_3, 1, 0f)[0]);
        assertEquals(3f, apply("gelu", KerasSemantics.KERAS_3, 1, 3f)[0], 0.005f);
    }

    @Test
    void softplusTf115UsesLogOfExpPlusOneAndLaterKerasLog1p() {
        float x = -10f;
        float e = (float) Math.exp(x);
        assertEquals((float) Math.log(e + 1f), apply("softplus", KerasSemantics.TF_1_15, 1, x)[0]);
        assertEquals((float) Math.log1p(e), apply("softplus", KerasSemantics.KERAS_2, 1, x)[0]);
        // Thresholds log(FLT_EPSILON) + 2 = -13.942385: beyond them x itself, or exp(x).
        assertEquals(-13.942385f, Activations.SOFTPLUS_THRESHOLD, 1e-6f);
        assertEquals(20f, apply("softplus", KerasSemantics.TF_1_15, 1, 20f)[0]);
        assertEquals((float) Math.exp(-20f), apply("softplus", KerasSemantics.KERAS_3, 1, -20f)[0]);
    }

    @Test
    void softmaxWorksRowByRowOverTheLastAxis() {
        float[] y = apply("softmax", KerasSemantics.TF_1_15, 3, 1f, 2f, 3f, 5f, 5f, 5f);
        double s = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.exp(1) / s, y[0], 1e-7);
        assertEquals(Math.exp(2) / s, y[1], 1e-7);
        assertEquals(Math.exp(3) / s, y[2], 1e-7);
        assertArrayEquals(new float[] {1f / 3f, 1f / 3f, 1f / 3f}, java.util.Arrays.copyOfRange(y, 3, 6), 1e-7f);
        // Huge logits do not overflow thanks to the max shift.
        float[] big = apply("softmax", KerasSemantics.KERAS_3, 2, 1000f, 1000f);
        assertArrayEquals(new float[] {0.5f, 0.5f}, big);
        assertFalse(Activations.get("softmax", KerasSemantics.KERAS_2).isElementwise());
        float[] logSoftmax = apply("log_softmax", KerasSemantics.KERAS_3, 2, 0f, 0f);
        assertArrayEquals(new float[] {(float) -Math.log(2), (float) -Math.log(2)}, logSoftmax, 1e-7f);
    }

    @Test
    void keras3PiecewiseActivations() {
        assertArrayEquals(new float[] {0f, 0.6f, -0.6f}, apply("hard_shrink", KerasSemantics.KERAS_3, 1, 0.4f, 0.6f, -0.6f));
        assertArrayEquals(new float[] {0.7f - 0.5f, -0.7f + 0.5f, 0f},
                apply("soft_shrink", KerasSemantics.KERAS_3, 1, 0.7f, -0.7f, 0.3f));
        assertArrayEquals(new float[] {1f, 2f}, apply("squareplus", KerasSemantics.KERAS_3, 1, 0f, 1.5f));
        assertArrayEquals(new float[] {0f, 0.25f, 0.5625f, 2f},
                apply("sparse_plus", KerasSemantics.KERAS_3, 1, -2f, 0f, 0.5f, 2f));
        assertArrayEquals(new float[] {0f, 0.5f, 0.75f, 1f},
                apply("sparse_sigmoid", KerasSemantics.KERAS_3, 1, -2f, 0f, 0.5f, 3f));
        assertArrayEquals(new float[] {-0.63212055f, 2f}, apply("celu", KerasSemantics.KERAS_3, 1, -1f, 2f), 1e-7f);
        assertArrayEquals(new float[] {-1f, 0.5f, 1f}, apply("hard_tanh", KerasSemantics.KERAS_3, 1, -4f, 0.5f, 7f));
        assertArrayEquals(new float[] {0f, 6f, 3f}, apply("relu6", KerasSemantics.KERAS_3, 1, -1f, 9f, 3f));
        assertArrayEquals(new float[] {-0.2f * 5f, 5f}, apply("leaky_relu", KerasSemantics.KERAS_3, 1, -5f, 5f));
        // sparsemax of (0.1, 1.1, 0.2): support {1.1, 0.2}, tau = 0.15.
        assertArrayEquals(new float[] {0f, 0.95f, 0.05f}, apply("sparsemax", KerasSemantics.KERAS_3, 3, 0.1f, 1.1f, 0.2f),
                1e-6f);
    }

    @Test
    void reluIsTensorFlowsMaxWithZero() {
        float[] y = apply("relu", KerasSemantics.TF_1_15, 1, -3f, 2.5f, -0.0f, 0f, Float.NEGATIVE_INFINITY,
                Float.MAX_VALUE);
        assertArrayEquals(new float[] {0f, 2.5f, 0f, 0f, 0f, Float.MAX_VALUE}, y);
        assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(y[2]), "relu(-0) is +0");
    }

    @Test
    void nanPropagates() {
        for (KerasSemantics s : KerasSemantics.values()) {
            for (String name : Activations.names(s)) {
                float[] y = apply(name, s, 1, Float.NaN);
                assertTrue(Float.isNaN(y[0]), name + " " + s + " turned NaN into " + y[0]);
            }
        }
    }

    @Test
    void nameTablesPerSemantics() {
        assertEquals(java.util.List.of("softmax", "elu", "selu", "softplus", "softsign", "relu", "tanh", "sigmoid",
                "hard_sigmoid", "exponential", "linear"), Activations.names(KerasSemantics.TF_1_15));
        assertTrue(Activations.names(KerasSemantics.KERAS_2).containsAll(java.util.List.of("swish", "gelu", "mish")));
        assertTrue(Activations.names(KerasSemantics.KERAS_3_14).containsAll(java.util.List.of("silu", "swish",
                "relu6", "leaky_relu", "hard_silu", "hard_swish", "celu", "sparsemax", "sparse_sigmoid")));
        assertEquals("silu", Activations.get("swish", KerasSemantics.KERAS_3).kerasName());
        assertEquals("hard_silu", Activations.get("hard_swish", KerasSemantics.KERAS_3).kerasName());
        assertEquals("linear", Activations.get(null, KerasSemantics.TF_1_15).kerasName());
        IllegalArgumentException relu6 = assertThrows(IllegalArgumentException.class,
                () -> Activations.get("relu6", KerasSemantics.TF_1_15));
        assertTrue(relu6.getMessage().contains("activation='relu6' is not a TF 1.15 tf.keras activation")
                && relu6.getMessage().contains("hard_sigmoid"), relu6.getMessage());
        IllegalArgumentException glu = assertThrows(IllegalArgumentException.class,
                () -> Activations.get("glu", KerasSemantics.KERAS_3));
        assertTrue(glu.getMessage().contains("activation='glu'") && glu.getMessage().contains("channel"), glu.getMessage());
        IllegalArgumentException threshold = assertThrows(IllegalArgumentException.class,
                () -> Activations.get("threshold", KerasSemantics.KERAS_3));
        assertTrue(threshold.getMessage().contains("positional arguments"), threshold.getMessage());
        IllegalArgumentException get = assertThrows(IllegalArgumentException.class,
                () -> Activations.get("get", KerasSemantics.TF_1_15));
        assertTrue(get.getMessage().contains("'get'"), get.getMessage());
    }
}
