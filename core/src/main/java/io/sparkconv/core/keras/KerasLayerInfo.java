package io.sparkconv.core.keras;

import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One layer of a Keras model as listed by {@link KerasModelFile#layers()}.
 *
 * @param index       position in the model config's layer list (0-based)
 * @param name        the layer's name
 * @param className   the Keras class name, e.g. {@code Conv2D}
 * @param inputShape  the input shape with the batch axis, {@code null} entries for unknown (None) sizes;
 *                    {@code null} when the shape is not known from the file
 * @param outputShape the output shape, same conventions as {@code inputShape}
 * @param runnable    whether sparkconv can run this layer (Conv2D)
 */
public record KerasLayerInfo(int index, String name, String className, List<Integer> inputShape,
                             List<Integer> outputShape, boolean runnable) {

    public KerasLayerInfo {
        inputShape = inputShape == null ? null : Collections.unmodifiableList(inputShape);
        outputShape = outputShape == null ? null : Collections.unmodifiableList(outputShape);
    }

    /** Keras' way of printing a shape, e.g. {@code (None, 28, 28, 1)}; {@code ?} when unknown. */
    public static String formatShape(List<Integer> shape) {
        if (shape == null) {
            return "?";
        }
        String body = shape.stream().map(d -> d == null ? "None" : d.toString()).collect(Collectors.joining(", "));
        return shape.size() == 1 ? "(" + body + ",)" : "(" + body + ")";
    }
}
