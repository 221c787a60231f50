package io.sparkconv.core.regularizer;

import io.sparkconv.core.config.VersionTables;
import io.sparkconv.core.config.KerasSemantics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keras regularizers by name or by serialized {@code {"class_name", "config"}}, per {@link KerasSemantics}
 * (spec §6). The strings {@code 'l1'}/{@code 'l2'} default to 0.01; {@code 'l1_l2'} to 0.01/0.01 except in
 * Keras 3, which does not have it; the {@code L1L2} class defaults to 0/0.
 */
public final class Regularizers {

    private static final List<String> TF_1_15 = List.of("l1", "l2", "l1_l2", "L1L2");
    private static final List<String> KERAS_2 = List.of("l1", "l2", "l1_l2", "L1", "L2", "L1L2");
    private static final List<String> KERAS_3 = List.of("L1", "l1", "L2", "l2", "L1L2", "l1l2");

    private Regularizers() {
    }

    public static List<String> names(KerasSemantics semantics) {
        return table(semantics);
    }

    /** The regularizer a Keras string names, with the string's defaults. */
    public static Regularizer get(String name, KerasSemantics semantics) {
        check(name, semantics);
        switch (name) {
            case "l1":
            case "L1":
                return new L1L2(0.01, 0.0);
            case "l2":
            case "L2":
                return new L1L2(0.0, 0.01);
            case "l1_l2":
                return new L1L2(0.01, 0.01);
            default:
                return new L1L2(0.0, 0.0);
        }
    }

    /**
     * The regularizer of a serialized {@code {"class_name": className, "config": config}}. Keras 3 also requires
     * non-negative factors.
     */
    public static Regularizer fromConfig(String className, Map<String, ?> config, KerasSemantics semantics) {
        check(className, semantics);
        Map<String, Object> rest = new LinkedHashMap<>(config == null ? Map.of() : config);
        double l1;
        double l2;
        switch (className) {
            case "l1":
            case "L1":
                renameLegacy(rest, "l1");
                l1 = factor(className, rest, "l1", 0.01, semantics);
                l2 = 0.0;
                break;
            case "l2":
            case "L2":
                renameLegacy(rest, "l2");
                l1 = 0.0;
                l2 = factor(className, rest, "l2", 0.01, semantics);
                break;
            case "l1_l2":
                l1 = factor(className, rest, "l1", 0.01, semantics);
                l2 = factor(className, rest, "l2", 0.01, semantics);
                break;
            default:
                l1 = factor(className, rest, "l1", 0.0, semantics);
                l2 = factor(className, rest, "l2", 0.0, semantics);
        }
        if (!rest.isEmpty()) {
            throw new IllegalArgumentException("regularizer " + className + " config key '" + rest.keySet().iterator()
                    .next() + "' is not supported: expected only l1 and/or l2");
        }
        return new L1L2(l1, l2);
    }

    private static double factor(String owner, Map<String, Object> rest, String key, double fallback,
            KerasSemantics semantics) {
        Object v = rest.remove(key);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Number n) || v instanceof Boolean || !Double.isFinite(n.doubleValue())) {
            throw new IllegalArgumentException("regularizer " + owner + " " + key + "=" + v
                    + " is not supported: expected a finite number");
        }
        if (semantics.isKeras3() && n.doubleValue() < 0) {
            throw new IllegalArgumentException("regularizer " + owner + " " + key + "=" + v
                    + " is not supported: Keras 3 expects a non-negative number");
        }
        return n.doubleValue();
    }

    /** Keras 2's {@code L1(l=...)} / {@code L2(l=...)} legacy argument name. */
    private static void renameLegacy(Map<String, Object> rest, String key) {
        if (!rest.containsKey(key) && rest.containsKey("l")) {
            rest.put(key, rest.remove("l"));
        }
    }

    private static void check(String name, KerasSemantics semantics) {
        List<String> names = table(semantics);
        if (name == null || !names.contains(name)) {
            String hint = semantics.isKeras3() && "l1_l2".equals(name)
                    ? " (Keras 3 has no 'l1_l2' string; use L1L2 with explicit factors)" : " (names are case-sensitive)";
            throw new IllegalArgumentException("regularizer=" + (name == null ? "None" : "'" + name + "'")
                    + " is not a " + VersionTables.describe(semantics) + " regularizer" + hint + ": expected one of "
                    + String.join(", ", names));
        }
    }

    private static List<String> table(KerasSemantics semantics) {
        return VersionTables.pick(semantics, TF_1_15, KERAS_2, KERAS_3);
    }
}
