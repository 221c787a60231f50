package io.sparkconv.spark.ml;

import io.sparkconv.datasets.spark.TensorRows;
import io.sparkconv.spark.InputKind;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;

/**
 * The column type of a tensor: {@code struct<shape: array<int>, data: array<float>>}, the values in C order.
 * Plain SQL types, so it can be queried with SQL ({@code size(t.data)}, {@code t.shape[0]}) and written to
 * Parquet, and fed to another {@link Conv2DTransformer}. One record holds one image: the shape has no batch axis.
 */
public final class TensorStruct {
    public static final String SHAPE = "shape";
    public static final String DATA = "data";

    /** The same type as the job's tensor column, so the job's Parquet output can be fed to the transformer. */
    private static final StructType SCHEMA = TensorRows.TENSOR_TYPE;

    private TensorStruct() {
    }

    /** {@code struct<shape: array<int>, data: array<float>>}, nothing nullable inside. */
    public static StructType schema() {
        return SCHEMA;
    }

    /** True for a struct with exactly the fields {@code shape: array<int>} and {@code data: array<float>}. */
    public static boolean isTensorStruct(DataType type) {
        return InputKind.isTensorStruct(type);
    }

    /** A tensor value for a row of a DataFrame; the arrays are wrapped as Scala Seqs (ArraySeq), not copied. */
    public static Row row(int[] shape, float[] data) {
        return RowFactory.create(scala.collection.mutable.ArraySeq.make(shape), scala.collection.mutable.ArraySeq.make(data));
    }
}
