package io.sparkconv.core.activation;

import io.sparkconv.core.config.VersionTables;
import io.sparkconv.core.config.KerasSemantics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras activations by name, for a given {@link KerasSemantics} (spec §4). Lookup is case-sensitive like Keras;
 * a name that does not exist in that version is rejected with the list of names that do.
 *
 * <p>All formulas are evaluated in float32 in the order TensorFlow evaluates them, where the order is visible in
 * the result (e.g. TF 1.15 selu multiplies by alpha and then by scale; TF 2 uses one precomputed product).
 * Transcendental functions are computed in double and rounded once, which is within the few ulp of TF's Eigen
 * approximations.
 */
public final class Activations {

    /** Python's float literals converted to float32, as TF does when it builds the constant. */
    static final float SELU_ALPHA = (float) 1.6732632423543772848170429916717;
    static final float SELU_SCALE = (float) 1.0507009873554804934193349852946;
    static final float SELU_SCALE_ALPHA = (float) 1.7580993408473768599402175208123;
    /** softplus_op.h: log(FLT_EPSILON) + 2, in float. */
    static final float SOFTPLUS_THRESHOLD = (float) Math.log(Math.ulp(1.0f)) + 2f;
    private static final float SQRT_2 = (float) 1.4142135623730951;

    private static final Map<String, Activation> TF_1_15 = new LinkedHashMap<>();
    private static final Map<String, Activation> KERAS_2 = new LinkedHashMap<>();
    private static final Map<String, Activation> KERAS_3 = new LinkedHashMap<>();
    /** Names that exist in Keras but cannot be a Conv2D activation here, with the reason. */
    private static final Map<String, String> KERAS_3_UNSUPPORTED = new LinkedHashMap<>();

