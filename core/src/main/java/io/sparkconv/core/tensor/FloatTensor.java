package io.sparkconv.core.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense float32 tensor: a shape and its values in C (row-major) order. The data array is shared, not copied:
 * the tensor is a view of it, so callers can fill or read it without a copy.
 */
public final class FloatTensor {

    private final int[] shape;
    private final float[] data;

    /** A tensor over {@code data}, which must hold exactly {@code product(shape)} values. */
    public FloatTensor(float[] data, int... shape) {
        Objects.requireNonNull(data, "data");
        int size = Shapes.size(shape);
        if (data.length != size) {
            throw new IllegalArgumentException("a tensor of shape " + Shapes.format(shape) + " needs " + size
                    + " values but the data array has " + data.length);
        }
        this.shape = shape.clone();
        this.data = data;
    }

    /** A zero-filled tensor of this shape. */
    public static FloatTensor zeros(int... shape) {
        return new FloatTensor(new float[Shapes.size(shape)], shape);
    }

    /** The shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** The size of one axis. */
    public int dim(int axis) {
        return shape[axis];
    }

    /** The values in C order; the array itself, not a copy. */
    public float[] data() {
        return data;
    }

    public int size() {
        return data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatTensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "FloatTensor" + Shapes.format(shape);
    }
}
