package io.sparkconv.core.kernel;

import io.sparkconv.core.config.KerasSemantics;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.tensorflow.EagerSession;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceMax;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.nn.BiasAdd;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;

/**
 * TensorFlow's real ops (TensorFlow Java, eager mode, one session for the whole suite) computing what
 * tf.keras' Conv2D computes: {@code tf.nn.conv2d} (with dilations), {@code bias_add}, and the activation as TF
 * builds it for the layer's Keras version (spec §3.3, §4).
 *
 * <p>TF's CPU Conv2D only takes NHWC, so channels_first is computed as NHWC and transposed to NCHW before the
 * bias add (NCHW {@code BiasAdd} runs on CPU) and the activation, which therefore sees the final layout: softmax
 * works on the last axis, W. Grouped convolution is computed as one TF conv per group on that group's input
 * channels and filters, concatenated along channels (TF's CPU kernel rejects grouped convolution).
 */
public final class TfOracle implements AutoCloseable {

    /** TF-1.15 / Keras 2 / Keras 3 activation names this oracle can build from TF ops. */
    public static final Set<String> SUPPORTED = Set.of("linear", "relu", "elu", "selu", "softplus", "softsign", "tanh",
            "sigmoid", "hard_sigmoid", "exponential", "softmax", "swish", "silu", "gelu", "mish", "relu6",
            "leaky_relu", "hard_silu", "hard_swish", "log_softmax", "hard_tanh", "tanh_shrink", "celu",
            "log_sigmoid", "squareplus", "soft_shrink", "hard_shrink", "sparse_plus", "sparse_sigmoid");

    private final EagerSession session = EagerSession.create();
    private final Ops tf = Ops.create(session);

    /** One conv problem in TF's terms; arrays in C order, input NHWC, kernel (kh, kw, Cin/groups, F). */
    public record Problem(float[] input, int batch, int height, int width, int channels,
                   float[] kernel, int kh, int kw, int filters, int groups,
                   int sh, int sw, int dh, int dw, String padding, float[] bias,
                   boolean channelsFirst, String activation, KerasSemantics semantics) {
    }

    /** TF's output, and the magnitudes {@code sum|x*w| + |b|} of every output (for the tolerance). */
    public record Result(float[] output, float[] magnitude, long[] shape) {
    }

    public Result run(Problem p) {
        Operand<TFloat32> conv = conv(p, p.input, p.kernel);
        Operand<TFloat32> magnitude = conv(p, abs(p.input), abs(p.kernel));
        if (p.channelsFirst) {
            conv = tf.linalg.transpose(conv, tf.constant(new int[] {0, 3, 1, 2}));
            magnitude = tf.linalg.transpose(magnitude, tf.constant(new int[] {0, 3, 1, 2}));
        }
        BiasAdd.Options format = BiasAdd.dataFormat(p.channelsFirst ? "NCHW" : "NHWC");
        if (p.bias != null) {
            conv = tf.nn.biasAdd(conv, tf.constant(p.bias), format);
            magnitude = tf.nn.biasAdd(magnitude, tf.constant(abs(p.bias)), format);
        }
        Operand<TFloat32> out = activation(conv, p.activation, p.semantics);
        return new Result(read(out), read(magnitude), out.shape().asArray());
    }

    private Operand<TFloat32> conv(Problem p, float[] input, float[] kernel) {
        int cg = p.channels / p.groups, fg = p.filters / p.groups;
        List<Long> strides = List.of(1L, (long) p.sh, (long) p.sw, 1L);
        Conv2d.Options dilations = Conv2d.dilations(List.of(1L, (long) p.dh, (long) p.dw, 1L));
        List<Operand<TFloat32>> parts = new ArrayList<>();
        for (int g = 0; g < p.groups; g++) {
            float[] x = p.groups == 1 ? input : channels(input, p.channels, g * cg, cg);
            float[] k = p.groups == 1 ? kernel : channels(kernel, p.filters, g * fg, fg);
            Operand<TFloat32> xt = tf.constant(Shape.of(p.batch, p.height, p.width, cg), DataBuffers.of(x, true, false));
            Operand<TFloat32> kt = tf.constant(Shape.of(p.kh, p.kw, cg, fg), DataBuffers.of(k, true, false));
            parts.add(tf.nn.conv2d(xt, kt, strides, p.padding, dilations));
        }
        return p.groups == 1 ? parts.get(0) : tf.concat(parts, tf.constant(3));
    }

