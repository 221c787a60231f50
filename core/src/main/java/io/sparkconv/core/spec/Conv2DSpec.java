package io.sparkconv.core.spec;

import io.sparkconv.core.config.KerasSemantics;

import io.sparkconv.core.activation.Activation;
import io.sparkconv.core.constraint.Constraint;
import io.sparkconv.core.initializer.Initializer;
import io.sparkconv.core.regularizer.Regularizer;
import io.sparkconv.core.tensor.DataFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The validated, immutable arguments of a Keras Conv2D layer. Every argument rule of the spec is checked in
 * the compact constructor, so an instance is always valid; nothing downstream checks arguments again.
 * Nullable: the three regularizers, the two constraints, {@code batchInputShape} (its first element may be
 * null for an unknown batch size) and {@code dtype}.
 *
 * <p>Rules (spec "Our policy" and §1): filters, kernel sizes, strides and dilations positive; no stride > 1
 * together with a dilation > 1 in any dimension; groups positive and dividing filters; dtype float32 (or null,
 * Keras' "infer" before build); the name non-empty. When {@code batchInputShape} is given, the input checks run
 * here too: rank 4, a known channel count divisible by groups, positive sizes, and for VALID padding spatial
 * sizes at least the dilated kernel.
 */
public record Conv2DSpec(
        String name,
        boolean trainable,
        String dtype,
        List<Integer> batchInputShape,
        int filters,
        int kernelHeight,
        int kernelWidth,
        int strideHeight,
        int strideWidth,
        Padding padding,
        DataFormat dataFormat,
        int dilationHeight,
        int dilationWidth,
        int groups,
        Activation activation,
        boolean useBias,
        Initializer kernelInitializer,
        Initializer biasInitializer,
        Regularizer kernelRegularizer,
        Regularizer biasRegularizer,
        Regularizer activityRegularizer,
        Constraint kernelConstraint,
        Constraint biasConstraint,
        KerasSemantics semantics) {

    public Conv2DSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name=" + (name == null ? "None" : "'" + name + "'")
                    + " is not supported: expected a non-empty layer name");
        }
        if (dtype != null && !dtype.equals("float32")) {
            throw new IllegalArgumentException("dtype='" + dtype + "' is not supported: sparkconv computes in "
                    + "float32 (expected \"float32\" or None)");
        }
        if (filters <= 0) {
            throw new IllegalArgumentException("filters=" + filters + " is not supported: expected a positive integer");
        }
        requirePositive("kernel_size", kernelHeight, kernelWidth);
        requirePositive("strides", strideHeight, strideWidth);
        requirePositive("dilation_rate", dilationHeight, dilationWidth);
        if ((strideHeight > 1 || strideWidth > 1) && (dilationHeight > 1 || dilationWidth > 1)) {
            throw new IllegalArgumentException("strides=" + pair(strideHeight, strideWidth)
                    + " cannot be combined with dilation_rate=" + pair(dilationHeight, dilationWidth)
                    + ": Keras does not support strides > 1 together with dilation_rate > 1 (in any dimension); use"
                    + " strides=(1, 1) with this dilation, or dilation_rate=(1, 1) with these strides");
        }
        if (groups <= 0) {
            throw new IllegalArgumentException("groups=" + groups + " is not supported: expected a positive integer");
        }
        if (filters % groups != 0) {
            throw new IllegalArgumentException("groups=" + groups + " does not divide filters=" + filters
                    + ": the number of filters must be a multiple of groups");
        }
        requireNonNull("padding", padding, "\"valid\" or \"same\"");
        requireNonNull("data_format", dataFormat, "\"channels_last\" or \"channels_first\"");
        requireNonNull("activation", activation, "an activation (use linear for None)");
        requireNonNull("kernel_initializer", kernelInitializer, "an initializer");
        requireNonNull("bias_initializer", biasInitializer, "an initializer");
        requireNonNull("semantics", semantics, "TF_1_15, KERAS_2, KERAS_3 or KERAS_3_14");
        if (batchInputShape != null) {
            batchInputShape = Collections.unmodifiableList(new ArrayList<>(batchInputShape));
            checkInputShape(batchInputShape, filters, kernelHeight, kernelWidth, padding, dataFormat,
                    dilationHeight, dilationWidth, groups);
        }
    }

    private static void requirePositive(String argument, int height, int width) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException(argument + "=" + pair(height, width)
                    + " is not supported: every value must be a positive integer");
        }
    }

    private static void requireNonNull(String argument, Object value, String expected) {
        if (value == null) {
            throw new IllegalArgumentException(argument + "=None is not supported: expected " + expected);
        }
    }

    private static void checkInputShape(List<Integer> shape, int filters, int kh, int kw, Padding padding,
            DataFormat format, int dh, int dw, int groups) {
        if (shape.size() != 4) {
            throw new IllegalArgumentException("batch_input_shape=" + pythonList(shape) + " has rank " + shape.size()
                    + ": Conv2D expects a 4-D input (batch, " + (format == DataFormat.CHANNELS_LAST
                    ? "height, width, channels)" : "channels, height, width)"));
        }
        for (int i = 0; i < 4; i++) {
            Integer d = shape.get(i);
            if (d != null && d <= 0) {
                throw new IllegalArgumentException("batch_input_shape=" + pythonList(shape) + " has a non-positive"
                        + " dimension " + d + ": expected positive sizes (None for unknown)");
            }
        }
        int channelAxis = format == DataFormat.CHANNELS_LAST ? 3 : 1;
        Integer channels = shape.get(channelAxis);
        if (channels == null) {
            throw new IllegalArgumentException("batch_input_shape=" + pythonList(shape) + " leaves the channel"
                    + " dimension (axis " + channelAxis + " for " + format.kerasName() + ") undefined: The channel"
                    + " dimension of the inputs should be defined");
        }
        if (channels % groups != 0) {
            throw new IllegalArgumentException("groups=" + groups + " does not divide the " + channels + " input"
                    + " channels of batch_input_shape=" + pythonList(shape) + ": input channels must be a multiple of"
                    + " groups");
        }
        if (padding == Padding.VALID) {
            int hAxis = format == DataFormat.CHANNELS_LAST ? 1 : 2;
            checkValidExtent(shape, shape.get(hAxis), kh, dh, "height");
            checkValidExtent(shape, shape.get(hAxis + 1), kw, dw, "width");
        }
    }

    private static void checkValidExtent(List<Integer> shape, Integer size, int k, int d, String what) {
        int effective = (k - 1) * d + 1;
        if (size != null && size < effective) {
            throw new IllegalArgumentException("batch_input_shape=" + pythonList(shape) + " has input " + what + " "
                    + size + ", smaller than the dilated kernel " + what + " " + effective + " (kernel " + k
                    + ", dilation " + d + "): padding='valid' needs an input of at least " + effective
                    + "; use padding='same' or a larger input");
        }
    }

    static String pair(int a, int b) {
        return "(" + a + ", " + b + ")";
    }

    static String pythonList(List<Integer> shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(shape.get(i) == null ? "None" : shape.get(i));
        }
        return sb.append(shape.size() == 1 ? ",)" : ")").toString();
    }

    /** Kernel shape {@code (kh, kw, Cin/groups, F)} for an input with {@code inputChannels} channels. */
    public int[] kernelShape(int inputChannels) {
        return new int[] {kernelHeight, kernelWidth, inputChannels / groups, filters};
    }

    /** Dilated kernel height {@code (kh - 1) * dh + 1}. */
    public int effectiveKernelHeight() {
        return (kernelHeight - 1) * dilationHeight + 1;
    }

    /** Dilated kernel width {@code (kw - 1) * dw + 1}. */
    public int effectiveKernelWidth() {
        return (kernelWidth - 1) * dilationWidth + 1;
    }
}
