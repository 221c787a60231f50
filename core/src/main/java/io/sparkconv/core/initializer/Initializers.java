package io.sparkconv.core.initializer;

import io.sparkconv.core.config.VersionTables;
import io.sparkconv.core.config.KerasSemantics;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keras initializers by name or by serialized {@code {"class_name", "config"}}, for a given {@link KerasSemantics}
 * (spec §5.3, §5.4). Names are case-sensitive; a name that version does not know is rejected with the list of
 * names it does know.
 */
public final class Initializers {

    private enum Kind {
        GLOROT_UNIFORM, GLOROT_NORMAL, HE_NORMAL, HE_UNIFORM, LECUN_NORMAL, LECUN_UNIFORM, VARIANCE_SCALING,
        ZEROS, ONES, CONSTANT, RANDOM_NORMAL, RANDOM_UNIFORM, TRUNCATED_NORMAL, ORTHOGONAL, IDENTITY
    }

    private static final Map<String, Kind> TF_1_15 = new LinkedHashMap<>();
    private static final Map<String, Kind> KERAS_2 = new LinkedHashMap<>();
    private static final Map<String, Kind> KERAS_3 = new LinkedHashMap<>();

    static {
        // TF 1.15 v1 mode: the keras/initializers.py globals plus the four special-cased he_/lecun_ strings.
        put(TF_1_15, Kind.GLOROT_UNIFORM, "glorot_uniform", "GlorotUniform");
        put(TF_1_15, Kind.GLOROT_NORMAL, "glorot_normal", "GlorotNormal");
        put(TF_1_15, Kind.HE_NORMAL, "he_normal");
        put(TF_1_15, Kind.HE_UNIFORM, "he_uniform");
        put(TF_1_15, Kind.LECUN_NORMAL, "lecun_normal");
        put(TF_1_15, Kind.LECUN_UNIFORM, "lecun_uniform");
        put(TF_1_15, Kind.VARIANCE_SCALING, "VarianceScaling");
        put(TF_1_15, Kind.ZEROS, "zeros", "zero", "Zeros");
        put(TF_1_15, Kind.ONES, "ones", "one", "Ones");
        put(TF_1_15, Kind.CONSTANT, "constant", "Constant");
        put(TF_1_15, Kind.RANDOM_NORMAL, "random_normal", "normal", "RandomNormal");
        put(TF_1_15, Kind.RANDOM_UNIFORM, "random_uniform", "uniform", "RandomUniform");
        put(TF_1_15, Kind.TRUNCATED_NORMAL, "truncated_normal", "TruncatedNormal");
        put(TF_1_15, Kind.ORTHOGONAL, "orthogonal", "Orthogonal");
        put(TF_1_15, Kind.IDENTITY, "identity", "Identity");
        // Keras 2: every class under its class name and snake_case, plus normal, uniform, one, zero.
        for (Map<String, Kind> m : List.of(KERAS_2, KERAS_3)) {
            put(m, Kind.ZEROS, "Zeros", "zeros", "zero");
            put(m, Kind.ONES, "Ones", "ones", "one");
            put(m, Kind.CONSTANT, "Constant", "constant");
            put(m, Kind.RANDOM_NORMAL, "RandomNormal", "random_normal", "normal");
            put(m, Kind.RANDOM_UNIFORM, "RandomUniform", "random_uniform", "uniform");
            put(m, Kind.TRUNCATED_NORMAL, "TruncatedNormal", "truncated_normal");
            put(m, Kind.VARIANCE_SCALING, "VarianceScaling", "variance_scaling");
            put(m, Kind.ORTHOGONAL, "Orthogonal", "orthogonal");
            put(m, Kind.IDENTITY, "Identity", "identity");
            put(m, Kind.GLOROT_UNIFORM, "GlorotUniform", "glorot_uniform");
            put(m, Kind.GLOROT_NORMAL, "GlorotNormal", "glorot_normal");
            put(m, Kind.HE_NORMAL, "HeNormal", "he_normal");
            put(m, Kind.HE_UNIFORM, "HeUniform", "he_uniform");
            put(m, Kind.LECUN_NORMAL, "LecunNormal", "lecun_normal");
            put(m, Kind.LECUN_UNIFORM, "LecunUniform", "lecun_uniform");
        }
        put(KERAS_3, Kind.IDENTITY, "IdentityInitializer");
        put(KERAS_3, Kind.ORTHOGONAL, "OrthogonalInitializer");
    }

    private static void put(Map<String, Kind> map, Kind kind, String... names) {
        for (String n : names) {
            map.put(n, kind);
        }
    }

    private Initializers() {
    }

    /** The names accepted for {@code semantics}. */
    public static List<String> names(KerasSemantics semantics) {
        return Collections.unmodifiableList(new ArrayList<>(table(semantics).keySet()));
    }

    /**
     * The initializer a Keras string names, with that class' defaults. {@code null} gives glorot_uniform, the
     * fallback of {@code add_weight} (spec §3.1).
     */
    public static Initializer get(String name, KerasSemantics semantics) {
        if (name == null) {
            return VarianceScaling.glorotUniform(null);
        }
        return fromConfig(name, Map.of(), semantics);
    }

