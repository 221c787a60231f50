package io.sparkconv.datasets.spark;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.ChannelOrder;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.ReadOptions;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a row of any table with a tensor column into an {@link ImageRecord}. The column kinds, decided once
 * on the driver from the schema:
 * <ul>
 *   <li>the tensor struct ({@code shape: array<int>, data: array<float|double>}) the job writes;</li>
 *   <li>Spark's image data source struct ({@code origin, height, width, nChannels, mode, data}; bytes stored
 *       BGR(A), 8 bits), converted to the configured data format and channel order;</li>
 *   <li>{@code array<float>} or {@code array<double>}, or {@code binary} (float32 little-endian), with the
 *       shape from an {@code array<int|long>} column or a fixed shape.</li>
 * </ul>
 * Shapes are 3-D in the data format's layout; (H, W) gets one channel; a leading batch dim of 1 is dropped.
 */
final class RowTensorReader implements Serializable {
    private static final long serialVersionUID = 1L;

    enum Kind { TENSOR_STRUCT, SPARK_IMAGE, FLOAT_ARRAY, DOUBLE_ARRAY, BINARY_FLOAT32 }

    private final Kind kind;
    private final int column;
    private final int shapeColumn;
    private final int[] fixedShape;
    private final int sourceColumn;
    private final int indexColumn;
    private final int ordinalColumn;
    private final int labelColumn;
    private final String sourceName;
    private final String columnName;
    private final DataFormat format;
    private final ChannelOrder channelOrder;
    private final long maxElements;
    private final String maxElementsHint;

