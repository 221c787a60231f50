package io.sparkconv.core.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkconv.core.activation.Activation;
import io.sparkconv.core.activation.Activations;
import io.sparkconv.core.constraint.Constraint;
import io.sparkconv.core.constraint.Constraints;
import io.sparkconv.core.config.KerasJsonDefaults;
import io.sparkconv.core.config.KerasSemantics;
import io.sparkconv.core.initializer.Initializer;
import io.sparkconv.core.initializer.Initializers;
import io.sparkconv.core.regularizer.Regularizer;
import io.sparkconv.core.regularizer.Regularizers;
import io.sparkconv.core.tensor.DataFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keras Conv2D layer config JSON in and out (spec §8.1), via Jackson.
 *
 * <p>Reads {@code {"class_name": "Conv2D" | "Convolution2D", "config": {...}}} (a bare config object works too)
 * in the TF 1.15 form and the Keras 2/3 forms: new-style {@code {"module", "class_name", "config",
 * "registered_name"}} sub-objects, Keras 3.5+ {@code DTypePolicy} dtype objects, {@code groups}. The semantics
 * follow the file's {@code keras_version} when given; otherwise they are inferred from the config's form
 * (new-style sub-objects or a DTypePolicy: Keras 3; a {@code groups} key: Keras 2; else TF 1.15).
 *
 * <p>Writes the TF 1.15 form exactly as {@code json.dumps(layer.get_config())} wrapped in class_name/config
 * does: key order, initializers and regularizers as TF 1.15 serializes them, float32 factors widened to double,
 * {@code batch_input_shape} only when given, {@code groups} only when not 1 (TF 1.15 has no groups). A layer
 * with Keras 2 or Keras 3 semantics also gets a root-level {@code "keras_version"} (as Keras model JSON has)
 * so that reading it back restores those semantics.
 */
public final class KerasLayerConfig {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactory();

    /** Config keys that carry no meaning for the computation and may take any value. */
    private static final Set<String> IGNORED_KEYS = Set.of("dynamic", "autocast");

    private KerasLayerConfig() {
    }

    /**
     * Parses a layer config. The semantics come from a root-level {@code "keras_version"} (as in Keras model JSON,
     * and as {@link #toJson} writes for layers that do not follow TF 1.15), else from the config's form.
     */
    public static Conv2DSpec parse(String json) {
        return parse(json, (String) null);
    }

    /**
     * Parses a layer config written by Keras {@code kerasVersion} (the file's {@code keras_version}, e.g.
     * "2.2.4-tf", "2.15.0", "3.11.1"), which picks the semantics; null infers them from the config's form.
     */
    public static Conv2DSpec parse(String json, String kerasVersion) {
        JsonNode root = readTree(json);
        if (kerasVersion == null && root.path("keras_version").isTextual()) {
            kerasVersion = root.get("keras_version").asText(); // written by toJson for non-TF-1.15 layers
        }
        KerasSemantics semantics = kerasVersion == null ? detectSemantics(root)
                : KerasSemantics.forKerasVersion(kerasVersion);
        return parse(root, semantics, KerasJsonDefaults.fromSystem());
    }

    /** Parses a layer config with explicitly chosen semantics. */
    public static Conv2DSpec parse(String json, KerasSemantics semantics) {
        return parse(readTree(json), semantics, KerasJsonDefaults.fromSystem());
    }

    /**
     * Parses a layer ({@code {"class_name", "config"}}) or bare config node. A missing or null
     * {@code data_format} is resolved from keras.json through {@code defaults}, as Keras does at construction.
     */
    public static Conv2DSpec parse(JsonNode layer, KerasSemantics semantics, KerasJsonDefaults defaults) {
        if (semantics == null) {
            throw new IllegalArgumentException("semantics must not be null");
        }
        JsonNode config = configOf(layer);
        return new ConfigReader(config, semantics, defaults).read();
    }

    /**
     * The semantics a config's form implies when no keras_version is known: a Keras 3.5+ DTypePolicy or
     * new-style {@code "module"} sub-objects mean Keras 3, a {@code groups} key means Keras 2, else TF 1.15.
     */
    public static KerasSemantics detectSemantics(JsonNode layerOrConfig) {
        JsonNode config = configOf(layerOrConfig);
        boolean newStyle = false;
        for (Iterator<JsonNode> it = config.elements(); it.hasNext(); ) {
            JsonNode v = it.next();
            if (v.isObject() && v.has("module")) {
                newStyle = true;
            }
        }
        if (newStyle || layerOrConfig.has("module")) {
            return KerasSemantics.KERAS_3;
        }
        return config.has("groups") ? KerasSemantics.KERAS_2 : KerasSemantics.TF_1_15;
    }

