package io.sparkconv.spark.ml;

import java.util.List;
import scala.collection.Iterator;
import scala.collection.mutable.ArraySeq;

/**
 * Reads and writes the values of array columns in the external Row form. A Row built by Spark's deserializer
 * holds a Scala {@code Seq}; a Row coming straight from another typed operation (Spark removes the serialize and
 * deserialize pair between two mapPartitions) holds whatever that operation put there. Both are accepted, and
 * the primitive-backed forms are read without boxing.
 */
final class ArrayValues {
    private ArrayValues() {
    }

    /** A float array as a Row value: a Scala Seq over the array, no copy. */
    static ArraySeq<Object> wrap(float[] values) {
        return ArraySeq.make(values);
    }

    /** An int array as a Row value: a Scala Seq over the array, no copy. */
    static ArraySeq<Object> wrap(int[] values) {
        return ArraySeq.make(values);
    }

    /** The number of elements of an array value. */
    static int size(Object value) {
        if (value instanceof scala.collection.Seq<?> seq) {
            return seq.length();
        }
        if (value instanceof List<?> list) {
            return list.size();
        }
        return java.lang.reflect.Array.getLength(value);
    }

    /** True when a boxed array value holds a null element. */
    static boolean containsNull(Object value) {
        if (value instanceof ArraySeq.ofFloat || value instanceof ArraySeq.ofDouble || value instanceof ArraySeq.ofInt
                || value.getClass().isArray() && value.getClass().getComponentType().isPrimitive()) {
            return false;
        }
        if (value instanceof scala.collection.Seq<?> seq) {
            return seq.contains(null);
        }
        if (value instanceof List<?> list) {
            return list.contains(null);
        }
        for (Object element : (Object[]) value) {
            if (element == null) {
                return true;
            }
        }
        return false;
    }

    /** Copies the elements of a numeric array value to {@code target[offset..]} as floats. */
    static void copyFloats(Object value, float[] target, int offset) {
        if (value instanceof ArraySeq.ofFloat floats) {
            System.arraycopy(floats.array(), 0, target, offset, floats.length());
        } else if (value instanceof float[] floats) {
            System.arraycopy(floats, 0, target, offset, floats.length);
        } else if (value instanceof ArraySeq.ofDouble doubles) {
            copyDoubles(doubles.array(), target, offset);
        } else if (value instanceof double[] doubles) {
            copyDoubles(doubles, target, offset);
        } else if (value instanceof scala.collection.Seq<?> seq) {
            Iterator<?> elements = seq.iterator();
            for (int i = offset; elements.hasNext(); i++) {
                target[i] = ((Number) elements.next()).floatValue();
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0, n = list.size(); i < n; i++) {
                target[offset + i] = ((Number) list.get(i)).floatValue();
            }
        } else {
            Object[] elements = (Object[]) value;
            for (int i = 0; i < elements.length; i++) {
                target[offset + i] = ((Number) elements[i]).floatValue();
            }
        }
    }

    static void copyDoubles(double[] values, float[] target, int offset) {
        for (int i = 0; i < values.length; i++) {
            target[offset + i] = (float) values[i];
        }
    }

    /** The elements of an int array value. */
    static int[] toInts(Object value) {
        if (value instanceof ArraySeq.ofInt ints) {
            return ints.array().clone();
        }
        if (value instanceof int[] ints) {
            return ints.clone();
        }
        int[] result = new int[size(value)];
        if (value instanceof scala.collection.Seq<?> seq) {
            Iterator<?> elements = seq.iterator();
            for (int i = 0; elements.hasNext(); i++) {
                result[i] = ((Number) elements.next()).intValue();
            }
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < result.length; i++) {
                result[i] = ((Number) list.get(i)).intValue();
            }
        } else {
            Object[] elements = (Object[]) value;
            for (int i = 0; i < result.length; i++) {
                result[i] = ((Number) elements[i]).intValue();
            }
        }
        return result;
    }
}
