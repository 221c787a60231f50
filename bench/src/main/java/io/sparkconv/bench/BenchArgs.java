package io.sparkconv.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the benchmark programs share: {@code key=value} arguments over defaults, and the median. */
final class BenchArgs {
    private BenchArgs() {
    }

    /** The defaults (in order) overridden by {@code args}; an unknown key or a missing '=' is an error. */
    static Map<String, String> parse(Map<String, String> defaults, String[] args) {
        Map<String, String> options = new LinkedHashMap<>(defaults);
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq < 0 || !options.containsKey(a.substring(0, eq))) {
                throw new IllegalArgumentException("argument " + a + ": expected key=value with a key of "
                        + options.keySet());
            }
            options.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return options;
    }

    /** The values as a primitive array. */
    static double[] toArray(List<Double> values) {
        double[] a = new double[values.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = values.get(i);
        }
        return a;
    }

    /** The median of {@code values}, as {@link #median(double[])}. */
    static double median(List<Double> values) {
        return median(toArray(values));
    }

    /** The median (mean of the middle two for an even count), NaN when there are no values. */
    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** "HxWxC->F" of a layer on images of {@code hwc}. */
    static String shape(int[] hwc, io.sparkconv.core.conv.Conv2D layer) {
        return hwc[0] + "x" + hwc[1] + "x" + hwc[2] + "->" + layer.spec().filters();
    }
}
