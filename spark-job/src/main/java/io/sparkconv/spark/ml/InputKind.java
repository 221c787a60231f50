package io.sparkconv.spark.ml;

import java.util.Arrays;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The column types {@link Conv2DTransformer} reads, each with how its values are laid out. */
enum InputKind {
    /** Spark's image data source struct: (origin, height, width, nChannels, mode, data) with BGR(A) uint8 bytes. */
    IMAGE("the image struct of spark.read.format(\"image\")"),
    /** {@code array<float>} of one image, shaped by the inputShape param. */
    FLOAT_ARRAY("array<float>"),
    /** {@code array<double>} of one image, shaped by the inputShape param. */
    DOUBLE_ARRAY("array<double>"),
    /** An ML vector ({@code org.apache.spark.ml.linalg.Vector}) of one image, shaped by the inputShape param. */
    VECTOR("vector"),
    /** {@code binary}: one image as raw little-endian float32 values (4 bytes each), shaped by inputShape. */
    BINARY("binary (little-endian float32)"),
    /** The {@link TensorStruct} this transformer writes: shaped by its own shape field. */
    TENSOR("struct<shape: array<int>, data: array<float>>");

    /** The image struct's field positions (Spark's ImageSchema.columnSchema order). */
    static final int IMAGE_ORIGIN = 0;
    static final int IMAGE_HEIGHT = 1;
    static final int IMAGE_WIDTH = 2;
    static final int IMAGE_CHANNELS = 3;
    static final int IMAGE_DATA = 5;

    private final String description;

    InputKind(String description) {
        this.description = description;
    }

    String description() {
        return description;
    }

    /** True when a record carries its own height, width and channel count, so inputShape is optional. */
    boolean isSelfDescribing() {
        return this == IMAGE || this == TENSOR;
    }

    /** The kind of a column type, or {@code null} when the transformer cannot read it. */
    static InputKind of(DataType type) {
        if (isImageStruct(type)) {
            return IMAGE;
        }
        if (TensorStruct.isTensorStruct(type)) {
            return TENSOR;
        }
        if (type instanceof ArrayType array) {
            if (array.elementType().equals(DataTypes.FloatType)) {
                return FLOAT_ARRAY;
            }
            if (array.elementType().equals(DataTypes.DoubleType)) {
                return DOUBLE_ARRAY;
            }
            return null;
        }
        if (type.equals(DataTypes.BinaryType)) {
            return BINARY;
        }
        if (SQLDataTypes.VectorType().sameType(type)) {
            return VECTOR;
        }
        return null;
    }

    /** The accepted types, for error messages. */
    static String acceptedTypes() {
        return String.join(", ", Arrays.stream(values()).map(InputKind::description).toList());
    }

    /** Same field names and types as ImageSchema.columnSchema, nullability aside. */
    private static boolean isImageStruct(DataType type) {
        if (!(type instanceof StructType struct)) {
            return false;
        }
        StructField[] expected = ImageSchema.columnSchema().fields();
        StructField[] actual = struct.fields();
        if (expected.length != actual.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (!expected[i].name().equals(actual[i].name())
                    || !expected[i].dataType().sameType(actual[i].dataType())) {
                return false;
            }
        }
        return true;
    }
}