    static {
        Activation linear = new Linear();
        Activation relu = new Relu();
        Activation elu = elementwise("elu", Activations::elu);
        Activation seluTf1 = elementwise("selu", x -> SELU_SCALE * (x > 0f ? x : SELU_ALPHA * elu(x)));
        Activation seluTf2 = elementwise("selu", x -> x < 0f ? SELU_SCALE_ALPHA * expMinusOne(x) : SELU_SCALE * x);
        Activation softplus = elementwise("softplus", Activations::softplus);
        Activation softplusLog1p = elementwise("softplus", Activations::softplusLog1p);
        Activation softsign = elementwise("softsign", x -> x / (Math.abs(x) + 1f));
        Activation tanh = elementwise("tanh", x -> (float) Math.tanh(x));
        Activation sigmoid = elementwise("sigmoid", Activations::sigmoid);
        Activation hardSigmoidLinear = elementwise("hard_sigmoid", Activations::hardSigmoidKeras2);
        Activation exponential = elementwise("exponential", x -> (float) Math.exp(x));
        Activation softmaxDivide = new Softmax("softmax", false);
        Activation softmaxReciprocal = new Softmax("softmax", true);
        for (Activation a : List.of(softmaxDivide, elu, seluTf1, softplus, softsign, relu, tanh, sigmoid,
                hardSigmoidLinear, exponential, linear)) {
            TF_1_15.put(a.kerasName(), a);
        }

        Activation swish = elementwise("swish", x -> x * sigmoid(x));
        Activation gelu = elementwise("gelu", Activations::gelu);
        Activation mish = elementwise("mish", x -> x * (float) Math.tanh(softplusLog1p(x)));
        for (Activation a : List.of(softmaxReciprocal, elu, seluTf2, softplusLog1p, softsign, swish, relu, gelu, tanh,
                sigmoid, exponential, hardSigmoidLinear, linear, mish)) {
            KERAS_2.put(a.kerasName(), a);
        }

        Activation silu = elementwise("silu", x -> x * sigmoid(x));
        Activation hardSigmoidRelu6 = elementwise("hard_sigmoid", Activations::hardSigmoidKeras3);
        Activation hardSilu = elementwise("hard_silu", x -> x * hardSigmoidKeras3(x));
        KERAS_3.put("relu", relu);
        KERAS_3.put("relu6", elementwise("relu6", x -> x != x ? x : Math.min(Math.max(x, 0f), 6f)));
        KERAS_3.put("elu", elu);
        KERAS_3.put("selu", seluTf2);
        KERAS_3.put("softplus", softplusLog1p);
        KERAS_3.put("softsign", softsign);
        KERAS_3.put("silu", silu);
        KERAS_3.put("swish", silu);
        KERAS_3.put("gelu", gelu);
        KERAS_3.put("tanh", tanh);
        KERAS_3.put("sigmoid", sigmoid);
        KERAS_3.put("exponential", exponential);
        KERAS_3.put("hard_sigmoid", hardSigmoidRelu6);
        KERAS_3.put("hard_silu", hardSilu);
        KERAS_3.put("hard_swish", hardSilu);
        KERAS_3.put("linear", linear);
        KERAS_3.put("mish", mish);
        KERAS_3.put("leaky_relu", elementwise("leaky_relu", x -> x > 0f ? x : 0.2f * x));
        KERAS_3.put("softmax", softmaxReciprocal);
        KERAS_3.put("log_softmax", new LogSoftmax());
        // 3.7
        KERAS_3.put("celu", elementwise("celu",
                x -> x != x ? x : Math.max(x, 0f) + (float) Math.expm1(Math.min(x, 0f))));
        KERAS_3.put("hard_shrink", elementwise("hard_shrink", x -> Math.abs(x) > 0.5f ? x : (x != x ? x : 0f)));
        KERAS_3.put("hard_tanh", elementwise("hard_tanh", x -> x != x ? x : Math.min(Math.max(x, -1f), 1f)));
        KERAS_3.put("log_sigmoid", elementwise("log_sigmoid", x -> -softplusLog1p(-x)));
        KERAS_3.put("soft_shrink", elementwise("soft_shrink",
                x -> x > 0.5f ? x - 0.5f : (x < -0.5f ? x + 0.5f : (x != x ? x : 0f))));
        KERAS_3.put("squareplus", elementwise("squareplus", x -> (x + (float) Math.sqrt(x * x + 4f)) / 2f));
        KERAS_3.put("tanh_shrink", elementwise("tanh_shrink", x -> x - (float) Math.tanh(x)));
        // 3.8
        KERAS_3.put("sparse_plus", elementwise("sparse_plus", Activations::sparsePlus));
        KERAS_3.put("sparsemax", new Sparsemax());
        // 3.10
        KERAS_3.put("sparse_sigmoid", elementwise("sparse_sigmoid",
                x -> x <= -1f ? 0f : (x >= 1f ? 1f : (x + 1f) / 2f)));
        KERAS_3_UNSUPPORTED.put("glu", "it halves the channel axis, so the layer would no longer output `filters` "
                + "channels");
        KERAS_3_UNSUPPORTED.put("threshold", "it needs extra positional arguments (threshold, default_value), so "
                + "Keras cannot use it as a string either");
    }

    private Activations() {
    }

    /** The identity, Keras' {@code linear}, which is also what {@code activation=None} means. */
    public static Activation linear() {
        return TF_1_15.get("linear");
    }

    /**
     * The activation called {@code name} in {@code semantics}. {@code null} gives {@code linear}, as
     * {@code activations.get(None)} does.
     *
     * @throws IllegalArgumentException for a name that version does not have, listing the names it has
     */
    public static Activation get(String name, KerasSemantics semantics) {
        Map<String, Activation> table = table(semantics);
        if (name == null) {
            return linear();
        }
        Activation found = table.get(name);
        if (found != null) {
            return found;
        }
        String reason = semantics.isKeras3() ? KERAS_3_UNSUPPORTED.get(name) : null;
        if (reason != null) {
            throw new IllegalArgumentException("activation='" + name + "' is not supported for a Conv2D layer: "
                    + reason + "; expected one of " + String.join(", ", table.keySet()));
        }
        throw new IllegalArgumentException("activation='" + name + "' is not a " + VersionTables.describe(semantics)
                + " activation (names are case-sensitive): expected one of " + String.join(", ", table.keySet())
                + " or None");
    }

