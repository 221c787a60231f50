package io.sparkconv.core.conv;

import io.sparkconv.core.spec.Padding;

import io.sparkconv.core.spec.Conv2DSpec;

import io.sparkconv.core.config.KerasJsonDefaults;

import io.sparkconv.core.config.KerasSemantics;

import io.sparkconv.core.activation.Activation;
import io.sparkconv.core.activation.Activations;
import io.sparkconv.core.constraint.Constraint;
import io.sparkconv.core.constraint.Constraints;
import io.sparkconv.core.initializer.Initializer;
import io.sparkconv.core.initializer.Initializers;
import io.sparkconv.core.regularizer.Regularizer;
import io.sparkconv.core.regularizer.Regularizers;
import io.sparkconv.core.tensor.DataFormat;
import java.util.Arrays;
import java.util.List;

/**
 * Keras-like fluent builder for {@link Conv2D}, with Keras' defaults:
 * <pre>{@code
 * Conv2D conv = Conv2D.builder(32, 3).strides(2).padding("same").activation("relu").kernelRegularizer("l2").build();
 * }</pre>
 * Names (activation, initializers, regularizers, constraints) are resolved in {@link #build()} against the
 * chosen {@link #semantics(KerasSemantics) semantics} (TF 1.15 by default), so the order of the calls does not
 * matter. An absent data format is taken from keras.json at build time (spec §1.4). All validation happens in
 * {@link #build()}, which throws {@link IllegalArgumentException} naming the argument, the bad value and what
 * is allowed.
 */
public final class Conv2DBuilder {
    private final int filters;
    private final int[] kernelSize;
    private int[] strides = {1, 1};
    private Object padding = Padding.VALID;
    private Object dataFormat;
    private int[] dilationRate = {1, 1};
    private int groups = 1;
    private Object activation;
    private boolean useBias = true;
    private Object kernelInitializer = "glorot_uniform";
    private Object biasInitializer = "zeros";
    private Object kernelRegularizer;
    private Object biasRegularizer;
    private Object activityRegularizer;
    private Object kernelConstraint;
    private Object biasConstraint;
    private String name = "conv2d";
    private boolean trainable = true;
    private String dtype = "float32";
    private List<Integer> batchInputShape;
    private KerasSemantics semantics = KerasSemantics.TF_1_15;
    private KerasJsonDefaults kerasDefaults;

    Conv2DBuilder(int filters, int[] kernelSize) {
        this.filters = filters;
        this.kernelSize = pair("kernel_size", kernelSize);
    }

    private static int[] pair(String argument, int[] values) {
        if (values == null || values.length < 1 || values.length > 2) {
            throw new IllegalArgumentException(argument + "=" + (values == null ? "None" : Arrays.toString(values))
                    + " is not supported: expected an integer or a tuple of 2 integers");
        }
        return values.length == 1 ? new int[] {values[0], values[0]} : values.clone();
    }

    /** Same stride in both dimensions. */
    public Conv2DBuilder strides(int stride) {
        this.strides = new int[] {stride, stride};
        return this;
    }

    public Conv2DBuilder strides(int strideHeight, int strideWidth) {
        this.strides = new int[] {strideHeight, strideWidth};
        return this;
    }

    /** "valid" or "same", any case. */
    public Conv2DBuilder padding(String padding) {
        this.padding = padding;
        return this;
    }

    public Conv2DBuilder padding(Padding padding) {
        this.padding = padding;
        return this;
    }

    /** "channels_last" or "channels_first", any case; null means keras.json's image_data_format. */
    public Conv2DBuilder dataFormat(String dataFormat) {
        this.dataFormat = dataFormat;
        return this;
    }

    public Conv2DBuilder dataFormat(DataFormat dataFormat) {
        this.dataFormat = dataFormat;
        return this;
    }

    public Conv2DBuilder dilationRate(int rate) {
        this.dilationRate = new int[] {rate, rate};
        return this;
    }

    public Conv2DBuilder dilationRate(int rateHeight, int rateWidth) {
        this.dilationRate = new int[] {rateHeight, rateWidth};
        return this;
    }

    /** Grouped convolution (Keras 2.3+): must divide filters and the input channels. */
    public Conv2DBuilder groups(int groups) {
        this.groups = groups;
        return this;
    }

    /** A Keras activation name of the chosen semantics; null means linear. */
    public Conv2DBuilder activation(String activation) {
        this.activation = activation;
        return this;
    }

    public Conv2DBuilder activation(Activation activation) {
        this.activation = activation;
        return this;
    }

    public Conv2DBuilder useBias(boolean useBias) {
        this.useBias = useBias;
        return this;
    }

    /** A Keras initializer name; null means glorot_uniform (Keras' add_weight fallback). */
    public Conv2DBuilder kernelInitializer(String name) {
        this.kernelInitializer = name;
        return this;
    }

    public Conv2DBuilder kernelInitializer(Initializer initializer) {
        this.kernelInitializer = initializer;
        return this;
    }

    /** A Keras initializer name; null means glorot_uniform (not zeros!), as in Keras. */
    public Conv2DBuilder biasInitializer(String name) {
        this.biasInitializer = name;
        return this;
    }

    public Conv2DBuilder biasInitializer(Initializer initializer) {
        this.biasInitializer = initializer;
        return this;
    }

