package io.sparkconv.datasets.window;

import java.io.Closeable;
import java.io.IOException;

/**
 * One large image read a rectangle at a time, without loading the whole image: the input of tiled convolution.
 * Values are float32, channels-last. Open one with {@link WindowedImages#open}; not thread-safe.
 */
public interface ImageWindows extends Closeable {

    /** What the header says: size, channels and format. */
    ImageInfo info();

    /**
     * Reads rows {@code row..row+rows-1} and columns {@code col..col+cols-1} (inside the image) into {@code dst}:
     * pixel {@code (r, c)} of the rectangle goes to {@code dst[dstOffset + r * dstRowStride + c * channels ..]}.
     *
     * @throws IOException on a read error or a file that ends early; the message says where
     */
    void read(int row, int col, int rows, int cols, float[] dst, int dstOffset, int dstRowStride) throws IOException;
}