    /** The names accepted for {@code semantics}, in Keras' order. */
    public static List<String> names(KerasSemantics semantics) {
        return Collections.unmodifiableList(new ArrayList<>(table(semantics).keySet()));
    }

    private static Map<String, Activation> table(KerasSemantics semantics) {
        return VersionTables.pick(semantics, TF_1_15, KERAS_2, KERAS_3);
    }

    // ---- float32 formulas -------------------------------------------------------------------------------

    static float relu(float x) {
        // TF's CPU cwiseMax(x, 0): NaN stays NaN and -0 becomes +0, exactly Math.max's float semantics. Branch-free
        // (C2 vectorizes the loop to vmaxps): the branchy form mispredicted on every sign change of random-signed
        // outputs and cost more than a small convolution itself.
        return Math.max(x, 0f);
    }

    /** exp(x) - 1 as two float ops: TF's Elu kernel does not use expm1. */
    static float expMinusOne(float x) {
        return (float) Math.exp(x) - 1f;
    }

    static float elu(float x) {
        return x > 0f ? x : expMinusOne(x);
    }

    static float softplus(float x) {
        if (x > -SOFTPLUS_THRESHOLD) {
            return x;
        }
        float e = (float) Math.exp(x);
        if (x < SOFTPLUS_THRESHOLD) {
            return e;
        }
        return (float) Math.log(e + 1f);
    }

    /**
     * The TF 2 softplus kernel (the runtime of Keras 2 and Keras 3): the same thresholds, but log1p(exp(x)) in
     * the middle range, which differs from TF 1.15's log(exp(x) + 1) for x below about -5.
     */
    static float softplusLog1p(float x) {
        if (x > -SOFTPLUS_THRESHOLD) {
            return x;
        }
        float e = (float) Math.exp(x);
        if (x < SOFTPLUS_THRESHOLD) {
            return e;
        }
        return (float) Math.log1p(e);
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    }

    /** TF 1.15 and Keras 2 {@code K.hard_sigmoid}: x*0.2 + 0.5 in float32, then clipped to [0, 1]. */
    static float hardSigmoidKeras2(float x) {
        float y = x * 0.2f + 0.5f;
        return y != y ? y : Math.min(Math.max(y, 0f), 1f);
    }

    /** Keras 3 {@code hard_sigmoid}: relu6(x + 3) / 6. */
    static float hardSigmoidKeras3(float x) {
        float y = x + 3f;
        return (y != y ? y : Math.min(Math.max(y, 0f), 6f)) / 6f;
    }

    /** Exact gelu as tf.nn.gelu(approximate=False): 0.5 * x * (1 + erf(x / sqrt(2))). */
    static float gelu(float x) {
        float erf = (float) Erf.erf(x / SQRT_2);
        return 0.5f * x * (1f + erf);
    }

    static float sparsePlus(float x) {
        if (x <= -1f) {
            return 0f;
        }
        if (x >= 1f) {
            return x;
        }
        float t = x + 1f;
        return t * t / 4f;
    }

    static Activation elementwise(String name, FloatOp op) {
        return new Elementwise(name, op);
    }

    /** A float32 function of one float32 value. */
    @FunctionalInterface
    interface FloatOp {
        float apply(float x);
    }