    RowTensorReader(StructType schema, String columnName, String shapeColumnName, int[] fixedShape,
                    String sourceName, ReadOptions options) {
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(columnName)) {
            throw new IllegalArgumentException("input has no column '" + columnName + "': columns are " + names);
        }
        this.column = names.indexOf(columnName);
        this.columnName = columnName;
        DataType t = schema.fields()[column].dataType();
        if (t instanceof StructType && names(t).containsAll(List.of("origin", "height", "width", "nChannels",
                "data"))) {
            kind = Kind.SPARK_IMAGE;
        } else if (TensorRows.isTensorType(t)) {
            kind = Kind.TENSOR_STRUCT;
        } else if (t instanceof ArrayType && ((ArrayType) t).elementType().equals(DataTypes.FloatType)) {
            kind = Kind.FLOAT_ARRAY;
        } else if (t instanceof ArrayType && ((ArrayType) t).elementType().equals(DataTypes.DoubleType)) {
            kind = Kind.DOUBLE_ARRAY;
        } else if (t instanceof BinaryType) {
            kind = Kind.BINARY_FLOAT32;
        } else {
            throw new IllegalArgumentException("column '" + columnName + "' has type " + t.simpleString()
                    + ": expected the tensor struct, Spark's image struct, array<float>, array<double> or binary");
        }
        boolean needsShape = kind == Kind.FLOAT_ARRAY || kind == Kind.DOUBLE_ARRAY || kind == Kind.BINARY_FLOAT32;
        if (shapeColumnName != null) {
            if (!names.contains(shapeColumnName)) {
                throw new IllegalArgumentException("input has no shape column '" + shapeColumnName + "'");
            }
            DataType st = schema.fields()[names.indexOf(shapeColumnName)].dataType();
            if (!(st instanceof ArrayType) || !(((ArrayType) st).elementType().equals(DataTypes.IntegerType)
                    || ((ArrayType) st).elementType().equals(DataTypes.LongType))) {
                throw new IllegalArgumentException("shape column '" + shapeColumnName + "' has type "
                        + st.simpleString() + ": expected array<int> or array<bigint>");
            }
        }
        if (needsShape && shapeColumnName == null && fixedShape == null) {
            throw new IllegalArgumentException("column '" + columnName + "' (" + t.simpleString()
                    + ") needs a shape: give a shape column or a fixed shape");
        }
        this.shapeColumn = shapeColumnName == null ? -1 : names.indexOf(shapeColumnName);
        this.fixedShape = fixedShape == null ? null : fixedShape.clone();
        this.sourceColumn = typed(schema, names, TensorRows.SOURCE, DataTypes.StringType);
        this.indexColumn = typed(schema, names, TensorRows.INDEX, DataTypes.LongType);
        this.ordinalColumn = typed(schema, names, TensorRows.ORDINAL, DataTypes.LongType);
        this.labelColumn = typed(schema, names, TensorRows.LABEL, DataTypes.IntegerType);
        this.sourceName = sourceName;
        this.format = options.dataFormat();
        this.channelOrder = options.channelOrder();
        this.maxElements = options.maxElementsPerRecord();
        this.maxElementsHint = options.maxElementsHint();
    }

    private static List<String> names(DataType t) {
        return Arrays.asList(((StructType) t).fieldNames());
    }

    private static int typed(StructType schema, List<String> names, String name, DataType type) {
        int i = names.indexOf(name);
        return i >= 0 && schema.fields()[i].dataType().equals(type) ? i : -1;
    }

    Kind kind() {
        return kind;
    }

    /** Whether rows carry their own input order ({@code ordinal} or {@code index} column). */
    boolean hasOrder() {
        return ordinalColumn >= 0 || indexColumn >= 0;
    }

    /**
     * The record of {@code row}, number {@code rowNumber} of the table. Any failure to decode the row (a null
     * anywhere, a value of an unexpected type) is a bad record that names the row, so the rows after it are read.
     */
    ImageRecord convert(Row row, long rowNumber) {
        try {
            return decode(row, rowNumber);
        } catch (DatasetException e) {
            throw e;
        } catch (RuntimeException e) {
            String source = sourceName;
            long index = rowNumber;
            try {
                source = sourceColumn >= 0 && !row.isNullAt(sourceColumn) ? row.getString(sourceColumn) : sourceName;
                index = indexColumn >= 0 && !row.isNullAt(indexColumn) ? row.getLong(indexColumn) : rowNumber;
            } catch (RuntimeException ignored) {
                // identity columns unreadable as well: name the row by its position
            }
            throw DatasetException.record(source, index, "cannot decode column '" + columnName + "': " + e);
        }
    }

    private ImageRecord decode(Row row, long rowNumber) {
        String source = sourceColumn >= 0 && !row.isNullAt(sourceColumn) ? row.getString(sourceColumn) : sourceName;
        long index = indexColumn >= 0 && !row.isNullAt(indexColumn) ? row.getLong(indexColumn) : rowNumber;
        long ordinal = ordinalColumn >= 0 && !row.isNullAt(ordinalColumn) ? row.getLong(ordinalColumn) : rowNumber;
        int label = labelColumn >= 0 && !row.isNullAt(labelColumn) ? row.getInt(labelColumn) : ImageRecord.NO_LABEL;
        if (row.isNullAt(column)) {
            throw DatasetException.record(source, index, "column '" + columnName + "' is null");
        }
        if (kind == Kind.SPARK_IMAGE) {
            return image(row.getStruct(column), ordinal);
        }
        int[] shape;
        float[] data;
        switch (kind) {
            case TENSOR_STRUCT: {
                Row t = row.getStruct(column);
                int shapeField = t.fieldIndex(TensorRows.SHAPE);
                int dataField = t.fieldIndex(TensorRows.DATA);
                if (t.isNullAt(shapeField) || t.isNullAt(dataField)) {
                    throw DatasetException.record(source, index, "column '" + columnName + "' has a null "
                            + (t.isNullAt(shapeField) ? TensorRows.SHAPE : TensorRows.DATA));
                }
                shape = shape(t.getList(shapeField), source, index);
                data = floats(t.getList(dataField), source, index);
                break;
            }
            case FLOAT_ARRAY:
            case DOUBLE_ARRAY:
                shape = rowShape(row, source, index);
                data = floats(row.getList(column), source, index);
                break;
            case BINARY_FLOAT32: {
                shape = rowShape(row, source, index);
                byte[] b = (byte[]) row.get(column);
                if (b.length % 4 != 0) {
                    throw DatasetException.record(source, index, "binary float32 tensor of " + b.length
                            + " bytes is not a whole number of 4-byte floats");
                }
                data = new float[b.length / 4];
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
                break;
            }
            default:
                throw new AssertionError(kind);
        }
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw DatasetException.record(source, index, "shape " + Arrays.toString(shape) + " holds " + n
                    + " elements but the data has " + data.length);
        }
        return new ImageRecord(source, index, ordinal, label, shape, data);
    }

    private int[] rowShape(Row row, String source, long index) {
        if (shapeColumn < 0) {
            return normalise(fixedShape.clone(), source, index);
        }
        if (row.isNullAt(shapeColumn)) {
            throw DatasetException.record(source, index, "shape column is null");
        }
        return shape(row.getList(shapeColumn), source, index);
    }

    private int[] shape(List<?> dims, String source, long index) {
        int[] s = new int[dims.size()];
        for (int i = 0; i < s.length; i++) {
            Object d = dims.get(i);
            long v = d == null ? -1 : ((Number) d).longValue();
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw DatasetException.record(source, index, "shape " + dims + " has an invalid dimension " + d);
            }
            s[i] = (int) v;
        }
        return normalise(s, source, index);
    }

    private int[] normalise(int[] s, String source, long index) {
        int[] shape;
        if (s.length == 4 && s[0] == 1) {
            shape = Arrays.copyOfRange(s, 1, 4);
        } else if (s.length == 3) {
            shape = s;
        } else if (s.length == 2) {
            shape = format == DataFormat.CHANNELS_LAST ? new int[] {s[0], s[1], 1} : new int[] {1, s[0], s[1]};
        } else {
            throw DatasetException.record(source, index, "shape " + Arrays.toString(s) + " is not an image: expected "
                    + "(H,W,C) or (C,H,W) per the data format, (H,W), or a batch of one");
        }
        long n = 1;
        for (int d : shape) {
            if (d == 0) {
                throw DatasetException.record(source, index, "shape " + Arrays.toString(s)
                        + " has a zero-sized dimension");
            }
            n *= d;
        }
        if (n > maxElements) {
            throw DatasetException.record(source, index, "shape " + Arrays.toString(s) + " has " + n
                    + " elements, more than the limit of " + maxElements + " per record (" + maxElementsHint + ")");
        }
        return shape;
    }

    private static float[] floats(List<?> values, String source, long index) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            Object v = values.get(i);
            if (v == null) {
                throw DatasetException.record(source, index, "tensor element " + i + " is null");
            }
            out[i] = ((Number) v).floatValue();
        }
        return out;
    }

    /** Spark's image struct: 8-bit samples, rows of width * nChannels bytes, colour stored BGR(A). */
    private ImageRecord image(Row img, long ordinal) {
        String origin = img.isNullAt(img.fieldIndex("origin")) ? sourceName : img.getString(img.fieldIndex("origin"));
        int h = img.getInt(img.fieldIndex("height"));
        int w = img.getInt(img.fieldIndex("width"));
        int c = img.getInt(img.fieldIndex("nChannels"));
        // Spark's image source gives one image per file: its index within its source is 0.
        long index = 0;
        if (h <= 0 || w <= 0 || c <= 0 || img.isNullAt(img.fieldIndex("data"))) {
            throw DatasetException.record(origin, index, "Spark's image source could not decode this file (height "
                    + h + ", width " + w + ", channels " + c + ")");
        }
        if (c != 1 && c != 3 && c != 4) {
            throw DatasetException.record(origin, index, "image with " + c + " channels: expected 1, 3 or 4");
        }
        byte[] bytes = (byte[]) img.get(img.fieldIndex("data"));
        long n = (long) h * w * c;
        if (n > maxElements) {
            throw DatasetException.record(origin, index, "a " + w + "x" + h + "x" + c + " image exceeds the limit of "
                    + maxElements + " elements per record (" + maxElementsHint + ")");
        }
        if (bytes.length != n) {
            throw DatasetException.record(origin, index, "image data has " + bytes.length + " bytes, expected "
                    + n + " for " + h + "x" + w + "x" + c);
        }
        float[] out = new float[(int) n];
        boolean last = format == DataFormat.CHANNELS_LAST;
        boolean toRgb = channelOrder == ChannelOrder.RGB && c >= 3;
        int pixels = h * w;
        for (int p = 0; p < pixels; p++) {
            for (int k = 0; k < c; k++) {
                int src = toRgb && k < 3 ? 2 - k : k;
                float v = bytes[p * c + src] & 0xFF;
                out[last ? p * c + k : k * pixels + p] = v;
            }
        }
        int[] shape = last ? new int[] {h, w, c} : new int[] {c, h, w};
        return new ImageRecord(origin, index, ordinal, ImageRecord.NO_LABEL, shape, out);
    }
}