    private static JsonNode readTree(String json) {
        if (json == null) {
            throw new IllegalArgumentException("layer config is null: expected a JSON object");
        }
        try {
            JsonNode root = MAPPER.readTree(json);
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException("layer config is not a JSON object: expected "
                        + "{\"class_name\": \"Conv2D\", \"config\": {...}}");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("layer config is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static JsonNode configOf(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("layer config is not a JSON object: expected "
                    + "{\"class_name\": \"Conv2D\", \"config\": {...}}");
        }
        if (root.has("class_name")) {
            String className = root.get("class_name").asText();
            if (!className.equals("Conv2D") && !className.equals("Convolution2D")) {
                throw new IllegalArgumentException("class_name='" + className + "' is not supported: expected "
                        + "\"Conv2D\" (or its alias \"Convolution2D\")");
            }
            JsonNode config = root.get("config");
            if (config == null || !config.isObject()) {
                throw new IllegalArgumentException("layer " + className + " has no \"config\" object: expected "
                        + "{\"class_name\": \"Conv2D\", \"config\": {...}}");
            }
            return config;
        }
        if (root.has("filters")) {
            return root;
        }
        throw new IllegalArgumentException("layer config has neither \"class_name\" nor \"filters\": expected "
                + "{\"class_name\": \"Conv2D\", \"config\": {...}} or a Conv2D config object");
    }

    // ---- writing ----------------------------------------------------------------------------------------