    /** An activation known by its Keras name, which is also its {@code toString}. */
    private abstract static class Named implements Activation {
        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public final String kerasName() {
            return name;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** An activation over the last axis (each output depends on its whole row). */
    private abstract static class AxisWise extends Named {
        AxisWise(String name) {
            super(name);
        }

        @Override
        public final boolean isElementwise() {
            return false;
        }
    }

    private static final class Elementwise extends Named {
        private final FloatOp op;

        Elementwise(String name, FloatOp op) {
            super(name);
            this.op = op;
        }

        @Override
        public void apply(float[] values, int offset, int length, int lastAxisSize) {
            for (int i = offset, end = offset + length; i < end; i++) {
                values[i] = op.apply(values[i]);
            }
        }
    }

    /** The identity: leaves the values alone (no pass over the output at all). */
    private static final class Linear extends Named {
        Linear() {
            super("linear");
        }

        @Override
        public void apply(float[] values, int offset, int length, int lastAxisSize) {
            // identity
        }
    }

    /** relu as its own loop: the most common activation should not pay for a shared, megamorphic call site. */
    private static final class Relu extends Named {
        Relu() {
            super("relu");
        }

        @Override
        public void apply(float[] values, int offset, int length, int lastAxisSize) {
            for (int i = offset, end = offset + length; i < end; i++) {
                values[i] = relu(values[i]);
            }
        }
    }

    /** Softmax over the last axis: TF 1.15 divides by the sum, tf.nn.softmax multiplies by its reciprocal. */
    private static final class Softmax extends AxisWise {
        private final boolean reciprocal;

        Softmax(String name, boolean reciprocal) {
            super(name);
            this.reciprocal = reciprocal;
        }

        @Override
        public void apply(float[] values, int offset, int length, int lastAxisSize) {
            for (int row = offset, end = offset + length; row < end; row += lastAxisSize) {
                float max = Float.NEGATIVE_INFINITY;
                for (int i = row; i < row + lastAxisSize; i++) {
                    max = Math.max(max, values[i]); // NaN-propagating, so a NaN row gives NaN everywhere
                }
                float sum = 0f;
                for (int i = row; i < row + lastAxisSize; i++) {
                    float e = (float) Math.exp(values[i] - max);
                    values[i] = e;
                    sum += e;
                }
                if (reciprocal) {
                    float inverse = 1f / sum;
                    for (int i = row; i < row + lastAxisSize; i++) {
                        values[i] = values[i] * inverse;
                    }
                } else {
                    for (int i = row; i < row + lastAxisSize; i++) {
                        values[i] = values[i] / sum;
                    }
                }
            }
        }

        @Override
        public String toString() {
            return kerasName() + (reciprocal ? " (reciprocal)" : " (divide)");
        }
    }

    /** tf.nn.log_softmax over the last axis: (x - max) - log(sum(exp(x - max))). */
    private static final class LogSoftmax extends AxisWise {
        LogSoftmax() {
            super("log_softmax");
        }

        @Override
        public void apply(float[] values, int offset, int length, int lastAxisSize) {
            for (int row = offset, end = offset + length; row < end; row += lastAxisSize) {
                float max = Float.NEGATIVE_INFINITY;
                for (int i = row; i < row + lastAxisSize; i++) {
                    max = values[i] != values[i] ? Float.NaN : Math.max(max, values[i]);
                }
                float sum = 0f;
                for (int i = row; i < row + lastAxisSize; i++) {
                    values[i] = values[i] - max;
                    sum += (float) Math.exp(values[i]);
                }
                float logSum = (float) Math.log(sum);
                for (int i = row; i < row + lastAxisSize; i++) {
                    values[i] = values[i] - logSum;
                }
            }
        }
    }

    /** Sparsemax over the last axis (Martins and Astudillo 2016), as Keras 3 computes it. */
    private static final class Sparsemax extends AxisWise {
        Sparsemax() {
            super("sparsemax");
        }

        @Override
        public void apply(float[] values, int offset, int length, int lastAxisSize) {
            float[] sorted = new float[lastAxisSize];
            for (int row = offset, end = offset + length; row < end; row += lastAxisSize) {
                System.arraycopy(values, row, sorted, 0, lastAxisSize);
                java.util.Arrays.sort(sorted);
                // Descending order: the support is the largest k with 1 + k*z_k > sum of the k largest.
                float cumulative = 0f;
                float supportSum = 0f;
                int support = 0;
                for (int k = 1; k <= lastAxisSize; k++) {
                    float z = sorted[lastAxisSize - k];
                    cumulative += z;
                    if (1f + k * z > cumulative) {
                        support = k;
                        supportSum = cumulative;
                    }
                }
                float tau = (supportSum - 1f) / support;
                for (int i = row; i < row + lastAxisSize; i++) {
                    values[i] = Math.max(values[i] - tau, 0f);
                }
            }
        }
    }
}