    /** "l1", "l2", "l1_l2" (0.01 each) or a class name; null for none. */
    public Conv2DBuilder kernelRegularizer(String name) {
        this.kernelRegularizer = name;
        return this;
    }

    public Conv2DBuilder kernelRegularizer(Regularizer regularizer) {
        this.kernelRegularizer = regularizer;
        return this;
    }

    public Conv2DBuilder biasRegularizer(String name) {
        this.biasRegularizer = name;
        return this;
    }

    public Conv2DBuilder biasRegularizer(Regularizer regularizer) {
        this.biasRegularizer = regularizer;
        return this;
    }

    public Conv2DBuilder activityRegularizer(String name) {
        this.activityRegularizer = name;
        return this;
    }

    public Conv2DBuilder activityRegularizer(Regularizer regularizer) {
        this.activityRegularizer = regularizer;
        return this;
    }

    /** A Keras constraint name (max_norm, non_neg, unit_norm, min_max_norm, ...); null for none. */
    public Conv2DBuilder kernelConstraint(String name) {
        this.kernelConstraint = name;
        return this;
    }

    public Conv2DBuilder kernelConstraint(Constraint constraint) {
        this.kernelConstraint = constraint;
        return this;
    }

    public Conv2DBuilder biasConstraint(String name) {
        this.biasConstraint = name;
        return this;
    }

    public Conv2DBuilder biasConstraint(Constraint constraint) {
        this.biasConstraint = constraint;
        return this;
    }

    /** The layer name (default "conv2d"). */
    public Conv2DBuilder name(String name) {
        this.name = name;
        return this;
    }

    public Conv2DBuilder trainable(boolean trainable) {
        this.trainable = trainable;
        return this;
    }

    /** "float32" (the default) or null (Keras' unbuilt "infer" policy); nothing else is computed. */
    public Conv2DBuilder dtype(String dtype) {
        this.dtype = dtype;
        return this;
    }

    /** Keras {@code input_shape} (without the batch axis, e.g. 28, 28, 1): stored as batch_input_shape (None, ...). */
    public Conv2DBuilder inputShape(Integer... shapeWithoutBatch) {
        Integer[] full = new Integer[shapeWithoutBatch.length + 1];
        System.arraycopy(shapeWithoutBatch, 0, full, 1, shapeWithoutBatch.length);
        this.batchInputShape = Arrays.asList(full);
        return this;
    }

    /** Keras {@code batch_input_shape}; null elements are unknown sizes. */
    public Conv2DBuilder batchInputShape(Integer... shape) {
        this.batchInputShape = shape == null ? null : Arrays.asList(shape.clone());
        return this;
    }

    /** Which Keras version's names and formulas to follow (default TF 1.15). */
    public Conv2DBuilder semantics(KerasSemantics semantics) {
        this.semantics = semantics;
        return this;
    }

    /** Where to look for keras.json when no data format is given (default: this process' environment and home). */
    public Conv2DBuilder kerasDefaults(KerasJsonDefaults defaults) {
        this.kerasDefaults = defaults;
        return this;
    }

    /** The validated arguments. */
    public Conv2DSpec spec() {
        if (semantics == null) {
            throw new IllegalArgumentException("semantics=None is not supported: expected one of TF_1_15, KERAS_2, "
                    + "KERAS_3, KERAS_3_14");
        }
        Padding resolvedPadding = padding instanceof Padding p ? p : Padding.fromKerasName((String) padding);
        DataFormat resolvedFormat;
        if (dataFormat instanceof DataFormat f) {
            resolvedFormat = f;
        } else if (dataFormat == null) {
            resolvedFormat = (kerasDefaults == null ? KerasJsonDefaults.fromSystem() : kerasDefaults).imageDataFormat();
        } else {
            resolvedFormat = DataFormat.fromKerasName((String) dataFormat);
        }
        Activation resolvedActivation = activation instanceof Activation a ? a
                : Activations.get((String) activation, semantics);
        return new Conv2DSpec(name, trainable, dtype, batchInputShape, filters, kernelSize[0], kernelSize[1],
                strides[0], strides[1], resolvedPadding, resolvedFormat, dilationRate[0], dilationRate[1], groups,
                resolvedActivation, useBias, initializer("kernel_initializer", kernelInitializer),
                initializer("bias_initializer", biasInitializer), regularizer("kernel_regularizer", kernelRegularizer),
                regularizer("bias_regularizer", biasRegularizer),
                regularizer("activity_regularizer", activityRegularizer),
                constraint("kernel_constraint", kernelConstraint), constraint("bias_constraint", biasConstraint),
                semantics);
    }

    /** Validates the arguments and creates the layer. */
    public Conv2D build() {
        return new Conv2D(spec());
    }

    private Initializer initializer(String argument, Object value) {
        if (value instanceof Initializer i) {
            return i;
        }
        try {
            return Initializers.get((String) value, semantics);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(argument + ": " + e.getMessage(), e);
        }
    }

    private Regularizer regularizer(String argument, Object value) {
        if (value == null || value instanceof Regularizer) {
            return (Regularizer) value;
        }
        try {
            return Regularizers.get((String) value, semantics);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(argument + ": " + e.getMessage(), e);
        }
    }

    private Constraint constraint(String argument, Object value) {
        if (value == null || value instanceof Constraint) {
            return (Constraint) value;
        }
        try {
            return Constraints.get((String) value, semantics);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(argument + ": " + e.getMessage(), e);
        }
    }
}
