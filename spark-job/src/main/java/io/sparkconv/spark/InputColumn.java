package io.sparkconv.spark;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.spec.Conv2DSpec;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.spark.TensorRows;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The image column of a table as both Spark paths read it, checked on the driver against the layer: its kind,
 * the fixed image shape (needed for flat arrays, binaries and vectors), the layout of its values and, when the
 * shape is fixed, the output shape. Every check a schema allows is made by {@link #resolve}; what only rows can
 * tell (nulls, lengths, image sizes) is the {@link RowConvolver}'s bad-record policy.
 *
 * @param index          the column's position in the table
 * @param fixedGeometry  the inputShape, or null (images and tensors carry their own)
 * @param inputChannels  the channels the layer's kernel expects
 * @param dataFormat     the layout of array, vector, binary and tensor inputs and of the output tensor
 * @param outputShape    one output image's shape in dataFormat order, or null when the input shape is not fixed
 * @param sourceColumn   a string column naming each row's source (the job's {@code source}), or -1
 * @param indexColumn    a long column numbering each row within its source (the job's {@code index}), or -1
 * @param nestedDims     nested arrays: the length of each level (the shape, without a channel axis of 1 for two
 *                       levels); else null
 * @param nestedDoubles  nested arrays: whether the innermost elements are doubles
 */
public record InputColumn(String name, int index, InputKind kind, boolean arrayMayHoldNulls,
        ImageGeometry fixedGeometry, int inputChannels, DataFormat dataFormat, boolean swapRedAndBlue,
        int[] outputShape, int sourceColumn, int indexColumn, int[] nestedDims, boolean nestedDoubles)
        implements Serializable {

    /** How the checks' messages name the settings: the transformer's params or the job's options. */
    public record Wording(String inputCol, String inputShape, String shapeExample) implements Serializable {
        /** Conv2DTransformer's params. */
        public static final Wording TRANSFORMER = new Wording("input column", "inputShape",
                "setInputShape(28, 28, %d)");
        /** sparkconv run's options. */
        public static final Wording JOB = new Wording("--input-col", "--input-shape", "--input-shape 28,28,%d");
    }

    /**
     * Checks {@code column} of {@code schema} against the layer.
     *
     * @param inputShape one image's shape in {@code format} order, or null
     * @param rgb        whether image structs (BGR as Spark stores them) are reordered to RGB
     * @throws IllegalArgumentException saying what is wrong and what was expected
     */
    public static InputColumn resolve(StructType schema, String column, int[] inputShape, DataFormat format,
            boolean rgb, Conv2D layer, int inputChannels, Wording wording) {
        Conv2DSpec spec = layer.spec();
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException(wording.inputCol() + " '" + column + "' does not exist; the columns"
                    + " are " + Arrays.toString(schema.fieldNames()));
        }
        StructField field = schema.apply(column);
        InputKind kind = InputKind.of(field.dataType());
        if (kind == null) {
            throw new IllegalArgumentException(wording.inputCol() + " '" + column + "' has type "
                    + field.dataType().simpleString() + "; expected one of: " + InputKind.acceptedTypes()
                    + (field.dataType() instanceof ArrayType ? " (nested arrays: 2 or 3 levels of float or double)"
                    : ""));
        }
        if (kind == InputKind.IMAGE && inputChannels != 1 && inputChannels != 3 && inputChannels != 4) {
            throw new IllegalArgumentException(wording.inputCol() + " '" + column + "' holds images of 1, 3 or 4"
                    + " channels but the layer's kernel expects " + inputChannels + " input channels");
        }
        ImageGeometry fixed = null;
        int[] outputShape = null;
        if (inputShape != null) {
            if (inputShape.length != 3 || Arrays.stream(inputShape).anyMatch(d -> d <= 0)) {
                throw new IllegalArgumentException(wording.inputShape() + " " + Arrays.toString(inputShape)
                        + " is not one image's shape: expected 3 positive values in " + format.kerasName()
                        + " order");
            }
            fixed = ImageGeometry.fromShape(inputShape, format);
            if (fixed.channels() != inputChannels) {
                throw new IllegalArgumentException(wording.inputShape() + " " + Arrays.toString(inputShape) + " ("
                        + format.kerasName() + ") has " + fixed.channels() + " channels but the layer's kernel "
                        + Arrays.toString(spec.kernelShape(inputChannels)) + " with groups=" + spec.groups()
                        + " expects " + inputChannels);
            }
            int[] batchOutput;
            try {
                batchOutput = layer.outputShape(fixed.batchShape(spec.dataFormat()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(wording.inputShape() + " " + Arrays.toString(inputShape)
                        + " cannot be convolved by this layer: " + e.getMessage(), e);
            }
            outputShape = ImageGeometry.fromShape(Arrays.copyOfRange(batchOutput, 1, 4), spec.dataFormat())
                    .shape(format);
        } else if (!kind.isSelfDescribing()) {
            throw new IllegalArgumentException(wording.inputShape() + " must be set for an input column of type "
                    + kind.description() + ": one image's shape in " + format.kerasName() + " order, e.g. "
                    + String.format(java.util.Locale.ROOT, wording.shapeExample(), inputChannels));
        }
        boolean arrayMayHoldNulls = mayHoldNulls(field.dataType());
        int[] nestedDims = null;
        boolean nestedDoubles = false;
        if (kind == InputKind.NESTED_ARRAY) {
            int depth = InputKind.nestedDepth(field.dataType());
            nestedDims = depth == 3 ? inputShape.clone() : withoutChannelAxis(inputShape, format);
            if (nestedDims == null) {
                throw new IllegalArgumentException(wording.inputCol() + " '" + column + "' is "
                        + field.dataType().simpleString() + ", two levels (height, width), so "
                        + wording.inputShape() + " must have 1 channel, not " + Arrays.toString(inputShape));
            }
            DataType leaf = field.dataType();
            while (leaf instanceof ArrayType array) {
                leaf = array.elementType();
            }
            nestedDoubles = leaf.equals(DataTypes.DoubleType);
        }
        return new InputColumn(column, schema.fieldIndex(column), kind, arrayMayHoldNulls, fixed, inputChannels,
                format, kind == InputKind.IMAGE && rgb, outputShape,
                typed(schema, TensorRows.SOURCE, DataTypes.StringType),
                typed(schema, TensorRows.INDEX, DataTypes.LongType), nestedDims, nestedDoubles);
    }

    /** Values a fixed-shape input row must hold, or -1 when images carry their own shape. */
    public long fixedSize() {
        return fixedGeometry == null ? -1 : fixedGeometry.size();
    }

    /** Whether any level of an array type may hold a null. */
    private static boolean mayHoldNulls(DataType type) {
        if (type instanceof StructType struct && Arrays.asList(struct.fieldNames()).contains(TensorRows.DATA)) {
            type = struct.apply(TensorRows.DATA).dataType(); // a tensor struct: its data array
        }
        boolean nulls = false;
        while (type instanceof ArrayType array) {
            nulls |= array.containsNull();
            type = array.elementType();
        }
        return nulls;
    }

    /** (h, w) of a one-channel shape, or null when it has more channels. */
    private static int[] withoutChannelAxis(int[] shape, DataFormat format) {
        ImageGeometry g = ImageGeometry.fromShape(shape, format);
        return g.channels() == 1 ? new int[] {g.height(), g.width()} : null;
    }

    private static int typed(StructType schema, String name, DataType type) {
        for (int i = 0; i < schema.fields().length; i++) {
            if (schema.fields()[i].name().equals(name) && schema.fields()[i].dataType().equals(type)) {
                return i;
            }
        }
        return -1;
    }
}
