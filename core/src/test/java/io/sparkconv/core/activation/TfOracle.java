package io.sparkconv.core.activation;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.BiFunction;
import org.tensorflow.EagerSession;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Runs TensorFlow's real CPU ops eagerly through TensorFlow Java, as the oracle for float32 results. One
 * session per test class (open it in {@code @BeforeAll}, close it in {@code @AfterAll}).
 */
public final class TfOracle implements AutoCloseable {
    private final EagerSession session;
    private final Ops tf;

    private TfOracle() {
        session = EagerSession.create();
        tf = Ops.create(session);
    }

    public static TfOracle open() {
        return new TfOracle();
    }

    public Ops ops() {
        return tf;
    }

    /** A float32 constant of the given shape holding {@code values} (C order). */
    public Operand<TFloat32> constant(float[] values, int... shape) {
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
        }
        return tf.constant(Shape.of(dims), DataBuffers.of(values, true, false));
    }

    /** Evaluates {@code graph(tf, x)} on {@code x} of {@code shape} and returns the result's values (C order). */
    public float[] run(float[] x, int[] shape, BiFunction<Ops, Operand<TFloat32>, Operand<TFloat32>> graph) {
        Operand<TFloat32> result = graph.apply(tf, constant(x, shape));
        return values(result);
    }

    /** The values of an evaluated operand, C order. */
    public float[] values(Operand<TFloat32> operand) {
        TFloat32 t = operand.asTensor();
        float[] out = new float[(int) t.shape().size()];
        t.copyTo(DataBuffers.of(out, false, false));
        return out;
    }

    public float scalar(Operand<TFloat32> operand) {
        return values(operand)[0];
    }

    @Override
    public void close() {
        session.close();
    }

    /**
     * Asserts {@code |expected - actual| <= abs + rel * |expected|} element-wise, plus the smallest normal float
     * because TF's CPU threads flush subnormal results to zero (FTZ), which the JVM never does; NaN must meet
     * NaN and an infinity the same infinity.
     */
    public static void assertClose(String what, float[] inputs, float[] expected, float[] actual, double rel, double abs) {
        if (expected.length != actual.length) {
            fail(what + ": " + actual.length + " values, expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            boolean ok;
            if (Float.isNaN(e) || Float.isNaN(a)) {
                ok = Float.isNaN(e) && Float.isNaN(a);
            } else if (Float.isInfinite(e) || Float.isInfinite(a)) {
                ok = e == a;
            } else {
                ok = Math.abs((double) e - a) <= abs + rel * Math.abs(e) + Float.MIN_NORMAL;
            }
            if (!ok) {
                fail(what + ": at " + i + " (input " + (inputs == null ? "?" : inputs[i % inputs.length]) + ") TF gave "
                        + e + " but we gave " + a + " (tolerance rel " + rel + ", abs " + abs + ")");
            }
        }
    }
}
