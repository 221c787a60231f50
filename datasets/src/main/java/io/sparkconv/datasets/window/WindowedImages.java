package io.sparkconv.datasets.window;

import io.sparkconv.datasets.DatasetException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;

/**
 * Opens large images for reading window by window: NPY (rows by seeking), TIFF/BigTIFF (only the tiles or
 * strips a window touches) and, up to a pixel limit, PNG/JPEG/BMP/GIF. The format comes from the extension.
 */
public final class WindowedImages {
    /**
     * Default largest PNG/JPEG/BMP/GIF accepted, in pixels (64 Mi, e.g. 8192 x 8192): these formats are decoded
     * from the start of the file for every window, so larger ones are refused with a message suggesting NPY or
     * tiled TIFF.
     */
    public static final long DEFAULT_MAX_DECODED_PIXELS = 1L << 26;

    private WindowedImages() {
    }

    /** The image's header facts (size, channels), read on the driver; a bad or missing file fails here. */
    public static ImageInfo describe(String path, long maxDecodedPixels) {
        try (ImageWindows w = open(path, maxDecodedPixels)) {
            return w.info();
        } catch (IOException e) {
            throw DatasetException.file(path, "cannot read the header: " + e.getMessage(), e);
        }
    }

    /**
     * Opens an image for window reads. A header problem is a {@link DatasetException} naming the file; so is a
     * PNG/JPEG/BMP/GIF of more than {@code maxDecodedPixels} pixels.
     */
    public static ImageWindows open(String path, long maxDecodedPixels) {
        WindowFormat format = WindowFormat.of(path);
        try {
            return switch (format) {
                case NPY -> NpyWindows.open(path);
                case TIFF, IMAGE -> ImageIoWindows.open(path, format, maxDecodedPixels);
            };
        } catch (NoSuchFileException e) {
            throw DatasetException.file(path, "no such file");
        } catch (IOException e) {
            throw DatasetException.file(path, "cannot open: " + e.getMessage(), e);
        }
    }

    /** A read region must lie inside the image and be non-empty (callers clip windows to the image first). */
    static void checkRegion(ImageInfo info, int row, int col, int rows, int cols) {
        if (row < 0 || col < 0 || rows < 1 || cols < 1 || (long) row + rows > info.height()
                || (long) col + cols > info.width()) {
            throw new IllegalArgumentException("region rows " + row + "+" + rows + ", cols " + col + "+" + cols
                    + " is not inside " + info.path() + " of shape " + info.shapeText());
        }
    }
}
