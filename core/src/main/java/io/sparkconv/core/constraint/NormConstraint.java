package io.sparkconv.core.constraint;

import io.sparkconv.core.config.KerasObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The norm-based Keras constraints (spec §7.1): MaxNorm, UnitNorm and MinMaxNorm. The L2 norm is taken over
 * {@code axis} (an int or a list; negative values count from the end) with keepdims, in float32:
 * <ul>
 * <li>MaxNorm: {@code w * (clip(n, 0, max_value) / (eps + n))}</li>
 * <li>UnitNorm: {@code w / (eps + n)}</li>
 * <li>MinMaxNorm: {@code w * ((rate*clip(n, min, max) + (1-rate)*n) / (eps + n))}</li>
 * </ul>
 * eps is Keras' default {@code K.epsilon()} = 1e-7. The default axis 0 normalizes each column of a
 * {@code (kh, kw, Cin, F)} kernel separately; a per-filter norm needs {@code axis=[0, 1, 2]}.
 */
public final class NormConstraint extends KerasObject implements Constraint {

    /** Keras' default {@code epsilon} from keras.json, as float32. */
    public static final float EPSILON = 1e-7f;

    enum Type { MAX_NORM, UNIT_NORM, MIN_MAX_NORM }

    private final Type type;
    private final Number minValue;
    private final Number maxValue;
    private final Number rate;
    /** The axis exactly as configured: an Integer or a List of Integers. */
    private final Object axis;
    private final int[] axes;

    private NormConstraint(Type type, Number minValue, Number maxValue, Number rate, Object axis) {
        this.type = type;
        this.minValue = minValue;
        this.maxValue = maxValue;
        this.rate = rate;
        this.axis = axis;
        this.axes = parseAxis(className(), axis);
    }

    public static NormConstraint maxNorm(Number maxValue, Object axis) {
        requireFinite("MaxNorm", "max_value", maxValue);
        return new NormConstraint(Type.MAX_NORM, null, maxValue, null, axis);
    }

    public static NormConstraint unitNorm(Object axis) {
        return new NormConstraint(Type.UNIT_NORM, null, null, null, axis);
    }

    public static NormConstraint minMaxNorm(Number minValue, Number maxValue, Number rate, Object axis) {
        requireFinite("MinMaxNorm", "min_value", minValue);
        requireFinite("MinMaxNorm", "max_value", maxValue);
        requireFinite("MinMaxNorm", "rate", rate);
        if (maxValue.doubleValue() < minValue.doubleValue()) {
            throw new IllegalArgumentException("MinMaxNorm min_value=" + minValue + ", max_value=" + maxValue
                    + " is not supported: expected min_value <= max_value");
        }
        return new NormConstraint(Type.MIN_MAX_NORM, minValue, maxValue, rate, axis);
    }

    private static void requireFinite(String owner, String key, Number v) {
        if (v == null || !Double.isFinite(v.doubleValue())) {
            throw new IllegalArgumentException(owner + " " + key + "=" + v + " is not supported: expected a finite number");
        }
    }

    private static int[] parseAxis(String owner, Object axis) {
        if (axis instanceof Integer i) {
            return new int[] {i};
        }
        if (axis instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !(axis instanceof Double
                || axis instanceof Float)) {
            return new int[] {n.intValue()};
        }
        if (axis instanceof List<?> list && !list.isEmpty()) {
            int[] result = new int[list.size()];
            for (int i = 0; i < result.length; i++) {
                if (!(list.get(i) instanceof Integer v)) {
                    throw new IllegalArgumentException(owner + " axis=" + axis
                            + " is not supported: expected an integer or a non-empty list of integers");
                }
                result[i] = v;
            }
            return result;
        }
        throw new IllegalArgumentException(owner + " axis=" + axis
                + " is not supported: expected an integer or a non-empty list of integers");
    }

    /** The configured axis: an Integer or a List of Integers. */
    public Object axis() {
        return axis instanceof List<?> l ? List.copyOf(l) : axis;
    }

    @Override
    public String className() {
        switch (type) {
            case MAX_NORM:
                return "MaxNorm";
            case UNIT_NORM:
                return "UnitNorm";
            default:
                return "MinMaxNorm";
        }
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        switch (type) {
            case MAX_NORM:
                c.put("max_value", maxValue);
                break;
            case MIN_MAX_NORM:
                c.put("min_value", minValue);
                c.put("max_value", maxValue);
                c.put("rate", rate);
                break;
            default:
                break;
        }
        c.put("axis", axis instanceof List<?> l ? new ArrayList<>(l) : axis);
        return c;
    }

    @Override
    public void apply(float[] weight, int[] shape) {
        int rank = shape.length;
        boolean[] reduced = new boolean[rank];
        for (int a : axes) {
            int normalized = a < 0 ? a + rank : a;
            if (normalized < 0 || normalized >= rank) {
                throw new IllegalArgumentException(className() + " axis=" + axis + " is out of range for a weight of"
                        + " shape " + Arrays.toString(shape) + ": expected axes in [" + (-rank) + ", " + (rank - 1) + "]");
            }
            reduced[normalized] = true;
        }
        int[] group = groupIndex(shape, reduced);
        int groups = 0;
        for (int g : group) {
            groups = Math.max(groups, g + 1);
        }
        double[] sums = new double[groups];
        for (int i = 0; i < weight.length; i++) {
            double v = weight[i];
            sums[group[i]] += v * v;
        }
        float[] scale = new float[groups];
        for (int g = 0; g < groups; g++) {
            float norm = (float) Math.sqrt((float) sums[g]);
            float denominator = EPSILON + norm;
            switch (type) {
                case MAX_NORM: {
                    float desired = clip(norm, 0f, maxValue.floatValue());
                    scale[g] = desired / denominator;
                    break;
                }
                case MIN_MAX_NORM: {
                    float desired = rate.floatValue() * clip(norm, minValue.floatValue(), maxValue.floatValue())
                            + (float) (1.0 - rate.doubleValue()) * norm;
                    scale[g] = desired / denominator;
                    break;
                }
                default:
                    scale[g] = denominator;
            }
        }
        for (int i = 0; i < weight.length; i++) {
            weight[i] = type == Type.UNIT_NORM ? weight[i] / scale[group[i]] : weight[i] * scale[group[i]];
        }
    }

    private static float clip(float v, float lo, float hi) {
        return Math.min(Math.max(v, lo), hi);
    }

    /** For each element (C order), the index of its norm group: its position with the reduced axes dropped. */
    static int[] groupIndex(int[] shape, boolean[] reduced) {
        int total = 1;
        for (int d : shape) {
            total *= d;
        }
        int[] group = new int[total];
        int[] counter = new int[shape.length];
        for (int i = 0; i < total; i++) {
            int g = 0;
            for (int d = 0; d < shape.length; d++) {
                if (!reduced[d]) {
                    g = g * shape[d] + counter[d];
                }
            }
            group[i] = g;
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++counter[d] < shape[d]) {
                    break;
                }
                counter[d] = 0;
            }
        }
        return group;
    }
}
