package io.sparkconv.core.activation;

import static io.sparkconv.core.activation.TfOracle.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.config.KerasSemantics;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceMax;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.TFloat32;

/**
 * Activations against TensorFlow's real CPU ops (TF Java), on random inputs and extremes.
 *
 * <p>Tolerances: ops that are pure float32 arithmetic (relu, relu6, leaky_relu, softsign, hard_sigmoid) must
 * match exactly. Ops built on exp/log/tanh allow 4e-6 relative (a few float ulp: TF evaluates them with
 * Eigen's polynomial approximations, we with correctly rounded double math) and no absolute slack, except:
 * elu/selu allow 1.2e-7 absolute (2 ulp of 1.0: a 1-ulp difference of exp(x) near 1 survives the subtraction
 * exp(x) - 1); gelu allows 2e-6 absolute (1 + erf(x) cancels for x << 0, exposing the few-ulp error of TF's
 * float erf approximation, times 0.5*|x| <= 6). Softmax sums in a different order, within 4e-6 relative.
 * The TF 1.15 forms that differ from today's kernels (selu with two multiplies, softplus with log(exp(x) + 1),
 * softmax dividing by the sum) are compared with the same formula built from TF ops.
 */
class ActivationsTfParityTest {

    private static TfOracle tf;
    private static float[] inputs;

