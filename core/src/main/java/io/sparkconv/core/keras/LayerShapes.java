package io.sparkconv.core.keras;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Input and output shapes of a model's layers where the config tells them: declared input shapes
 * ({@code batch_input_shape}, {@code batch_shape}, Keras 3 {@code build_config} and inbound tensor shapes),
 * chained through Sequential order or a Functional layer's single inbound layer, and computed for Conv2D,
 * 2-D pooling, Flatten, Dense, global pooling and shape-preserving layers. Everything else stays unknown.
 */
final class LayerShapes {
    private static final Set<String> SHAPE_PRESERVING = Set.of("Activation", "Dropout", "BatchNormalization", "ReLU",
            "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "LayerNormalization", "GaussianNoise",
            "GaussianDropout", "SpatialDropout2D", "ActivityRegularization", "AlphaDropout", "Add", "Subtract",
            "Multiply", "Average", "Maximum", "Minimum", "Rescaling", "Normalization", "UnitNormalization");

    private LayerShapes() {
    }

    static List<KerasLayerInfo> describe(List<JsonNode> entries) {
        List<KerasLayerInfo> out = new ArrayList<>(entries.size());
        Map<String, List<Integer>> outputByName = new HashMap<>();
        List<Integer> previousOutput = null;
        for (int i = 0; i < entries.size(); i++) {
            JsonNode entry = entries.get(i);
            String className = entry.get("class_name").asText();
            JsonNode config = entry.get("config");
            String name = entry.hasNonNull("name") ? entry.get("name").asText()
                    : config.hasNonNull("name") ? config.get("name").asText() : className.toLowerCase() + "_" + i;
            boolean functional = entry.has("inbound_nodes");
            List<Integer> input = firstKnown(shape(config.get("batch_input_shape")), shape(config.get("batch_shape")),
                    shape(entry.path("build_config").get("input_shape")), inboundShape(entry, outputByName),
                    functional ? null : previousOutput);
            List<Integer> output = null;
            try {
                output = outputShape(className, config, input, name);
            } catch (KerasFileException e) {
                output = null; // a bad Conv2D config is reported when that layer is asked for, not when listing
            }
            outputByName.put(name, output);
            previousOutput = output;
            out.add(new KerasLayerInfo(i, name, className, input, output,
                    KerasModelFile.CONV2D.equals(className)));
        }
        return out;
    }

    private static List<Integer> outputShape(String className, JsonNode config, List<Integer> input, String name) {
        if ("InputLayer".equals(className)) {
            return input;
        }
        if (input == null) {
            return null;
        }
        switch (className) {
            case "Conv2D":
                return Conv2DGeometry.of(config, name, null).outputShape(input);
            case "MaxPooling2D":
            case "AveragePooling2D":
                return poolingShape(config, input);
            case "Flatten": {
                long product = 1;
                for (int d = 1; d < input.size(); d++) {
                    if (input.get(d) == null) {
                        return null;
                    }
                    product *= input.get(d);
                }
                if (product > Integer.MAX_VALUE) {
                    return null;
                }
                List<Integer> out = new ArrayList<>();
                out.add(input.get(0));
                out.add((int) product);
                return out;
            }
            case "Dense": {
                List<Integer> out = new ArrayList<>(input);
                out.set(out.size() - 1, config.path("units").asInt());
                return out;
            }
            case "GlobalAveragePooling2D":
            case "GlobalMaxPooling2D": {
                if (input.size() != 4 || config.path("keepdims").asBoolean(false)) {
                    return null;
                }
                boolean first = "channels_first".equals(config.path("data_format").asText());
                List<Integer> out = new ArrayList<>();
                out.add(input.get(0));
                out.add(first ? input.get(1) : input.get(3));
                return out;
            }
            default:
                return SHAPE_PRESERVING.contains(className) ? input : null;
        }
    }

    private static List<Integer> poolingShape(JsonNode config, List<Integer> input) {
        JsonNode pool = config.get("pool_size");
        JsonNode strides = config.get("strides");
        if (input.size() != 4 || pool == null || !pool.isArray() || pool.size() != 2) {
            return null;
        }
        if (strides == null || strides.isNull()) {
            strides = pool;
        }
        if (!strides.isArray() || strides.size() != 2) {
            return null;
        }
        boolean first = "channels_first".equals(config.path("data_format").asText());
        boolean same = "same".equals(config.path("padding").asText());
        int hAxis = first ? 2 : 1;
        List<Integer> out = new ArrayList<>(input);
        for (int a = 0; a < 2; a++) {
            Integer in = input.get(hAxis + a);
            int k = pool.get(a).asInt();
            int s = strides.get(a).asInt();
            if (in == null || k <= 0 || s <= 0) {
                out.set(hAxis + a, null);
                continue;
            }
            if (!same && in < k) {
                return null;
            }
            out.set(hAxis + a, same ? (in + s - 1) / s : (in - k) / s + 1);
        }
        return out;
    }

    /** Keras 2: [[["name", 0, 0, {}]]]; Keras 3: [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": ...}}]}]. */
    private static List<Integer> inboundShape(JsonNode entry, Map<String, List<Integer>> outputByName) {
        JsonNode nodes = entry.get("inbound_nodes");
        if (nodes == null || !nodes.isArray() || nodes.size() == 0) {
            return null;
        }
        JsonNode node = nodes.get(0);
        if (node.isObject()) {
            JsonNode args = node.path("args");
            JsonNode tensor = args.isArray() && args.size() > 0 ? args.get(0) : null;
            if (tensor != null && tensor.isArray() && tensor.size() > 0) {
                tensor = tensor.get(0); // merge layers take a list of tensors
            }
            return tensor == null ? null : shape(tensor.path("config").get("shape"));
        }
        if (node.isArray() && node.size() > 0 && node.get(0).isArray() && node.get(0).size() > 0) {
            return outputByName.get(node.get(0).get(0).asText());
        }
        return null;
    }

    @SafeVarargs
    private static List<Integer> firstKnown(List<Integer>... candidates) {
        for (List<Integer> c : candidates) {
            if (c != null) {
                return c;
            }
        }
        return null;
    }

    private static List<Integer> shape(JsonNode node) {
        if (node == null || !node.isArray() || node.size() == 0 || node.size() > 16) {
            return null;
        }
        List<Integer> shape = new ArrayList<>();
        for (JsonNode d : node) {
            if (d.isNull()) {
                shape.add(null);
            } else if (d.canConvertToInt() && d.asInt() >= 0) {
                shape.add(d.asInt());
            } else {
                return null;
            }
        }
        return shape;
    }
}