    /** The TF 1.15 form of this layer's config, exactly as TF 1.15 tf.keras writes it with json.dumps. */
    public static String toJson(Conv2DSpec spec) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", spec.name());
        config.put("trainable", spec.trainable());
        if (spec.batchInputShape() != null) {
            config.put("batch_input_shape", spec.batchInputShape());
        }
        config.put("dtype", spec.dtype());
        config.put("filters", spec.filters());
        config.put("kernel_size", List.of(spec.kernelHeight(), spec.kernelWidth()));
        config.put("strides", List.of(spec.strideHeight(), spec.strideWidth()));
        config.put("padding", spec.padding().kerasName());
        config.put("data_format", spec.dataFormat().kerasName());
        config.put("dilation_rate", List.of(spec.dilationHeight(), spec.dilationWidth()));
        if (spec.groups() != 1) {
            config.put("groups", spec.groups());
        }
        config.put("activation", spec.activation().kerasName());
        config.put("use_bias", spec.useBias());
        config.put("kernel_initializer", serialize(spec.kernelInitializer()));
        config.put("bias_initializer", serialize(spec.biasInitializer()));
        config.put("kernel_regularizer", serialize(spec.kernelRegularizer()));
        config.put("bias_regularizer", serialize(spec.biasRegularizer()));
        config.put("activity_regularizer", serialize(spec.activityRegularizer()));
        config.put("kernel_constraint", serialize(spec.kernelConstraint()));
        config.put("bias_constraint", serialize(spec.biasConstraint()));
        Map<String, Object> layer = new LinkedHashMap<>();
        layer.put("class_name", "Conv2D");
        layer.put("config", config);
        String version = representativeVersion(spec.semantics());
        if (version != null) {
            // Keeps the layer's meaning (activation formulas, names, activity-penalty division) through a
            // toJson/parse round trip, e.g. when a Spark job ships the layer as JSON.
            layer.put("keras_version", version);
        }
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.setPrettyPrinter(new PythonJson.Separators());
            PythonJson.write(g, layer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** A keras_version that {@link KerasSemantics#forKerasVersion} maps back to {@code semantics}; null for TF 1.15. */
    static String representativeVersion(KerasSemantics semantics) {
        switch (semantics) {
            case KERAS_2:
                return "2.15.0";
            case KERAS_3:
                return "3.0.0";
            case KERAS_3_14:
                return "3.14.0";
            default:
                return null;
        }
    }

    private static Map<String, Object> serialize(Object part) {
        if (part == null) {
            return null;
        }
        String className;
        Map<String, Object> config;
        if (part instanceof Initializer i) {
            className = i.className();
            config = i.config();
        } else if (part instanceof Regularizer r) {
            className = r.className();
            config = r.config();
        } else {
            Constraint c = (Constraint) part;
            className = c.className();
            config = c.config();
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("class_name", className);
        result.put("config", config);
        return result;
    }

    // ---- reading ----------------------------------------------------------------------------------------

    /** Reads one config object, tracking which keys were used so unknown ones can be rejected. */
    private static final class ConfigReader {
        private final JsonNode config;
        private final KerasSemantics semantics;
        private final KerasJsonDefaults defaults;
        private final Set<String> used = new HashSet<>();

        ConfigReader(JsonNode config, KerasSemantics semantics, KerasJsonDefaults defaults) {
            this.config = config;
            this.semantics = semantics;
            this.defaults = defaults;
        }

        Conv2DSpec read() {
            String name = text("name", "conv2d");
            boolean trainable = bool("trainable", true);
            String dtype = dtype();
            List<Integer> batchInputShape = batchInputShape();
            int filters = integer("filters", config.get("filters"));
            used.add("filters");
            int[] kernel = pair("kernel_size", true, 0);
            int[] strides = pair("strides", false, 1);
            Padding padding = padding();
            DataFormat dataFormat = dataFormat();
            int[] dilation = pair("dilation_rate", false, 1);
            JsonNode groupsNode = get("groups");
            int groups = groupsNode == null || groupsNode.isNull() ? 1 : integer("groups", groupsNode);
            Activation activation = activation();
            boolean useBias = bool("use_bias", true);
            Initializer kernelInitializer = initializer("kernel_initializer", "glorot_uniform");
            Initializer biasInitializer = initializer("bias_initializer", "zeros");
            Regularizer kernelRegularizer = regularizer("kernel_regularizer");
            Regularizer biasRegularizer = regularizer("bias_regularizer");
            Regularizer activityRegularizer = regularizer("activity_regularizer");
            Constraint kernelConstraint = constraint("kernel_constraint");
            Constraint biasConstraint = constraint("bias_constraint");
            nullOnly("lora_rank", "LoRA fine-tuning weights are not supported");
            nullOnly("lora_alpha", "LoRA fine-tuning weights are not supported");
            rejectUnknownKeys();
            return new Conv2DSpec(name, trainable, dtype, batchInputShape, filters, kernel[0], kernel[1], strides[0],
                    strides[1], padding, dataFormat, dilation[0], dilation[1], groups, activation, useBias,
                    kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer,
                    kernelConstraint, biasConstraint, semantics);
        }

        private JsonNode get(String key) {
            used.add(key);
            return config.get(key);
        }

        private String text(String key, String fallback) {
            JsonNode v = get(key);
            if (v == null || v.isNull()) {
                return fallback;
            }
            if (!v.isTextual()) {
                throw new IllegalArgumentException(key + "=" + v + " is not supported: expected a string");
            }
            return v.asText();
        }

        private boolean bool(String key, boolean fallback) {
            JsonNode v = get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isBoolean()) {
                throw new IllegalArgumentException(key + "=" + v + " is not supported: expected true or false");
            }
            return v.asBoolean();
        }

        /** An int, a float with an integral value (TF 1.15 keeps 32.0), or a bool (Python's True == 1). */
        private int integer(String key, JsonNode v) {
            if (v == null || v.isNull()) {
                throw new IllegalArgumentException(key + "=None is not supported: expected a positive integer");
            }
            if (v.isBoolean()) {
                // Python would take True as 1; a boolean here is a mistake, not a count.
                throw new IllegalArgumentException(key + "=" + v + " is a boolean: expected a positive integer");
            }
            if (v.isIntegralNumber() && v.canConvertToInt()) {
                return v.asInt();
            }
            if (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()) && Math.abs(v.asDouble()) < Integer.MAX_VALUE) {
                return (int) v.asDouble();
            }
            throw new IllegalArgumentException(key + "=" + v + " is not supported: expected a positive integer");
        }

        private int[] pair(String key, boolean required, int fallback) {
            JsonNode v = get(key);
            if (v == null || v.isNull()) {
                if (required) {
                    throw new IllegalArgumentException(key + "=None is not supported: expected an integer or a tuple "
                            + "of 2 integers");
                }
                return new int[] {fallback, fallback};
            }
            if (v.isArray()) {
                if (v.size() != 2 || !isInteger(v.get(0)) || !isInteger(v.get(1))) {
                    throw new IllegalArgumentException(key + "=" + v + " is not supported: The `" + key + "` argument"
                            + " must be a tuple of 2 integers");
                }
                return new int[] {integer(key, v.get(0)), integer(key, v.get(1))};
            }
            if (isInteger(v)) {
                int i = integer(key, v);
                return new int[] {i, i};
            }
            throw new IllegalArgumentException(key + "=" + v + " is not supported: expected an integer or a tuple"
                    + " of 2 integers");
        }

        private static boolean isInteger(JsonNode v) {
            return v != null && (v.isBoolean() || v.isIntegralNumber()
                    || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble())));
        }

