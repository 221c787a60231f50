package io.sparkconv.datasets.window;

import io.sparkconv.datasets.DatasetException;
import java.util.Locale;

/** Formats a large image can be read from window by window, chosen by file extension. */
public enum WindowFormat {
    /** NumPy {@code .npy}, C order, shape (H, W, C), (1, H, W, C) or (H, W): rows read by seeking. */
    NPY,
    /** TIFF (tiled or in strips; JDK reader; uncompressed, LZW, Deflate, PackBits) and BigTIFF (tiled or in
     *  strips; uncompressed, LZW, Deflate): only the tiles or strips a window touches are decoded. */
    TIFF,
    /** PNG, JPEG, BMP, GIF through javax.imageio: decoded region by region, only up to a pixel limit, because
     *  these formats cannot be entered in the middle. */
    IMAGE;

    /** The format of a file by its extension, or a one-line error naming the file and the supported ones. */
    public static WindowFormat of(String path) {
        String name = path.toLowerCase(Locale.ROOT);
        if (name.endsWith(".npy")) {
            return NPY;
        }
        if (name.endsWith(".tif") || name.endsWith(".tiff")) {
            return TIFF;
        }
        if (name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".bmp")
                || name.endsWith(".gif")) {
            return IMAGE;
        }
        throw DatasetException.file(path, "cannot tell the image format from the file name: expected .npy, "
                + ".tif/.tiff, .png, .jpg/.jpeg, .bmp or .gif");
    }
}
