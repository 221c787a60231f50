package io.sparkconv.datasets.spark;

import io.sparkconv.datasets.ImageRecord;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * The table form of records: columns {@code source} (string), {@code index} (long), {@code ordinal} (long),
 * {@code label} (int, null when none) and {@code tensor}, a struct of {@code shape: array<int>} and
 * {@code data: array<float>} (C order). The job's Parquet output and the exporter use it.
 */
public final class TensorRows {
    public static final String SOURCE = "source";
    public static final String INDEX = "index";
    public static final String ORDINAL = "ordinal";
    public static final String LABEL = "label";
    public static final String TENSOR = "tensor";
    public static final String SHAPE = "shape";
    public static final String DATA = "data";

    /** {@code struct<shape: array<int>, data: array<float>>}. */
    public static final StructType TENSOR_TYPE = new StructType(new StructField[] {
        new StructField(SHAPE, DataTypes.createArrayType(DataTypes.IntegerType, false), false, Metadata.empty()),
        new StructField(DATA, DataTypes.createArrayType(DataTypes.FloatType, false), false, Metadata.empty())
    });

    /**
     * {@code struct<shape: array<int>, data: binary>}: the compact encoding of {@code sparkconv run
     * --output-encoding binary}, the values as little-endian float32 bytes in C order (Parquet writes one byte array
     * per tensor instead of one value per float). In NumPy: {@code np.frombuffer(data, "<f4").reshape(shape)}.
     */
    public static final StructType BINARY_TENSOR_TYPE = new StructType(new StructField[] {
        new StructField(SHAPE, DataTypes.createArrayType(DataTypes.IntegerType, false), false, Metadata.empty()),
        new StructField(DATA, DataTypes.BinaryType, false, Metadata.empty())
    });

    /** The record table's schema. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
        new StructField(SOURCE, DataTypes.StringType, false, Metadata.empty()),
        new StructField(INDEX, DataTypes.LongType, false, Metadata.empty()),
        new StructField(ORDINAL, DataTypes.LongType, false, Metadata.empty()),
        new StructField(LABEL, DataTypes.IntegerType, true, Metadata.empty()),
        new StructField(TENSOR, TENSOR_TYPE, false, Metadata.empty())
    });

    /** The record table's schema with the binary tensor encoding. */
    public static final StructType BINARY_SCHEMA = new StructType(new StructField[] {
        SCHEMA.fields()[0], SCHEMA.fields()[1], SCHEMA.fields()[2], SCHEMA.fields()[3],
        new StructField(TENSOR, BINARY_TENSOR_TYPE, false, Metadata.empty())
    });

    private TensorRows() {
    }

    /** Little-endian float32 bytes as floats. */
    public static float[] floats(byte[] bytes) {
        float[] out = new float[bytes.length / Float.BYTES];
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    public static boolean isTensorType(DataType t) {
        if (!(t instanceof StructType)) {
            return false;
        }
        StructType s = (StructType) t;
        List<String> names = List.of(s.fieldNames());
        return names.contains(SHAPE) && names.contains(DATA);
    }

    /** The tensor struct value of a shape and float data. */
    public static Row tensor(int[] shape, float[] data) {
        // Spark's converters take primitive arrays for array columns as they are.
        return RowFactory.create(shape, data);
    }

    /** A row of {@link #SCHEMA}. */
    public static Row toRow(ImageRecord r) {
        return RowFactory.create(r.source(), r.index(), r.ordinal(),
                r.label() == ImageRecord.NO_LABEL ? null : r.label(), tensor(r.shape(), r.data()));
    }

    /** Shape of a tensor struct value. */
    public static int[] shapeOf(Row tensor) {
        List<Integer> s = tensor.getList(tensor.fieldIndex(SHAPE));
        int[] out = new int[s.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.get(i);
        }
        return out;
    }

    /** Data of a tensor struct value, in either encoding (array<float> or little-endian float32 bytes). */
    public static float[] dataOf(Row tensor) {
        Object value = tensor.get(tensor.fieldIndex(DATA));
        if (value instanceof byte[] bytes) {
            return floats(bytes);
        }
        List<Float> d = tensor.getList(tensor.fieldIndex(DATA));
        float[] out = new float[d.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.get(i);
        }
        return out;
    }

    /** A record from a row of {@link #SCHEMA}. */
    public static ImageRecord fromRow(Row row) {
        Row t = row.getStruct(row.fieldIndex(TENSOR));
        int labelField = row.fieldIndex(LABEL);
        int label = row.isNullAt(labelField) ? ImageRecord.NO_LABEL : row.getInt(labelField);
        return new ImageRecord(row.getString(row.fieldIndex(SOURCE)), row.getLong(row.fieldIndex(INDEX)),
                row.getLong(row.fieldIndex(ORDINAL)), label, shapeOf(t), dataOf(t));
    }
}
