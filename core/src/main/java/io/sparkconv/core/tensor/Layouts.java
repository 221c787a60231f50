package io.sparkconv.core.tensor;

/**
 * Transposes between the two image-batch layouts, {@code NCHW} (channels_first) and {@code NHWC}
 * (channels_last). Callers check bounds; these loops trust their arguments.
 */
public final class Layouts {

    private Layouts() {
    }

    /** Copies {@code batch} images of {@code (channels, height, width)} to {@code (height, width, channels)}. */
    public static void nchwToNhwc(float[] src, int srcOffset, float[] dst, int dstOffset,
                                  int batch, int channels, int height, int width) {
        transposeEach(src, srcOffset, dst, dstOffset, batch, channels, height * width);
    }

    /** Copies {@code batch} images of {@code (height, width, channels)} to {@code (channels, height, width)}. */
    public static void nhwcToNchw(float[] src, int srcOffset, float[] dst, int dstOffset,
                                  int batch, int channels, int height, int width) {
        transposeEach(src, srcOffset, dst, dstOffset, batch, height * width, channels);
    }

    /**
     * Transposes {@code batch} consecutive {@code (rows, cols)} matrices into {@code (cols, rows)} ones. The
     * source is read in order, one row at a time.
     */
    private static void transposeEach(float[] src, int srcOffset, float[] dst, int dstOffset,
                                      int batch, int rows, int cols) {
        int image = rows * cols;
        for (int n = 0; n < batch; n++) {
            int s = srcOffset + n * image;
            int d = dstOffset + n * image;
            for (int r = 0; r < rows; r++) {
                int sr = s + r * cols;
                for (int c = 0; c < cols; c++) {
                    dst[d + c * rows + r] = src[sr + c];
                }
            }
        }
    }

    /** A channels_first 4-D tensor as a new channels_last one. */
    public static FloatTensor toChannelsLast(FloatTensor nchw) {
        requireRank4(nchw);
        int n = nchw.dim(0), c = nchw.dim(1), h = nchw.dim(2), w = nchw.dim(3);
        return transposed(nchw, c, h * w, n, h, w, c);
    }

    /** A channels_last 4-D tensor as a new channels_first one. */
    public static FloatTensor toChannelsFirst(FloatTensor nhwc) {
        requireRank4(nhwc);
        int n = nhwc.dim(0), h = nhwc.dim(1), w = nhwc.dim(2), c = nhwc.dim(3);
        return transposed(nhwc, h * w, c, n, c, h, w);
    }

    /** A new tensor of {@code shape} holding each {@code (rows, cols)} image of {@code t} transposed. */
    private static FloatTensor transposed(FloatTensor t, int rows, int cols, int... shape) {
        FloatTensor out = FloatTensor.zeros(shape);
        transposeEach(t.data(), 0, out.data(), 0, shape[0], rows, cols);
        return out;
    }

    private static void requireRank4(FloatTensor t) {
        if (t.rank() != 4) {
            throw new IllegalArgumentException("expected a 4-D image batch, found shape "
                    + Shapes.format(t.shape()) + " (rank " + t.rank() + ")");
        }
    }
}
