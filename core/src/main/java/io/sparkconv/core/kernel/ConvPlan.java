package io.sparkconv.core.kernel;

import io.sparkconv.core.spec.ConvGeometry;

/**
 * A layer's convolution planned for one input geometry, in the manner of a oneDNN primitive: made once by
 * {@link ConvKernel#plan}, it holds the chosen {@link ConvPath}, the packed weights, the tap offset tables and
 * the exact sizes of its buffers, and then only executes. Immutable and shared by threads; each thread passes
 * its own {@link Workspace}.
 *
 * <p>Rows are output rows of a whole batch, numbered image after image ({@code n * outHeight + oh}), so a
 * call can compute a batch, one image, or a band of rows of one image (intra-task threads take parts of a
 * call that way). Input and output are NHWC; {@code in[inOffset..]} and {@code out[outOffset..]} are image 0
 * of the batch. Every output value of the rows is written (the output need not be cleared); the bias is added
 * after the sum, as TensorFlow's separate BiasAdd; no activation.
 */
public interface ConvPlan {

    /** What runs, by name, e.g. {@code "vector-512 register-blocked 3x8"} or {@code "scalar im2col"}. */
    String name();

    ConvPath path();

    ConvGeometry geometry();

    /** Fresh buffers for one thread, sized exactly for this plan (their size never depends on earlier calls). */
    Workspace newWorkspace();

    /** Computes output rows {@code [firstRow, endRow)} of the batch; trusts its arguments. */
    void execute(float[] in, int inOffset, float[] out, int outOffset, int firstRow, int endRow,
                 Workspace workspace);

    /** Computes {@code batch} whole images. */
    default void execute(float[] in, int inOffset, int batch, float[] out, int outOffset, Workspace workspace) {
        execute(in, inOffset, out, outOffset, 0, batch * geometry().outHeight(), workspace);
    }

    /** One thread's buffers for one plan: only the plan that made it knows what is inside. */
    interface Workspace {
    }
}
