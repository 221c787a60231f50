package io.sparkconv.bench;

import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * The peer: TensorFlow's own Conv2D op (oneDNN on x86) in a graph session with the kernel as a constant, the
 * input fed from one tensor made once, and the intra-op thread count set on the session. Per-session thread
 * pools need the environment variable {@code TF_OVERRIDE_GLOBAL_THREADPOOL=1} as well (set by run.sh); the
 * benchmark also runs each thread count in its own JVM, so a shared global pool could not mix them up.
 */
final class TensorFlowConv implements AutoCloseable {

    private final Graph graph;
    private final Session session;
    private final TFloat32 input;
    private final Placeholder<TFloat32> placeholder;
    private final Operand<TFloat32> conv;

    TensorFlowConv(Shape s, float[] in, float[] kernel, int threads) {
        graph = new Graph();
        Ops tf = Ops.create(graph);
        org.tensorflow.ndarray.Shape inShape =
                org.tensorflow.ndarray.Shape.of(s.batch, s.height, s.width, s.channels);
        placeholder = tf.placeholder(TFloat32.class, Placeholder.shape(inShape));
        Operand<TFloat32> filter = tf.constant(
                org.tensorflow.ndarray.Shape.of(s.kernelHeight, s.kernelWidth, s.channels, s.filters),
                DataBuffers.of(kernel, true, false));
        conv = tf.nn.conv2d(placeholder, filter, List.of(1L, (long) s.strideHeight, (long) s.strideWidth, 1L),
                s.same ? "SAME" : "VALID",
                Conv2d.dilations(List.of(1L, (long) s.dilationHeight, (long) s.dilationWidth, 1L)),
                Conv2d.dataFormat("NHWC"));
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(threads)
                .setInterOpParallelismThreads(1)
                .setUsePerSessionThreads(true)
                .build();
        session = new Session(graph, config);
        input = TFloat32.tensorOf(inShape, DataBuffers.of(in, true, false));
    }

    /** One forward pass; the output tensor stays native (no copy to the JVM heap) and is released at once. */
    void run() {
        try (Result r = session.runner().feed(placeholder, input).fetch(conv).run()) {
            if (r.size() != 1) {
                throw new IllegalStateException("TensorFlow returned " + r.size() + " outputs");
            }
        }
    }

    /** Copies the output of one pass into {@code out}; for the harness's agreement check, not timed. */
    void runInto(float[] out) {
        try (Result r = session.runner().feed(placeholder, input).fetch(conv).run()) {
            ((TFloat32) r.get(0)).copyTo(DataBuffers.of(out, false, false));
        }
    }

    @Override
    public void close() {
        input.close();
        session.close();
        graph.close();
    }
}
