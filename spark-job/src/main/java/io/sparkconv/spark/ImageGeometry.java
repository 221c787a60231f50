package io.sparkconv.spark;

import io.sparkconv.core.tensor.DataFormat;
import java.io.Serializable;

/** Height, width and channel count of one image, whatever the layout of its values. */
public record ImageGeometry(int height, int width, int channels) implements Serializable {

    /** From a 3-D shape in {@code format} order: (h, w, c) or (c, h, w). */
    public static ImageGeometry fromShape(int[] shape, DataFormat format) {
        return format == DataFormat.CHANNELS_LAST
                ? new ImageGeometry(shape[0], shape[1], shape[2])
                : new ImageGeometry(shape[1], shape[2], shape[0]);
    }

    /** The 3-D shape in {@code format} order. */
    public int[] shape(DataFormat format) {
        return format == DataFormat.CHANNELS_LAST
                ? new int[] {height, width, channels}
                : new int[] {channels, height, width};
    }

    /** The 4-D shape of a batch of one, in {@code format} order, as Conv2D.outputShape takes it. */
    public int[] batchShape(DataFormat format) {
        return format == DataFormat.CHANNELS_LAST
                ? new int[] {1, height, width, channels}
                : new int[] {1, channels, height, width};
    }

    /** The number of values (an int: Spark arrays and Java arrays are int-indexed). */
    public int size() {
        return Math.multiplyExact(Math.multiplyExact(height, width), channels);
    }

    @Override
    public String toString() {
        return "(height " + height + ", width " + width + ", channels " + channels + ")";
    }
}