    /**
     * The initializer of a serialized {@code {"class_name": className, "config": config}}. Config values are
     * Number, String, Boolean, List or null, as parsed from JSON; {@code dtype} must be float32 or null;
     * an unknown key is rejected.
     */
    public static Initializer fromConfig(String className, Map<String, ?> config, KerasSemantics semantics) {
        Kind kind = table(semantics).get(className);
        if (kind == null) {
            if ("STFTInitializer".equals(className) || "stft".equals(className)) {
                throw new IllegalArgumentException("initializer '" + className + "' is not supported: it is Keras 3's"
                        + " STFT kernel initializer for 1-D signals; expected one of "
                        + String.join(", ", table(semantics).keySet()));
            }
            throw new IllegalArgumentException("initializer '" + className + "' is not a " + VersionTables.describe(semantics)
                    + " initializer (names are case-sensitive): expected one of "
                    + String.join(", ", table(semantics).keySet()));
        }
        ConfigReader c = new ConfigReader(className, config);
        Initializer result;
        switch (kind) {
            case GLOROT_UNIFORM:
                result = VarianceScaling.glorotUniform(c.seed());
                break;
            case GLOROT_NORMAL:
                result = VarianceScaling.glorotNormal(c.seed());
                break;
            case HE_NORMAL:
                result = VarianceScaling.heNormal(c.seed());
                break;
            case HE_UNIFORM:
                result = VarianceScaling.heUniform(c.seed());
                break;
            case LECUN_NORMAL:
                result = VarianceScaling.lecunNormal(c.seed());
                break;
            case LECUN_UNIFORM:
                result = VarianceScaling.lecunUniform(c.seed());
                break;
            case VARIANCE_SCALING: {
                c.nullOnly("input_axes");
                c.nullOnly("output_axes");
                result = new VarianceScaling("VarianceScaling", c.number("scale", 1.0), c.string("mode", "fan_in"),
                        c.string("distribution", "truncated_normal"), c.seed());
                break;
            }
            case ZEROS:
                result = Constant.zeros();
                break;
            case ONES:
                result = Constant.ones();
                break;
            case CONSTANT:
                result = Constant.of(c.number("value", 0));
                break;
            case RANDOM_NORMAL:
                result = new RandomNormal(c.number("mean", 0.0), c.number("stddev", 0.05), c.seed());
                break;
            case RANDOM_UNIFORM:
                result = new RandomUniform(c.number("minval", -0.05), c.number("maxval", 0.05), c.seed());
                break;
            case TRUNCATED_NORMAL:
                result = new TruncatedNormal(c.number("mean", 0.0), c.number("stddev", 0.05), c.seed());
                break;
            case ORTHOGONAL:
                result = new Orthogonal(c.number("gain", 1.0), c.seed());
                break;
            case IDENTITY:
                result = new Identity(c.number("gain", 1.0));
                break;
            default:
                throw new AssertionError(kind);
        }
        c.dtype();
        c.rejectUnread();
        return result;
    }

    private static Map<String, Kind> table(KerasSemantics semantics) {
        return VersionTables.pick(semantics, TF_1_15, KERAS_2, KERAS_3);
    }

    /** Reads an initializer config, remembering which keys were used so leftovers can be rejected. */
    private static final class ConfigReader {
        private final String owner;
        private final Map<String, ?> config;
        private final Set<String> read = new java.util.HashSet<>();

        ConfigReader(String owner, Map<String, ?> config) {
            this.owner = owner;
            this.config = config == null ? Map.of() : config;
        }

        Number number(String key, Number fallback) {
            read.add(key);
            if (!config.containsKey(key) || config.get(key) == null) {
                return fallback;
            }
            Object v = config.get(key);
            if (v instanceof Number n && !(v instanceof Boolean)) {
                return n;
            }
            throw new IllegalArgumentException(owner + " " + key + "=" + v + " is not supported: expected a number");
        }

        String string(String key, String fallback) {
            read.add(key);
            Object v = config.get(key);
            if (v == null) {
                return fallback;
            }
            if (v instanceof String s) {
                return s;
            }
            throw new IllegalArgumentException(owner + " " + key + "=" + v + " is not supported: expected a string");
        }

        Long seed() {
            read.add("seed");
            Object v = config.get("seed");
            if (v == null) {
                return null;
            }
            if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                    && !(v instanceof Double d && d.isInfinite())) {
                return n.longValue();
            }
            throw new IllegalArgumentException(owner + " seed=" + v + " is not supported: expected an integer or None");
        }

        void nullOnly(String key) {
            read.add(key);
            if (config.get(key) != null) {
                throw new IllegalArgumentException(owner + " " + key + "=" + config.get(key)
                        + " is not supported: only None (the default fan computation) is");
            }
        }

        void dtype() {
            read.add("dtype");
            Object v = config.get("dtype");
            if (v != null && !"float32".equals(v)) {
                throw new IllegalArgumentException(owner + " dtype=" + v
                        + " is not supported: sparkconv computes in float32 (expected \"float32\" or None)");
            }
        }

        void rejectUnread() {
            for (String key : config.keySet()) {
                if (!read.contains(key)) {
                    throw new IllegalArgumentException(owner + " config key '" + key + "' is not supported: expected "
                            + "only " + read);
                }
            }
        }
    }
}
