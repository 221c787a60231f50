package io.sparkconv.spark;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.unsafe.Platform;

/**
 * One output tensor value ({@code struct<shape: array<int>, data: array<float> | binary>}) whose data is rewritten
 * for each row: an unsafe array (or a byte array) made once per image geometry and filled by one memory copy. A
 * new array per row would cost an allocation, its zeroing and a cold cache line for every output value, for a
 * value that Spark copies again at once (its unsafe projection, or the job's record conversion).
 */
final class OutputTensor {
    private final int size;
    private final boolean binary;
    /** array<float>: an unsafe array's header (element count, an all-clear null bitmap) and then the values. */
    private final byte[] bytes;
    private final long dataOffset;
    private final GenericInternalRow value;

    OutputTensor(int[] shape, int size, boolean binary) {
        this.size = size;
        this.binary = binary;
        int header = binary ? 0 : UnsafeArrayData.calculateHeaderPortionInBytes(size);
        this.bytes = new byte[Math.addExact(header, Math.multiplyExact(size, Float.BYTES))];
        this.dataOffset = Platform.BYTE_ARRAY_OFFSET + header;
        Object data;
        if (binary) {
            data = bytes;
        } else {
            Platform.putLong(bytes, Platform.BYTE_ARRAY_OFFSET, size);
            UnsafeArrayData array = new UnsafeArrayData();
            array.pointTo(bytes, Platform.BYTE_ARRAY_OFFSET, bytes.length);
            data = array;
        }
        this.value = new GenericInternalRow(new Object[] {UnsafeArrayData.fromPrimitiveArray(shape), data});
    }

    /** This value with data {@code source[offset..offset + size)}: as float32, little-endian when binary. */
    InternalRow set(float[] source, int offset) {
        if (!binary || ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            // Unsafe arrays hold floats in native order; binary tensors are little-endian by definition.
            Platform.copyMemory(source, Platform.FLOAT_ARRAY_OFFSET + (long) offset * Float.BYTES, bytes, dataOffset,
                    (long) size * Float.BYTES);
        } else {
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(source, offset, size);
        }
        return value;
    }
}
