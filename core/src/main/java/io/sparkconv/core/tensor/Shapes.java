package io.sparkconv.core.tensor;

/** Size arithmetic for tensor shapes; every product is overflow-checked because the data lives in one array. */
public final class Shapes {

    private Shapes() {
    }

    /**
     * The number of elements of a tensor with this shape. Every dimension must be non-negative, and the product
     * must fit in an {@code int} (one Java array).
     */
    public static int size(int... shape) {
        int size = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("shape " + format(shape) + " has a negative dimension "
                        + shape[i] + " at axis " + i + ": dimensions must be >= 0");
            }
            size = multiply(size, shape[i], shape);
        }
        return size;
    }

    /** {@code a * b}, or an error naming {@code shape} when it does not fit in an {@code int}. */
    public static int multiply(int a, int b, int[] shape) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + format(shape) + " has more than "
                    + Integer.MAX_VALUE + " elements, the most one Java array can hold", e);
        }
    }

    /** A readable form of a shape, Python style: {@code (2, 28, 28, 1)}. */
    public static String format(int... shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                s.append(", ");
            }
            s.append(shape[i]);
        }
        if (shape.length == 1) {
            s.append(',');
        }
        return s.append(')').toString();
    }
}
