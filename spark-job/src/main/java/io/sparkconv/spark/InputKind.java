package io.sparkconv.spark;

import io.sparkconv.datasets.spark.TensorRows;
import java.util.Arrays;
import java.util.function.Predicate;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/** The column types both Spark paths (the batch job and the transformer) read, each with how its values are laid out. */
public enum InputKind {
    /** Spark's image data source struct: (origin, height, width, nChannels, mode, data) with BGR(A) uint8 bytes. */
    IMAGE("the image struct of spark.read.format(\"image\")"),
    /** {@code array<float>} of one image, shaped by the inputShape param. */
    FLOAT_ARRAY("array<float>"),
    /** {@code array<double>} of one image, shaped by the inputShape param. */
    DOUBLE_ARRAY("array<double>"),
    /** {@code array<array<float|double>>} (height, width) or three levels deep (one image in dataFormat order). */
    NESTED_ARRAY("array<array<float|double>> or array<array<array<float|double>>>"),
    /** An ML vector ({@code org.apache.spark.ml.linalg.Vector}) of one image, shaped by the inputShape param. */
    VECTOR("vector"),
    /** {@code binary}: one image as raw little-endian float32 values (4 bytes each), shaped by inputShape. */
    BINARY("binary (little-endian float32)"),
    /** The tensor struct both Spark paths write ({@code TensorRows.TENSOR_TYPE}): shaped by its own shape field. */
    TENSOR("struct<shape: array<int>, data: array<float>>"),
    /** The binary tensor struct of {@code run --output-encoding binary}: data as little-endian float32 bytes. */
    BINARY_TENSOR("struct<shape: array<int>, data: binary>");

    /** The image struct's field positions (Spark's ImageSchema.columnSchema order). */
    public static final int IMAGE_ORIGIN = 0;
    public static final int IMAGE_HEIGHT = 1;
    public static final int IMAGE_WIDTH = 2;
    public static final int IMAGE_CHANNELS = 3;
    public static final int IMAGE_DATA = 5;

    private final String description;

    InputKind(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** True when a record carries its own height, width and channel count, so inputShape is optional. */
    public boolean isSelfDescribing() {
        return this == IMAGE || this == TENSOR || this == BINARY_TENSOR;
    }

    /** The kind of a column type, or {@code null} when the transformer cannot read it. */
    public static InputKind of(DataType type) {
        if (isImageStruct(type)) {
            return IMAGE;
        }
        if (isTensorStruct(type)) {
            return TENSOR;
        }
        if (isBinaryTensorStruct(type)) {
            return BINARY_TENSOR;
        }
        if (type instanceof ArrayType array) {
            if (array.elementType().equals(DataTypes.FloatType)) {
                return FLOAT_ARRAY;
            }
            if (array.elementType().equals(DataTypes.DoubleType)) {
                return DOUBLE_ARRAY;
            }
            int depth = nestedDepth(type);
            return depth == 2 || depth == 3 ? NESTED_ARRAY : null;
        }
        if (type.equals(DataTypes.BinaryType)) {
            return BINARY;
        }
        // By class name: spark-mllib need not be on a job's class path.
        if (type instanceof UserDefinedType<?> && type.getClass().getName().equals(VectorValues.UDT_CLASS)) {
            return VECTOR;
        }
        return null;
    }

    /** The accepted types, for error messages. */
    public static String acceptedTypes() {
        return String.join(", ", Arrays.stream(values()).map(InputKind::description).toList());
    }

    /**
     * Levels of an array of arrays whose innermost elements are float or double (2 for array<array<float>>), or 0
     * for any other type.
     */
    public static int nestedDepth(DataType type) {
        int depth = 0;
        while (type instanceof ArrayType array) {
            depth++;
            type = array.elementType();
        }
        return type.equals(DataTypes.FloatType) || type.equals(DataTypes.DoubleType) ? depth : 0;
    }

    /** True for a struct with exactly the fields {@code shape: array<int>} and {@code data: array<float>}. */
    public static boolean isTensorStruct(DataType type) {
        return isTensorStructWithData(type,
                data -> data instanceof ArrayType array && array.elementType().equals(DataTypes.FloatType));
    }

    /** True for a struct with exactly the fields {@code shape: array<int>} and {@code data: binary}. */
    public static boolean isBinaryTensorStruct(DataType type) {
        return isTensorStructWithData(type, DataTypes.BinaryType::equals);
    }

    /** A struct of exactly the fields {@code shape: array<int>} and {@code data} of a type {@code data} accepts. */
    private static boolean isTensorStructWithData(DataType type, Predicate<DataType> data) {
        if (!(type instanceof StructType struct) || struct.fields().length != 2) {
            return false;
        }
        StructField shapeField = struct.fields()[0];
        StructField dataField = struct.fields()[1];
        return TensorRows.SHAPE.equals(shapeField.name()) && TensorRows.DATA.equals(dataField.name())
                && shapeField.dataType() instanceof ArrayType shapeArray
                && shapeArray.elementType().equals(DataTypes.IntegerType)
                && data.test(dataField.dataType());
    }

    /**
     * The struct of Spark's image data source (ImageSchema.columnSchema, spelled out so that spark-mllib need not be
     * on a job's class path).
     */
    private static final StructField[] IMAGE_FIELDS = {
        DataTypes.createStructField("origin", DataTypes.StringType, true),
        DataTypes.createStructField("height", DataTypes.IntegerType, true),
        DataTypes.createStructField("width", DataTypes.IntegerType, true),
        DataTypes.createStructField("nChannels", DataTypes.IntegerType, true),
        DataTypes.createStructField("mode", DataTypes.IntegerType, true),
        DataTypes.createStructField("data", DataTypes.BinaryType, true)
    };

    /** Same field names and types as Spark's image struct, nullability aside. */
    private static boolean isImageStruct(DataType type) {
        if (!(type instanceof StructType struct)) {
            return false;
        }
        StructField[] actual = struct.fields();
        if (IMAGE_FIELDS.length != actual.length) {
            return false;
        }
        for (int i = 0; i < IMAGE_FIELDS.length; i++) {
            if (!IMAGE_FIELDS[i].name().equals(actual[i].name())
                    || !IMAGE_FIELDS[i].dataType().sameType(actual[i].dataType())) {
                return false;
            }
        }
        return true;
    }
}
