package io.sparkconv.core.constraint;

import io.sparkconv.core.config.VersionTables;
import io.sparkconv.core.config.KerasSemantics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras constraints by name or by serialized {@code {"class_name", "config"}}, per {@link KerasSemantics}
 * (spec §7): TF 1.15 and Keras 2 accept the class names, their snake_case and the legacy
 * {@code maxnorm}/{@code nonneg}/{@code unitnorm}; Keras 3 drops the legacy aliases and RadialConstraint.
 */
public final class Constraints {

    private static final List<String> TF_1_15 = List.of("MaxNorm", "max_norm", "maxnorm", "NonNeg", "non_neg",
            "nonneg", "UnitNorm", "unit_norm", "unitnorm", "MinMaxNorm", "min_max_norm", "RadialConstraint",
            "radial_constraint");
    private static final List<String> KERAS_3 = List.of("MaxNorm", "max_norm", "NonNeg", "non_neg", "UnitNorm",
            "unit_norm", "MinMaxNorm", "min_max_norm");

    private Constraints() {
    }

    public static List<String> names(KerasSemantics semantics) {
        return table(semantics);
    }

    /** The constraint a Keras string names, with its class defaults (axis 0, max_value 2, ...). */
    public static Constraint get(String name, KerasSemantics semantics) {
        return fromConfig(name, Map.of(), semantics);
    }

    /** The constraint of a serialized {@code {"class_name": className, "config": config}}. */
    public static Constraint fromConfig(String className, Map<String, ?> config, KerasSemantics semantics) {
        List<String> names = table(semantics);
        if (className == null || !names.contains(className)) {
            String hint = semantics.isKeras3() && ("RadialConstraint".equals(className)
                    || "radial_constraint".equals(className)) ? " (Keras 3 removed RadialConstraint)"
                    : " (names are case-sensitive)";
            throw new IllegalArgumentException("constraint=" + (className == null ? "None" : "'" + className + "'")
                    + " is not a " + VersionTables.describe(semantics) + " constraint" + hint + ": expected one of "
                    + String.join(", ", names));
        }
        Map<String, Object> rest = new LinkedHashMap<>(config == null ? Map.of() : config);
        Constraint result;
        switch (className) {
            case "MaxNorm":
            case "max_norm":
            case "maxnorm":
                result = NormConstraint.maxNorm(number(className, rest, "max_value", 2), axis(rest));
                break;
            case "UnitNorm":
            case "unit_norm":
            case "unitnorm":
                result = NormConstraint.unitNorm(axis(rest));
                break;
            case "MinMaxNorm":
            case "min_max_norm":
                result = NormConstraint.minMaxNorm(number(className, rest, "min_value", 0.0),
                        number(className, rest, "max_value", 1.0), number(className, rest, "rate", 1.0), axis(rest));
                break;
            case "NonNeg":
            case "non_neg":
            case "nonneg":
                result = new NonNeg(semantics.isKeras3());
                break;
            default:
                result = new RadialConstraint();
        }
        if (!rest.isEmpty()) {
            throw new IllegalArgumentException("constraint " + className + " config key '"
                    + rest.keySet().iterator().next() + "' is not supported: expected only " + result.config().keySet());
        }
        return result;
    }

    private static Number number(String owner, Map<String, Object> rest, String key, Number fallback) {
        Object v = rest.remove(key);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Number n && !(v instanceof Boolean)) {
            return n;
        }
        throw new IllegalArgumentException(owner + " " + key + "=" + v + " is not supported: expected a number");
    }

    private static Object axis(Map<String, Object> rest) {
        Object v = rest.remove("axis");
        return v == null ? Integer.valueOf(0) : v;
    }

    private static List<String> table(KerasSemantics semantics) {
        return VersionTables.pick(semantics, TF_1_15, TF_1_15, KERAS_3);
    }
}
