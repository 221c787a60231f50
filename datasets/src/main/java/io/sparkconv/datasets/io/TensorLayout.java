package io.sparkconv.datasets.io;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.DatasetException;

import java.io.Serializable;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Where the records of a binary tensor file are and how to decode them: element type and byte order,
 * data offset, record count, per-record dimensions as stored, and the 3-D record shape handed out.
 * Built from a header once (on the driver) and checked: zero-sized dims, the per-record element limit,
 * overflow of every size.
 */
public final class TensorLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ElementType type;
    private final ByteOrder order;
    private final boolean fortranOrder;
    private final long dataOffset;
    private final long records;
    private final int[] storedDims;
    private final int[] recordShape;
    private final int recordElements;
    private final long recordBytes;

    private TensorLayout(ElementType type, ByteOrder order, boolean fortranOrder, long dataOffset, long records,
                         int[] storedDims, int[] recordShape, int recordElements, long recordBytes) {
        this.type = type;
        this.order = order;
        this.fortranOrder = fortranOrder;
        this.dataOffset = dataOffset;
        this.records = records;
        this.storedDims = storedDims;
        this.recordShape = recordShape;
        this.recordElements = recordElements;
        this.recordBytes = recordBytes;
    }

    /**
     * @param storedDims per-record dims as stored: 2 (H, W: one channel is added) or 3 (already in the layout
     *                   {@code format} says)
     */
    public static TensorLayout of(String source, ElementType type, ByteOrder order, boolean fortranOrder,
                                  long dataOffset, long records, long[] storedDims, DataFormat format,
                                  long maxElementsPerRecord) {
        return of(source, type, order, fortranOrder, dataOffset, records, storedDims, format, maxElementsPerRecord,
                "ReadOptions.maxElementsPerRecord");
    }

    /** As above; {@code limitHint} names what sets the element limit in the message of a refused record. */
    public static TensorLayout of(String source, ElementType type, ByteOrder order, boolean fortranOrder,
                                  long dataOffset, long records, long[] storedDims, DataFormat format,
                                  long maxElementsPerRecord, String limitHint) {
        if (storedDims.length != 2 && storedDims.length != 3) {
            throw new IllegalArgumentException("record dims must be 2-D or 3-D: " + Arrays.toString(storedDims));
        }
        int[] dims = new int[storedDims.length];
        long elements = 1;
        for (int i = 0; i < dims.length; i++) {
            long d = storedDims[i];
            if (d == 0) {
                throw DatasetException.file(source, "record dimensions " + Arrays.toString(storedDims)
                        + " include a zero-sized dimension: an image needs at least one element");
            }
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw DatasetException.file(source, "record dimension " + d + " in " + Arrays.toString(storedDims)
                        + " is out of range (1.." + Integer.MAX_VALUE + ")");
            }
            dims[i] = (int) d;
            elements = multiply(source, elements, d, storedDims);
        }
        if (elements > maxElementsPerRecord) {
            throw DatasetException.file(source, "a record of shape " + Arrays.toString(storedDims) + " has "
                    + elements + " elements, more than the limit of " + maxElementsPerRecord
                    + " per record (" + limitHint + ")");
        }
        if (elements > Integer.MAX_VALUE - 8) {
            throw DatasetException.file(source, "a record of shape " + Arrays.toString(storedDims) + " has "
                    + elements + " elements, more than a Java array holds");
        }
        long recordBytes = multiply(source, elements, type.size(), storedDims);
        multiply(source, recordBytes, records, storedDims);
        int[] shape;
        if (dims.length == 3) {
            shape = dims.clone();
        } else if (format == DataFormat.CHANNELS_LAST) {
            shape = new int[] {dims[0], dims[1], 1};
        } else {
            shape = new int[] {1, dims[0], dims[1]};
        }
        return new TensorLayout(type, order, fortranOrder, dataOffset, records, dims, shape, (int) elements,
                recordBytes);
    }

    private static long multiply(String source, long a, long b, long[] dims) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw DatasetException.file(source, "sizes of records of shape " + Arrays.toString(dims)
                    + " overflow 64 bits");
        }
    }

    public ElementType type() {
        return type;
    }

    public ByteOrder order() {
        return order;
    }

    public boolean fortranOrder() {
        return fortranOrder;
    }

    public long dataOffset() {
        return dataOffset;
    }

    public long records() {
        return records;
    }

    public int[] storedDims() {
        return storedDims.clone();
    }

    /** The 3-D shape of each record handed out. */
    public int[] recordShape() {
        return recordShape.clone();
    }

    public int recordElements() {
        return recordElements;
    }

    public long recordBytes() {
        return recordBytes;
    }

    /** Bytes of all records: {@code records * recordBytes} (checked when built). */
    public long dataBytes() {
        return records * recordBytes;
    }

    /** C-order index within a record of the element at Fortran-order position {@code f} of the stored dims. */
    int cIndexOfFortran(int f) {
        if (storedDims.length == 2) {
            int i = f % storedDims[0];
            int j = f / storedDims[0];
            return i * storedDims[1] + j;
        }
        int d0 = storedDims[0];
        int d1 = storedDims[1];
        int i = f % d0;
        int j = (f / d0) % d1;
        int k = f / (d0 * d1);
        return (i * d1 + j) * storedDims[2] + k;
    }
}