    /** The slice {@code [..., first, first + count)} of the last axis (of size {@code last}). */
    private static float[] channels(float[] values, int last, int first, int count) {
        int rows = values.length / last;
        float[] out = new float[rows * count];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(values, r * last + first, out, r * count, count);
        }
        return out;
    }

    private static float[] abs(float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Math.abs(values[i]);
        }
        return out;
    }

    private static float[] read(Operand<TFloat32> op) {
        TFloat32 t = op.asTensor();
        float[] out = new float[(int) t.shape().size()];
        t.copyTo(DataBuffers.of(out, false, false));
        return out;
    }

    private Operand<TFloat32> c(double v) {
        return tf.constant((float) v);                 // Python float literal -> float32 constant, as TF does
    }

    private Operand<TFloat32> activation(Operand<TFloat32> x, String name, KerasSemantics semantics) {
        boolean tf1 = semantics == KerasSemantics.TF_1_15;
        boolean keras3 = semantics == KerasSemantics.KERAS_3 || semantics.name().startsWith("KERAS_3");
        switch (name) {
            case "linear":
                return x;
            case "relu":
                return tf.nn.relu(x);
            case "elu":
                return tf.nn.elu(x);
            case "selu":
                if (tf1) {                              // scale * where(x > 0, elu(x), alpha * elu(x))
                    Operand<TFloat32> elu = tf.nn.elu(x);
                    Operand<TFloat32> scaled = tf.select(tf.math.greater(x, c(0)), elu,
                            tf.math.mul(c(1.6732632423543772848170429916717), elu));
                    return tf.math.mul(c(1.0507009873554804934193349852946), scaled);
                }
                return tf.nn.selu(x);
            case "softplus":
                return tf.math.softplus(x);
            case "softsign":
                return tf.nn.softsign(x);
            case "tanh":
                return tf.math.tanh(x);
            case "sigmoid":
                return tf.math.sigmoid(x);
            case "hard_sigmoid":
                if (keras3) {                           // x / 6 + 0.5, clipped
                    return tf.clipByValue(tf.math.add(tf.math.div(x, c(6)), c(0.5)), c(0), c(1));
                }
                return tf.clipByValue(tf.math.add(tf.math.mul(x, c(0.2)), c(0.5)), c(0), c(1));
            case "hard_silu":
            case "hard_swish":
                return tf.math.mul(x, activation(x, "hard_sigmoid", semantics));
            case "exponential":
                return tf.math.exp(x);
            case "softmax":
                if (tf1) {                              // activations.py: e = exp(x - max); e / sum(e), axis -1
                    Operand<TFloat32> e = tf.math.exp(tf.math.sub(x,
                            tf.reduceMax(x, tf.constant(-1), ReduceMax.keepDims(true))));
                    return tf.math.div(e, tf.reduceSum(e, tf.constant(-1), ReduceSum.keepDims(true)));
                }
                return tf.nn.softmax(x);
            case "log_softmax":
                return tf.nn.logSoftmax(x);
            case "swish":
            case "silu":
                return tf.math.mul(x, tf.math.sigmoid(x));
            case "gelu":                                // exact form: 0.5 x (1 + erf(x / sqrt 2))
                return tf.math.mul(tf.math.mul(c(0.5), x),
                        tf.math.add(c(1), tf.math.erf(tf.math.div(x, c(1.4142135623730951)))));
            case "mish":
                return tf.math.mul(x, tf.math.tanh(tf.math.softplus(x)));
            case "relu6":
                return tf.nn.relu6(x);
            case "leaky_relu":
                return tf.nn.leakyRelu(x, LeakyRelu.alpha(0.2f));
            case "hard_tanh":
                return tf.clipByValue(x, c(-1), c(1));
            case "tanh_shrink":
                return tf.math.sub(x, tf.math.tanh(x));
            case "celu":                                // max(x, 0) + expm1(min(x, 0))
                return tf.math.add(tf.math.maximum(x, c(0)), tf.math.expm1(tf.math.minimum(x, c(0))));
            case "log_sigmoid":
                return tf.math.neg(tf.math.softplus(tf.math.neg(x)));
            case "squareplus":
                return tf.math.div(tf.math.add(x, tf.math.sqrt(tf.math.add(tf.math.square(x), c(4)))), c(2));
            case "soft_shrink":
                return tf.select(tf.math.greater(x, c(0.5)), tf.math.sub(x, c(0.5)),
                        tf.select(tf.math.less(x, c(-0.5)), tf.math.add(x, c(0.5)), tf.zerosLike(x)));
            case "hard_shrink":
                return tf.select(tf.math.greater(tf.math.abs(x), c(0.5)), x, tf.zerosLike(x));
            case "sparse_plus":                          // 0 if x <= -1; (x+1)^2/4 if |x| < 1; x if x >= 1
                return tf.select(tf.math.lessEqual(x, c(-1)), tf.zerosLike(x),
                        tf.select(tf.math.greaterEqual(x, c(1)), x,
                                tf.math.div(tf.math.square(tf.math.add(x, c(1))), c(4))));
            case "sparse_sigmoid":
                return tf.select(tf.math.lessEqual(x, c(-1)), tf.zerosLike(x),
                        tf.select(tf.math.greaterEqual(x, c(1)), tf.onesLike(x),
                                tf.math.div(tf.math.add(x, c(1)), c(2))));
            default:
                throw new IllegalArgumentException("no TF reference for activation " + name);
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