        private String dtype() {
            JsonNode v = get("dtype");
            if (v == null || v.isNull()) {
                return null;
            }
            if (v.isTextual()) {
                return v.asText();
            }
            if (v.isObject() && v.has("config") && v.get("config").has("name")) {
                String className = v.path("class_name").asText();
                if (!className.equals("DTypePolicy") && !className.equals("FloatDTypePolicy")
                        && !className.equals("Policy")) {
                    throw new IllegalArgumentException("dtype=" + v + " is not supported: expected \"float32\" or a "
                            + "DTypePolicy named float32");
                }
                return v.get("config").get("name").asText();
            }
            throw new IllegalArgumentException("dtype=" + v + " is not supported: expected \"float32\" or a "
                    + "DTypePolicy named float32");
        }

        /** batch_input_shape, or Keras 3's batch_shape, or input_shape (without the batch axis). */
        private List<Integer> batchInputShape() {
            String key = "batch_input_shape";
            JsonNode v = get(key);
            boolean withoutBatch = false;
            for (String alternative : new String[] {"batch_shape", "input_shape"}) {
                JsonNode other = get(alternative);
                if ((v == null || v.isNull()) && other != null && !other.isNull()) {
                    key = alternative;
                    v = other;
                    withoutBatch = alternative.equals("input_shape");
                }
            }
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isArray()) {
                throw new IllegalArgumentException(key + "=" + v + " is not supported: expected a list of "
                        + "integers or null");
            }
            List<Integer> shape = new ArrayList<>();
            if (withoutBatch) {
                shape.add(null);
            }
            for (JsonNode d : v) {
                if (d.isNull()) {
                    shape.add(null);
                } else if (d.isIntegralNumber() && d.canConvertToInt()) {
                    shape.add(d.asInt());
                } else {
                    throw new IllegalArgumentException(key + "=" + v + " is not supported: expected a list "
                            + "of integers or null");
                }
            }
            return shape;
        }

        private Padding padding() {
            JsonNode v = get("padding");
            if (v == null || v.isNull()) {
                return Padding.VALID;
            }
            if (!v.isTextual()) {
                throw new IllegalArgumentException("padding=" + v + " is not supported by Conv2D: expected one of "
                        + "\"valid\", \"same\"");
            }
            return Padding.fromKerasName(v.asText());
        }

        private DataFormat dataFormat() {
            JsonNode v = get("data_format");
            if (v == null || v.isNull()) {
                return (defaults == null ? KerasJsonDefaults.fromSystem() : defaults).imageDataFormat();
            }
            if (!v.isTextual()) {
                throw new IllegalArgumentException("data_format=" + v + " is not supported: expected one of "
                        + "\"channels_first\", \"channels_last\"");
            }
            return DataFormat.fromKerasName(v.asText());
        }

        private Activation activation() {
            JsonNode v = get("activation");
            if (v == null || v.isNull()) {
                return Activations.linear();
            }
            if (v.isTextual()) {
                return Activations.get(v.asText(), semantics);
            }
            if (v.isObject() && "function".equals(v.path("class_name").asText()) && v.path("config").isTextual()
                    && v.path("module").asText("keras.activations").startsWith("keras")) {
                return Activations.get(v.get("config").asText(), semantics);
            }
            throw new IllegalArgumentException("activation=" + v + " is not supported: expected the name of a built-in"
                    + " activation, one of " + String.join(", ", Activations.names(semantics)));
        }

        private Initializer initializer(String key, String fallback) {
            JsonNode v = get(key);
            if (v == null) {
                return Initializers.get(fallback, semantics);
            }
            try {
                if (v.isNull()) {
                    return Initializers.get(null, semantics);
                }
                if (v.isTextual()) {
                    return Initializers.get(v.asText(), semantics);
                }
                String className = classNameOf(key, v);
                return Initializers.fromConfig(className, configMap(key, v), semantics);
            } catch (IllegalArgumentException e) {
                throw prefixed(key, e);
            }
        }

        private Regularizer regularizer(String key) {
            JsonNode v = get(key);
            if (v == null || v.isNull()) {
                return null;
            }
            try {
                if (v.isTextual()) {
                    return Regularizers.get(v.asText(), semantics);
                }
                return Regularizers.fromConfig(classNameOf(key, v), configMap(key, v), semantics);
            } catch (IllegalArgumentException e) {
                throw prefixed(key, e);
            }
        }

        private Constraint constraint(String key) {
            JsonNode v = get(key);
            if (v == null || v.isNull()) {
                return null;
            }
            try {
                if (v.isTextual()) {
                    return Constraints.get(v.asText(), semantics);
                }
                return Constraints.fromConfig(classNameOf(key, v), configMap(key, v), semantics);
            } catch (IllegalArgumentException e) {
                throw prefixed(key, e);
            }
        }

        private static IllegalArgumentException prefixed(String key, IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(key)) {
                return e;
            }
            return new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }

        /** The class_name of a legacy {"class_name", "config"} or new-style {"module", ...} sub-object. */
        private static String classNameOf(String key, JsonNode v) {
            if (!v.isObject() || !v.path("class_name").isTextual()) {
                throw new IllegalArgumentException(key + "=" + v + " is not supported: expected a name or "
                        + "{\"class_name\": ..., \"config\": {...}}");
            }
            String module = v.path("module").asText("keras");
            JsonNode registered = v.get("registered_name");
            if (!module.startsWith("keras") || (registered != null && !registered.isNull()
                    && !registered.asText().equals(v.get("class_name").asText()))) {
                throw new IllegalArgumentException(key + "=" + v + " is not supported: custom objects (module '"
                        + module + "', registered_name " + registered + ") cannot be loaded; expected a built-in Keras "
                        + "class");
            }
            return v.get("class_name").asText();
        }

        private static Map<String, Object> configMap(String key, JsonNode v) {
            JsonNode c = v.get("config");
            if (c == null || c.isNull()) {
                return Map.of();
            }
            if (!c.isObject()) {
                throw new IllegalArgumentException(key + " config=" + c + " is not supported: expected an object");
            }
            Map<String, Object> map = new LinkedHashMap<>();
            c.fields().forEachRemaining(e -> map.put(e.getKey(), plain(e.getValue())));
            return map;
        }

        /** JSON to plain Java: Integer/Long, Double, String, Boolean, List, Map or null. */
        private static Object plain(JsonNode n) {
            if (n == null || n.isNull()) {
                return null;
            }
            if (n.isBoolean()) {
                return n.asBoolean();
            }
            if (n.isIntegralNumber()) {
                return n.canConvertToInt() ? (Object) n.asInt() : (Object) n.asLong();
            }
            if (n.isNumber()) {
                return n.asDouble();
            }
            if (n.isTextual()) {
                return n.asText();
            }
            if (n.isArray()) {
                List<Object> list = new ArrayList<>();
                n.forEach(e -> list.add(plain(e)));
                return list;
            }
            Map<String, Object> map = new LinkedHashMap<>();
            n.fields().forEachRemaining(e -> map.put(e.getKey(), plain(e.getValue())));
            return map;
        }

        private void nullOnly(String key, String reason) {
            JsonNode v = get(key);
            if (v != null && !v.isNull()) {
                throw new IllegalArgumentException(key + "=" + v + " is not supported: " + reason + " (expected None)");
            }
        }

        private void rejectUnknownKeys() {
            for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                if (used.contains(key) || IGNORED_KEYS.contains(key) || e.getValue().isNull()) {
                    continue;
                }
                throw new IllegalArgumentException("Conv2D config key '" + key + "'=" + e.getValue()
                        + " is not supported: expected only the Conv2D arguments (name, trainable, dtype, "
                        + "batch_input_shape, filters, kernel_size, strides, padding, data_format, dilation_rate, "
                        + "groups, activation, use_bias, kernel/bias initializers, kernel/bias/activity regularizers, "
                        + "kernel/bias constraints)");
            }
        }
    }
}
