package io.sparkconv.core.initializer;

import io.sparkconv.core.config.KerasObject;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Keras {@code VarianceScaling} (spec §5.2), which also implements the Glorot, He and LeCun initializers:
 * {@code s = scale / max(1, n)} with n the fan of {@code mode}; truncated normal with stddev
 * {@code sqrt(s)/0.87962566103423978} cut at two standard deviations, untruncated normal with stddev
 * {@code sqrt(s)}, or uniform on {@code [-sqrt(3s), sqrt(3s))}.
 */
public final class VarianceScaling extends KerasObject implements Initializer {

    /** Standard deviation of a unit normal truncated to [-2, 2]. */
    public static final double TRUNCATED_STDDEV_CORRECTION = 0.87962566103423978;

    private final String className;
    private final Number scale;
    private final String mode;
    private final String distribution;
    private final Long seed;

    /**
     * @param className the TF 1.15 class it serializes as: "GlorotUniform", "GlorotNormal" or "VarianceScaling"
     *     (He and LeCun have no class of their own in TF 1.15)
     */
    VarianceScaling(String className, Number scale, String mode, String distribution, Long seed) {
        if (scale == null || !(scale.doubleValue() > 0) || Double.isInfinite(scale.doubleValue())) {
            throw new IllegalArgumentException("VarianceScaling scale=" + scale
                    + " is not supported: `scale` must be a positive finite float");
        }
        if (!"fan_in".equals(mode) && !"fan_out".equals(mode) && !"fan_avg".equals(mode)) {
            throw new IllegalArgumentException("VarianceScaling mode=" + (mode == null ? "None" : "'" + mode + "'")
                    + " is not supported: expected one of \"fan_in\", \"fan_out\", \"fan_avg\"");
        }
        String dist = distribution == null ? null : distribution.toLowerCase(Locale.ROOT);
        if (!"normal".equals(dist) && !"truncated_normal".equals(dist) && !"untruncated_normal".equals(dist)
                && !"uniform".equals(dist)) {
            throw new IllegalArgumentException("VarianceScaling distribution="
                    + (distribution == null ? "None" : "'" + distribution + "'") + " is not supported: expected one"
                    + " of \"truncated_normal\", \"untruncated_normal\", \"uniform\" (or the deprecated \"normal\")");
        }
        this.className = className;
        this.scale = scale;
        this.mode = mode;
        this.distribution = dist;
        this.seed = seed;
    }

    /** {@code VarianceScaling(scale, mode, distribution, seed)}; seed may be null. */
    public static VarianceScaling of(double scale, String mode, String distribution, Long seed) {
        return new VarianceScaling("VarianceScaling", scale, mode, distribution, seed);
    }

    public static VarianceScaling glorotUniform(Long seed) {
        return new VarianceScaling("GlorotUniform", 1.0, "fan_avg", "uniform", seed);
    }

    public static VarianceScaling glorotNormal(Long seed) {
        return new VarianceScaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal", seed);
    }

    public static VarianceScaling heNormal(Long seed) {
        return of(2.0, "fan_in", "truncated_normal", seed);
    }

    public static VarianceScaling heUniform(Long seed) {
        return of(2.0, "fan_in", "uniform", seed);
    }

    public static VarianceScaling lecunNormal(Long seed) {
        return of(1.0, "fan_in", "truncated_normal", seed);
    }

    public static VarianceScaling lecunUniform(Long seed) {
        return of(1.0, "fan_in", "uniform", seed);
    }

    public double scale() {
        return scale.doubleValue();
    }

    public String mode() {
        return mode;
    }

    public String distribution() {
        return distribution;
    }

    @Override
    public Long seed() {
        return seed;
    }

    @Override
    public String className() {
        return className;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> config = new LinkedHashMap<>();
        if (className.equals("VarianceScaling")) {
            config.put("scale", scale);
            config.put("mode", mode);
            config.put("distribution", distribution);
        }
        config.put("seed", seed);
        config.put("dtype", "float32");
        return config;
    }

    /** {@code scale / max(1, n)} for a weight of this shape. */
    public double variance(int[] shape) {
        Fans fans = Fans.of(shape);
        double n;
        switch (mode) {
            case "fan_in":
                n = fans.fanIn();
                break;
            case "fan_out":
                n = fans.fanOut();
                break;
            default:
                n = (fans.fanIn() + fans.fanOut()) / 2.0;
        }
        return scale.doubleValue() / Math.max(1.0, n);
    }

    @Override
    public void fill(float[] target, int[] shape, SplittableRandom random) {
        double s = variance(shape);
        switch (distribution) {
            case "normal":
            case "truncated_normal":
                Distributions.truncatedNormal(target, 0.0, Math.sqrt(s) / TRUNCATED_STDDEV_CORRECTION, random);
                break;
            case "untruncated_normal":
                Distributions.normal(target, 0.0, Math.sqrt(s), random);
                break;
            default:
                double limit = Math.sqrt(3.0 * s);
                Distributions.uniform(target, -limit, limit, random);
        }
    }
}
