package io.sparkconv.spark;

import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.spark.TensorRows;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Records of the file readers as Spark internal rows of {@link TensorRows#SCHEMA} (source, index, ordinal, label,
 * tensor) and back, so that file inputs go through the same {@link RowConvolver} as tables: one memory copy of
 * the values each way, no boxing.
 */
public final class RecordRows {
    /** The position of the tensor struct in {@link TensorRows#SCHEMA}. */
    public static final int TENSOR_FIELD = TensorRows.SCHEMA.fieldIndex(TensorRows.TENSOR);

    private RecordRows() {
    }

    /** The record as a row of {@link TensorRows#SCHEMA}. */
    public static InternalRow toInternalRow(ImageRecord r) {
        InternalRow tensor = new GenericInternalRow(new Object[] {UnsafeArrayData.fromPrimitiveArray(r.shape()),
            UnsafeArrayData.fromPrimitiveArray(r.data())});
        return new GenericInternalRow(new Object[] {UTF8String.fromString(r.source()), r.index(), r.ordinal(),
            r.label() == ImageRecord.NO_LABEL ? null : r.label(), tensor});
    }

    /** The record of a row whose source, index, ordinal and label are {@link TensorRows#SCHEMA}'s first fields. */
    public static ImageRecord toRecord(InternalRow row, int tensorField) {
        InternalRow tensor = row.getStruct(tensorField, 2);
        return new ImageRecord(row.getUTF8String(0).toString(), row.getLong(1), row.getLong(2),
                row.isNullAt(3) ? ImageRecord.NO_LABEL : row.getInt(3), tensor.getArray(0).toIntArray(),
                tensor.getArray(1).toFloatArray());
    }
}
