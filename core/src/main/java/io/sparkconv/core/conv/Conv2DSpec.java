package io.sparkconv.core.conv;

import io.sparkconv.core.activation.Activation;
import io.sparkconv.core.constraint.Constraint;
import io.sparkconv.core.initializer.Initializer;
import io.sparkconv.core.regularizer.Regularizer;
import io.sparkconv.core.tensor.DataFormat;
import java.util.List;

/**
 * The validated, immutable arguments of a Keras Conv2D layer. Every argument rule of the spec is checked in
 * the compact constructor, so an instance is always valid; nothing downstream checks arguments again.
 * Nullable: the three regularizers, the two constraints, {@code batchInputShape} (its first element may be
 * null for an unknown batch size) and {@code dtype}.
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

    /** Kernel shape {@code (kh, kw, Cin/groups, F)} for an input with {@code inputChannels} channels. */
    public int[] kernelShape(int inputChannels) {
        return new int[] {kernelHeight, kernelWidth, inputChannels / groups, filters};
    }
}
