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
        int plane = height * width;
        int image = plane * channels;
        for (int n = 0; n < batch; n++) {
            int s = srcOffset + n * image;
            int d = dstOffset + n * image;
            for (int c = 0; c < channels; c++) {
                int sc = s + c * plane;
                for (int p = 0; p < plane; p++) {
                    dst[d + p * channels + c] = src[sc + p];
                }
            }
        }
    }

    /** Copies {@code batch} images of {@code (height, width, channels)} to {@code (channels, height, width)}. */
    public static void nhwcToNchw(float[] src, int srcOffset, float[] dst, int dstOffset,
                                  int batch, int channels, int height, int width) {
        int plane = height * width;
        int image = plane * channels;
        for (int n = 0; n < batch; n++) {
            int s = srcOffset + n * image;
            int d = dstOffset + n * image;
            for (int p = 0; p < plane; p++) {
                int sp = s + p * channels;
                for (int c = 0; c < channels; c++) {
                    dst[d + c * plane + p] = src[sp + c];
                }
            }
        }
    }

    /** A channels_first 4-D tensor as a new channels_last one. */
    public static FloatTensor toChannelsLast(FloatTensor nchw) {
        requireRank4(nchw);
        int n = nchw.dim(0), c = nchw.dim(1), h = nchw.dim(2), w = nchw.dim(3);
        FloatTensor out = FloatTensor.zeros(n, h, w, c);
        nchwToNhwc(nchw.data(), 0, out.data(), 0, n, c, h, w);
        return out;
    }

    /** A channels_last 4-D tensor as a new channels_first one. */
    public static FloatTensor toChannelsFirst(FloatTensor nhwc) {
        requireRank4(nhwc);
        int n = nhwc.dim(0), h = nhwc.dim(1), w = nhwc.dim(2), c = nhwc.dim(3);
        FloatTensor out = FloatTensor.zeros(n, c, h, w);
        nhwcToNchw(nhwc.data(), 0, out.data(), 0, n, c, h, w);
        return out;
    }

    private static void requireRank4(FloatTensor t) {
        if (t.rank() != 4) {
            throw new IllegalArgumentException("expected a 4-D image batch, found shape "
                    + Shapes.format(t.shape()) + " (rank " + t.rank() + ")");
        }
    }
}
