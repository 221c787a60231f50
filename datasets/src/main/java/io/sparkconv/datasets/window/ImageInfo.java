package io.sparkconv.datasets.window;

import java.io.Serializable;

/**
 * A large image's header facts, read once on the driver: the path, the format, and its size as
 * {@code (height, width, channels)}. Serializable, so tasks can reopen the file.
 */
public record ImageInfo(String path, WindowFormat format, int height, int width, int channels)
        implements Serializable {

    /** Pixels of the image. */
    public long pixels() {
        return (long) height * width;
    }

    /** The shape as shown in messages, e.g. {@code (3000, 2000, 3)}. */
    public String shapeText() {
        return "(" + height + ", " + width + ", " + channels + ")";
    }
}
