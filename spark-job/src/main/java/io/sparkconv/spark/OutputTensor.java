package io.sparkconv.spark;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.unsafe.Platform;

/**
 * One output tensor value ({@code struct<shape: array<int>, data: array<float> | binary>}) whose data is rewritten
 * for each row, made once per image geometry. An {@code array<float>} tensor is an unsafe array laid over a
 * {@code float[]}: its header (element count, an all-clear null bitmap) and then the values, which the kernel
 * writes in place ({@link #values()}, {@link #valuesIndex()}), so an output value is written once before Spark
 * copies it. A binary tensor is a reused byte array filled by one copy ({@link #set}). A new array per row would
 * cost an allocation, its zeroing and a cold cache line for every output value, for a value that Spark copies
 * again at once (its unsafe projection, or the job's record conversion).
 */
final class OutputTensor {
    private final int size;
    /** array<float>: the unsafe array's memory; null when binary. */
    private final float[] floats;
    /** Index in {@link #floats} of the first value: the header's length in floats (it is a multiple of 8 bytes). */
    private final int valuesIndex;
    /** binary: float32 little-endian; null for array<float>. */
    private final byte[] bytes;
    private final GenericInternalRow value;

    OutputTensor(int[] shape, int size, boolean binary) {
        this.size = size;
        Object data;
        if (binary) {
            this.floats = null;
            this.valuesIndex = 0;
            this.bytes = new byte[Math.multiplyExact(size, Float.BYTES)];
            data = bytes;
        } else {
            this.bytes = null;
            this.valuesIndex = UnsafeArrayData.calculateHeaderPortionInBytes(size) / Float.BYTES;
            this.floats = new float[Math.addExact(valuesIndex, size)];
            Platform.putLong(floats, Platform.FLOAT_ARRAY_OFFSET, size);
            UnsafeArrayData array = new UnsafeArrayData();
            array.pointTo(floats, Platform.FLOAT_ARRAY_OFFSET, Math.multiplyExact(floats.length, Float.BYTES));
            data = array;
        }
        this.value = new GenericInternalRow(new Object[] {UnsafeArrayData.fromPrimitiveArray(shape), data});
    }

    /** The array whose {@code size} floats from {@link #valuesIndex()} are an array tensor's data; null if binary. */
    float[] values() {
        return floats;
    }

    int valuesIndex() {
        return valuesIndex;
    }

    /** The value, with whatever data was last written into {@link #values()} or by {@link #set}. */
    InternalRow value() {
        return value;
    }

    /** This value with data {@code source[offset..offset + size)}: as float32, little-endian when binary. */
    InternalRow set(float[] source, int offset) {
        if (floats != null) {
            System.arraycopy(source, offset, floats, valuesIndex, size);
        } else if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            // Binary tensors are little-endian by definition.
            Platform.copyMemory(source, Platform.FLOAT_ARRAY_OFFSET + (long) offset * Float.BYTES, bytes,
                    Platform.BYTE_ARRAY_OFFSET, (long) size * Float.BYTES);
        } else {
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(source, offset, size);
        }
        return value;
    }
}
