package io.sparkconv.datasets;

import io.sparkconv.core.tensor.DataFormat;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One image tensor with its identity: the source it came from, its index within that source, and its place
 * in the input order ({@link #ordinal()}, a sort key over the whole input that the exporter uses).
 * The shape is 3-D, (height, width, channels) or (channels, height, width) as the data format the reader
 * was given says; data is float32 in C order. A plain final class (not a Java record) so that Kryo can
 * serialize it by field.
 */
public final class ImageRecord implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Label value of records whose format carries no label. */
    public static final int NO_LABEL = -1;

    private String source;
    private long index;
    private long ordinal;
    private int label;
    private int[] shape;
    private float[] data;

    /** For serializers only. */
    @SuppressWarnings("unused")
    private ImageRecord() {
    }

    public ImageRecord(String source, long index, long ordinal, int label, int[] shape, float[] data) {
        this.source = Objects.requireNonNull(source, "source");
        this.index = index;
        this.ordinal = ordinal;
        this.label = label;
        this.shape = Objects.requireNonNull(shape, "shape");
        this.data = Objects.requireNonNull(data, "data");
        if (shape.length != 3) {
            throw new IllegalArgumentException("an image record has a 3-D shape, got " + Arrays.toString(shape));
        }
        long n = (long) shape[0] * shape[1] * shape[2];
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " elements but data has " + data.length);
        }
    }

    public String source() {
        return source;
    }

    public long index() {
        return index;
    }

    /** Position of this record in the input order (sources in listing order, then index); not dense. */
    public long ordinal() {
        return ordinal;
    }

    /** Class label where the format has one (IDX with labels, CIFAR), else {@link #NO_LABEL}. */
    public int label() {
        return label;
    }

    /** The 3-D shape; do not modify. */
    public int[] shape() {
        return shape;
    }

    /** Float32 data in C order of {@link #shape()}; do not modify. */
    public float[] data() {
        return data;
    }

    public int height(DataFormat format) {
        return format == DataFormat.CHANNELS_LAST ? shape[0] : shape[1];
    }

    public int width(DataFormat format) {
        return format == DataFormat.CHANNELS_LAST ? shape[1] : shape[2];
    }

    public int channels(DataFormat format) {
        return format == DataFormat.CHANNELS_LAST ? shape[2] : shape[0];
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ImageRecord)) {
            return false;
        }
        ImageRecord r = (ImageRecord) o;
        return index == r.index && ordinal == r.ordinal && label == r.label && source.equals(r.source)
                && Arrays.equals(shape, r.shape) && Arrays.equals(data, r.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, index, ordinal, label, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return "ImageRecord{" + source + "[" + index + "], ordinal=" + ordinal + ", label=" + label
                + ", shape=" + Arrays.toString(shape) + "}";
    }
}