    @BeforeAll
    static void open() {
        tf = TfOracle.open();
        SplittableRandom random = new SplittableRandom(20261129L);
        float[] extremes = {0f, -0f, 1e-30f, -1e-30f, 1e-8f, -1e-8f, 1e-3f, -1e-3f, 0.5f, -0.5f, 1f, -1f, 2.5f, -2.5f,
            3f, -3f, 6f, 13.9f, -13.9f, 14f, -14f, 15.95f, -15.95f, 18f, -18f, 20f, -20f, 30f, -30f, 87f, -87f, 88.7f,
            89f, -89f, 104f, -104f, 200f, -200f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        // No subnormal inputs: TF's CPU threads flush denormals to zero (FTZ/DAZ), a property of the runtime
        // rather than of the activation formulas, and the JVM has no such mode.
        inputs = new float[3000 + extremes.length];
        for (int i = 0; i < 3000; i++) {
            double scale = i % 3 == 0 ? 12 : (i % 3 == 1 ? 1 : 1e-3);
            inputs[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        System.arraycopy(extremes, 0, inputs, 3000, extremes.length);
    }

    @AfterAll
    static void close() {
        tf.close();
    }

    private static Operand<TFloat32> c(Ops o, double v) {
        return o.constant((float) v);
    }

    static Stream<Arguments> elementwise() {
        double exact = 0;
        double rel = 4e-6;
        double abs = 0;
        double expMinusOne = 1.2e-7;
        // x * f(x) where TF flushed a subnormal f(x) to zero: at most |x| * the smallest normal float.
        double flushedFactor = 1e3 * Float.MIN_NORMAL;
        BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> tf115Selu = (o, x) -> {
            Operand<TFloat32> e = o.nn.elu(x);
            return o.math.mul(o.select(o.math.greater(x, c(o, 0)), e, o.math.mul(e, c(o, 1.6732632423543772848170429916717))),
                    c(o, 1.0507009873554804934193349852946));
        };
        float threshold = (float) Math.log(Math.ulp(1.0f)) + 2f;
        BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> tf115Softplus = (o, x) -> {
            Operand<TFloat32> e = o.math.exp(x);
            return o.select(o.math.greater(x, c(o, -threshold)), x,
                    o.select(o.math.less(x, c(o, threshold)), e, o.math.log(o.math.add(e, c(o, 1)))));
        };
        BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> hardSigmoid2 = (o, x) ->
                o.clipByValue(o.math.add(o.math.mul(x, c(o, 0.2)), c(o, 0.5)), c(o, 0), c(o, 1));
        BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> hardSigmoid3 = (o, x) ->
                o.math.div(o.nn.relu6(o.math.add(x, c(o, 3))), c(o, 6));
        BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> silu = (o, x) -> o.math.mul(x, o.math.sigmoid(x));
        BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> gelu = (o, x) -> o.math.mul(o.math.mul(c(o, 0.5), x),
                o.math.add(c(o, 1), o.math.erf(o.math.div(x, c(o, 1.4142135623730951)))));
        BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> mish = (o, x) ->
                o.math.mul(x, o.math.tanh(o.math.softplus(x)));
        return Stream.of(
                Arguments.of("linear", KerasSemantics.TF_1_15, (BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>>) (o, x) -> x, exact, exact),
                Arguments.of("relu", KerasSemantics.TF_1_15, fn((o, x) -> o.nn.relu(x)), exact, exact),
                Arguments.of("elu", KerasSemantics.TF_1_15, fn((o, x) -> o.nn.elu(x)), rel, expMinusOne),
                Arguments.of("elu", KerasSemantics.KERAS_3, fn((o, x) -> o.nn.elu(x)), rel, expMinusOne),
                Arguments.of("selu", KerasSemantics.TF_1_15, tf115Selu, rel, expMinusOne),
                Arguments.of("selu", KerasSemantics.KERAS_2, fn((o, x) -> o.nn.selu(x)), rel, expMinusOne),
                Arguments.of("selu", KerasSemantics.KERAS_3, fn((o, x) -> o.nn.selu(x)), rel, expMinusOne),
                Arguments.of("softplus", KerasSemantics.TF_1_15, tf115Softplus, rel, abs),
                Arguments.of("softplus", KerasSemantics.KERAS_2, fn((o, x) -> o.math.softplus(x)), rel, abs),
                Arguments.of("softplus", KerasSemantics.KERAS_3, fn((o, x) -> o.math.softplus(x)), rel, abs),
                Arguments.of("softsign", KerasSemantics.TF_1_15, fn((o, x) -> o.nn.softsign(x)), exact, exact),
                Arguments.of("tanh", KerasSemantics.TF_1_15, fn((o, x) -> o.math.tanh(x)), rel, abs),
                Arguments.of("sigmoid", KerasSemantics.TF_1_15, fn((o, x) -> o.math.sigmoid(x)), rel, abs),
                Arguments.of("exponential", KerasSemantics.TF_1_15, fn((o, x) -> o.math.exp(x)), rel, abs),
                Arguments.of("hard_sigmoid", KerasSemantics.TF_1_15, hardSigmoid2, exact, exact),
                Arguments.of("hard_sigmoid", KerasSemantics.KERAS_2, hardSigmoid2, exact, exact),
                Arguments.of("hard_sigmoid", KerasSemantics.KERAS_3, hardSigmoid3, exact, exact),
                Arguments.of("swish", KerasSemantics.KERAS_2, silu, rel, flushedFactor),
                Arguments.of("silu", KerasSemantics.KERAS_3, silu, rel, flushedFactor),
                Arguments.of("gelu", KerasSemantics.KERAS_2, gelu, rel, 2e-6),
                Arguments.of("gelu", KerasSemantics.KERAS_3, gelu, rel, 2e-6),
                Arguments.of("mish", KerasSemantics.KERAS_2, mish, rel, flushedFactor),
                Arguments.of("mish", KerasSemantics.KERAS_3, mish, rel, flushedFactor),
                Arguments.of("relu6", KerasSemantics.KERAS_3, fn((o, x) -> o.nn.relu6(x)), exact, exact),
                Arguments.of("leaky_relu", KerasSemantics.KERAS_3,
                        fn((o, x) -> o.nn.leakyRelu(x, org.tensorflow.op.nn.LeakyRelu.alpha(0.2f))), exact, exact),
                Arguments.of("hard_silu", KerasSemantics.KERAS_3, fn((o, x) -> o.math.mul(x, hardSigmoid3.apply(o, x))),
                        exact, exact),
                Arguments.of("celu", KerasSemantics.KERAS_3, fn((o, x) -> o.math.add(o.math.maximum(x, c(o, 0)),
                        o.math.expm1(o.math.minimum(x, c(o, 0))))), rel, abs),
                Arguments.of("log_sigmoid", KerasSemantics.KERAS_3,
                        fn((o, x) -> o.math.neg(o.math.softplus(o.math.neg(x)))), rel, abs),
                Arguments.of("tanh_shrink", KerasSemantics.KERAS_3, fn((o, x) -> o.math.sub(x, o.math.tanh(x))), rel, 2e-7),
                Arguments.of("hard_tanh", KerasSemantics.KERAS_3, fn((o, x) -> o.clipByValue(x, c(o, -1), c(o, 1))),
                        exact, exact));
    }

    private static BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> fn(
            BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> f) {
        return f;
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("elementwise")
    void elementwiseMatchesTensorFlow(String name, KerasSemantics semantics,
            BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> graph, double rel, double abs) {
        float[] expected = tf.run(inputs, new int[] {inputs.length}, graph);
        Activation activation = Activations.get(name, semantics);
        assertTrue(activation.isElementwise());
        float[] actual = inputs.clone();
        activation.apply(actual, 0, actual.length, 1);
        assertClose(name + " " + semantics, inputs, expected, actual, rel, abs);
        // A sub-range is transformed and nothing else.
        float[] partial = inputs.clone();
        activation.apply(partial, 10, 5, 1);
        assertEquals(inputs[9], partial[9]);
        assertEquals(inputs[15], partial[15]);
    }

    /** Rows of a 4-D conv output (batch, h, w, c) with wide-ranging values, for the softmax family. */
    private static float[] logits(int n) {
        SplittableRandom random = new SplittableRandom(7);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((random.nextDouble() * 2 - 1) * (i % 5 == 0 ? 60 : 4));
        }
        return x;
    }

    @Test
    void tf115SoftmaxDividesByTheSum() {
        int[] shape = {2, 3, 4, 7};
        float[] x = logits(2 * 3 * 4 * 7);
        float[] expected = tf.run(x, shape, (o, t) -> {
            Operand<org.tensorflow.types.TInt32> axis = o.constant(-1);
            Operand<TFloat32> e = o.math.exp(o.math.sub(t, o.reduceMax(t, axis, ReduceMax.keepDims(true))));
            return o.math.div(e, o.reduceSum(e, axis, ReduceSum.keepDims(true)));
        });
        Activation softmax = Activations.get("softmax", KerasSemantics.TF_1_15);
        assertTrue(!softmax.isElementwise());
        float[] actual = x.clone();
        softmax.apply(actual, 0, actual.length, 7);
        assertClose("softmax TF 1.15", x, expected, actual, 4e-6, 1e-9);
    }

    @Test
    void keras2And3SoftmaxAndLogSoftmaxMatchTfNn() {
        int[] shape = {3, 2, 5, 6};
        float[] x = logits(3 * 2 * 5 * 6);
        float[] expected = tf.run(x, shape, (o, t) -> o.nn.softmax(t));
        for (KerasSemantics s : new KerasSemantics[] {KerasSemantics.KERAS_2, KerasSemantics.KERAS_3}) {
            float[] actual = x.clone();
            Activations.get("softmax", s).apply(actual, 0, actual.length, 6);
            assertClose("softmax " + s, x, expected, actual, 4e-6, 1e-9);
        }
        float[] expectedLog = tf.run(x, shape, (o, t) -> o.nn.logSoftmax(t));
        float[] actual = x.clone();
        Activations.get("log_softmax", KerasSemantics.KERAS_3).apply(actual, 0, actual.length, 6);
        assertClose("log_softmax", x, expectedLog, actual, 4e-6, 2e-6);
    }

    @Test
    void erfIsAccurate() {
        float[] x = new float[2001];
        for (int i = 0; i < x.length; i++) {
            x[i] = -6f + 12f * i / 2000f;
        }
        float[] expected = tf.run(x, new int[] {x.length}, (o, t) -> o.math.erf(t));
        float[] actual = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            actual[i] = (float) Erf.erf(x[i]);
        }
        // TF's float erf is a rational approximation good to a few ulp of 1.0; ours is accurate to ~1e-13.
        assertClose("erf", x, expected, actual, 0, 3e-7);
        // Known values to double precision.
        assertEquals(0.8427007929497149, Erf.erf(1.0), 1e-15);
        assertEquals(0.9999999845827421, Erf.erf(4.0), 1e-15);
        assertEquals(-0.9953222650189527, Erf.erf(-2.0), 1e-15);
        assertEquals(0.0, Erf.erf(0.0));
        assertEquals(1.0, Erf.erf(Double.POSITIVE_INFINITY));
    }
}
