package io.sparkconv.core.initializer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.config.KerasSemantics;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Initializers (spec §5): fans, each distribution's mean, variance, bounds and truncation on ~100k draws with
 * fixed seeds, reproducibility, name resolution per semantics. Statistical bounds are 5 standard errors of the
 * estimate (a false failure has probability well below 1e-6 — and the seeds are fixed anyway).
 */
class InitializersTest {

    /** A conv kernel large enough for tight statistics: fan_in = 5*5*64 = 1600, fan_out = 5*5*80 = 2000. */
    private static final int[] KERNEL = {5, 5, 64, 80};
    private static final int N = 5 * 5 * 64 * 80;

    private static float[] draw(Initializer init, int[] shape, long seed) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] w = new float[n];
        init.fill(w, shape, new SplittableRandom(seed));
        return w;
    }

    private static double mean(float[] w) {
        double s = 0;
        for (float v : w) {
            s += v;
        }
        return s / w.length;
    }

    private static double variance(float[] w) {
        double m = mean(w);
        double s = 0;
        for (float v : w) {
            s += (v - m) * (v - m);
        }
        return s / w.length;
    }

    private static double maxAbs(float[] w) {
        double m = 0;
        for (float v : w) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    /** Mean within 5 standard errors of 0 and variance within 5 standard errors of {@code expectedVariance}. */
    private static void assertMoments(String what, float[] w, double expectedMean, double expectedVariance,
            double kurtosis) {
        double se = Math.sqrt(expectedVariance / w.length);
        assertEquals(expectedMean, mean(w), 5 * se, what + " mean");
        // Var of the sample variance is about sigma^4 * (kurtosis - 1) / n.
        double varSe = expectedVariance * Math.sqrt((kurtosis - 1) / w.length);
        assertEquals(expectedVariance, variance(w), 5 * varSe, what + " variance");
    }

    @Test
    void fansOfAConvKernelIncludeTheReceptiveField() {
        assertEquals(new Fans(144, 288), Fans.of(new int[] {3, 3, 16, 32}));
        assertEquals(new Fans(32, 32), Fans.of(new int[] {32}));
        assertEquals(new Fans(4, 7), Fans.of(new int[] {4, 7}));
        assertEquals(new Fans(1, 1), Fans.of(new int[] {}));
        // The spec's worked example: glorot_uniform limit sqrt(6/432) = 0.117851...
        VarianceScaling glorot = VarianceScaling.glorotUniform(null);
        assertEquals(0.11785113019775792, Math.sqrt(3 * glorot.variance(new int[] {3, 3, 16, 32})), 1e-15);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // name, variance numerator, fan used (in|out|avg), uniform?
        "glorot_uniform, 1.0, avg, true",
        "glorot_normal, 1.0, avg, false",
        "he_uniform, 2.0, in, true",
        "he_normal, 2.0, in, false",
        "lecun_uniform, 1.0, in, true",
        "lecun_normal, 1.0, in, false",
    })
    void varianceScalingFamily(String name, double scale, String fan, boolean uniform) {
        double fanIn = 1600;
        double fanOut = 2000;
        double n = fan.equals("in") ? fanIn : fan.equals("out") ? fanOut : (fanIn + fanOut) / 2;
        double s = scale / n;
        float[] w = draw(Initializers.get(name, KerasSemantics.TF_1_15), KERNEL, 11);
        if (uniform) {
            double limit = Math.sqrt(3 * s);
            assertTrue(maxAbs(w) <= limit, name + " exceeds the limit " + limit);
            assertTrue(maxAbs(w) > 0.999 * limit, name + " never gets near the limit");
            assertMoments(name, w, 0, s, 1.8); // uniform kurtosis 9/5
        } else {
            // Truncated normal with the 0.8796 correction: variance exactly s, values within 2 stddev.
            double stddev = Math.sqrt(s) / VarianceScaling.TRUNCATED_STDDEV_CORRECTION;
            assertTrue(maxAbs(w) <= 2 * stddev * (1 + 1e-6), name + " exceeds 2 stddev " + 2 * stddev);
            assertTrue(maxAbs(w) > 1.99 * stddev, name + " never gets near the truncation bound");
            assertMoments(name, w, 0, s, 2.4);
            // Shape of a normal truncated at 2: P(|z| < 1 | |z| < 2) = 0.6827 / 0.9545 = 0.7152.
            long within = 0;
            for (float v : w) {
                within += Math.abs(v) < stddev ? 1 : 0;
            }
            assertEquals(0.7152, (double) within / w.length, 5 * Math.sqrt(0.7152 * 0.2848 / w.length));
        }
    }

    @Test
    void varianceScalingModesAndUntruncatedNormal() {
        Map<String, Object> config = Map.of("scale", 3.0, "mode", "fan_out", "distribution", "untruncated_normal");
        float[] w = draw(Initializers.fromConfig("VarianceScaling", config, KerasSemantics.TF_1_15), KERNEL, 5);
        double s = 3.0 / 2000;
        assertMoments("untruncated", w, 0, s, 3);
        long beyond = 0;
        for (float v : w) {
            beyond += Math.abs(v) > 2 * Math.sqrt(s) ? 1 : 0;
        }
        assertEquals(0.0455, (double) beyond / w.length, 5 * Math.sqrt(0.0455 * 0.9545 / w.length));
        // fan_avg uniform equals glorot_uniform's distribution; "normal" is the truncated one in every version.
        VarianceScaling avg = (VarianceScaling) Initializers.fromConfig("VarianceScaling",
                Map.of("mode", "fan_avg", "distribution", "normal"), KerasSemantics.KERAS_2);
        assertEquals(1.0 / 1800, avg.variance(KERNEL), 1e-18);
        float[] t = draw(avg, KERNEL, 6);
        assertTrue(maxAbs(t) <= 2 * Math.sqrt(1.0 / 1800) / VarianceScaling.TRUNCATED_STDDEV_CORRECTION * (1 + 1e-6));
        // Small fans are clamped to 1: s = scale / max(1, n).
        assertEquals(1.0, VarianceScaling.lecunNormal(null).variance(new int[] {0, 5}), 0);
    }

    @Test
    void kerasRandomInitializersUseKerasDefaults() {
        float[] normal = draw(Initializers.get("random_normal", KerasSemantics.TF_1_15), KERNEL, 1);
        assertMoments("random_normal", normal, 0, 0.05 * 0.05, 3);
        float[] uniform = draw(Initializers.get("uniform", KerasSemantics.TF_1_15), KERNEL, 2);
        assertTrue(maxAbs(uniform) <= 0.05f);
        assertMoments("random_uniform", uniform, 0, 0.1 * 0.1 / 12, 1.8);
        // TruncatedNormal has NO 0.8796 correction: its spread is 0.05 * 0.8796, cut at 0.1.
        float[] truncated = draw(Initializers.get("truncated_normal", KerasSemantics.TF_1_15), KERNEL, 3);
        assertTrue(maxAbs(truncated) <= 0.1 * (1 + 1e-6));
        double corrected = 0.05 * VarianceScaling.TRUNCATED_STDDEV_CORRECTION;
        assertMoments("truncated_normal", truncated, 0, corrected * corrected, 2.4);
        // Explicit arguments.
        float[] shifted = draw(Initializers.fromConfig("RandomNormal", Map.of("mean", 1.5, "stddev", 0.2, "seed", 4),
                KerasSemantics.KERAS_3), KERNEL, 4);
        assertMoments("RandomNormal(1.5, 0.2)", shifted, 1.5, 0.04, 3);
        float[] range = draw(Initializers.fromConfig("RandomUniform", Map.of("minval", 2, "maxval", 3),
                KerasSemantics.KERAS_2), KERNEL, 5);
        for (float v : range) {
            assertTrue(v >= 2f && v < 3f, "outside [2, 3): " + v);
        }
    }

    @Test
    void constantsOnesZeros() {
        assertArrayEquals(new float[] {0, 0, 0}, draw(Initializers.get("zeros", KerasSemantics.TF_1_15), new int[] {3}, 1));
        assertArrayEquals(new float[] {1, 1}, draw(Initializers.get("one", KerasSemantics.KERAS_2), new int[] {2}, 1));
        assertArrayEquals(new float[] {0.25f, 0.25f}, draw(Initializers.fromConfig("Constant", Map.of("value", 0.25),
                KerasSemantics.TF_1_15), new int[] {2}, 1));
        assertEquals(Map.of("value", 0, "dtype", "float32"), Initializers.get("constant", KerasSemantics.TF_1_15).config());
    }

    @Test
    void orthogonalGivesOrthonormalColumnsOrRows() {
        // Tall: rows = 3*3*8 = 72 >= cols = 16, so Q^T Q = I (times gain^2).
        int[] tall = {3, 3, 8, 16};
        float[] w = draw(Initializers.fromConfig("Orthogonal", Map.of("gain", 2.0), KerasSemantics.TF_1_15), tall, 9);
        assertGram(w, 72, 16, true, 4.0);
        // Wide: rows = 1*1*4 = 4 < cols = 10, so Q Q^T = I.
        float[] wide = draw(Initializers.get("orthogonal", KerasSemantics.KERAS_3), new int[] {1, 1, 4, 10}, 9);
        assertGram(wide, 4, 10, false, 1.0);
        assertThrows(IllegalArgumentException.class,
                () -> draw(Initializers.get("orthogonal", KerasSemantics.TF_1_15), new int[] {5}, 1));
    }

    private static void assertGram(float[] w, int rows, int cols, boolean columns, double expectedDiagonal) {
        int n = columns ? cols : rows;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double dot = 0;
                int len = columns ? rows : cols;
                for (int k = 0; k < len; k++) {
                    dot += columns ? (double) w[k * cols + a] * w[k * cols + b] : (double) w[a * cols + k] * w[b * cols + k];
                }
                assertEquals(a == b ? expectedDiagonal : 0.0, dot, 1e-5, "gram[" + a + "][" + b + "]");
            }
        }
    }

    @Test
    void identityRejectsAConvKernel() {
        Initializer identity = Initializers.get("identity", KerasSemantics.TF_1_15);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> draw(identity, KERNEL, 1));
        assertTrue(e.getMessage().contains("2D matrices") && e.getMessage().contains("[5, 5, 64, 80]"), e.getMessage());
        assertArrayEquals(new float[] {1, 0, 0, 0, 1, 0}, draw(identity, new int[] {2, 3}, 1));
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        for (String name : List.of("glorot_uniform", "glorot_normal", "he_normal", "random_normal", "truncated_normal",
                "random_uniform", "orthogonal")) {
            Initializer init = Initializers.get(name, KerasSemantics.TF_1_15);
            int[] shape = {3, 3, 4, 6};
            assertArrayEquals(draw(init, shape, 123), draw(init, shape, 123), name);
            assertFalse(Arrays.equals(draw(init, shape, 123), draw(init, shape, 124)), name);
        }
    }

    @Test
    void uniformDrawsFollowSplittableRandomExactly() {
        // The values depend only on SplittableRandom.nextDouble(), whose algorithm the JDK specifies, so they are
        // the same on every JDK: U = min + (max - min) * nextDouble(), rounded to float.
        float[] w = draw(Initializers.get("random_uniform", KerasSemantics.TF_1_15), new int[] {4}, 99);
        SplittableRandom reference = new SplittableRandom(99);
        for (float v : w) {
            assertEquals((float) (-0.05 + 0.1 * reference.nextDouble()), v);
        }
    }

    @Test
    void splittableRandomIsSplitMix64SoTheWeightsAreTheSameOnEveryJdk() {
        // SplitMix64 (Steele, Lea and Flood 2014) written out independently: if a JDK ever changed
        // SplittableRandom's generator, seeded weights would change with it, and this test would say so.
        for (long seed : new long[] {0L, 42L, -7L, Long.MAX_VALUE}) {
            SplittableRandom jdk = new SplittableRandom(seed);
            long state = seed;
            for (int i = 0; i < 100; i++) {
                state += 0x9e3779b97f4a7c15L;
                long z = state;
                z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
                z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
                z = z ^ (z >>> 31);
                assertEquals(z, jdk.nextLong(), "draw " + i + " of seed " + seed);
            }
        }
        // nextDouble is the top 53 bits of nextLong.
        SplittableRandom a = new SplittableRandom(5);
        SplittableRandom b = new SplittableRandom(5);
        for (int i = 0; i < 100; i++) {
            assertEquals((a.nextLong() >>> 11) * 0x1.0p-53, b.nextDouble());
        }
    }

    @Test
    void namesAndSerializationPerSemantics() {
        assertEquals("VarianceScaling", Initializers.get("he_normal", KerasSemantics.TF_1_15).className());
        assertEquals(List.of("scale", "mode", "distribution", "seed", "dtype"),
                List.copyOf(Initializers.get("lecun_uniform", KerasSemantics.TF_1_15).config().keySet()));
        assertEquals(List.of("seed", "dtype"),
                List.copyOf(Initializers.get("GlorotNormal", KerasSemantics.TF_1_15).config().keySet()));
        assertEquals(List.of("mean", "stddev", "seed", "dtype"),
                List.copyOf(Initializers.get("normal", KerasSemantics.TF_1_15).config().keySet()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Initializers.get("HeNormal", KerasSemantics.TF_1_15));
        assertTrue(e.getMessage().contains("'HeNormal'") && e.getMessage().contains("he_normal"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Initializers.get("variance_scaling", KerasSemantics.TF_1_15));
        assertEquals("VarianceScaling", Initializers.get("variance_scaling", KerasSemantics.KERAS_2).className());
        assertEquals("Orthogonal", Initializers.get("OrthogonalInitializer", KerasSemantics.KERAS_3).className());
        assertThrows(IllegalArgumentException.class, () -> Initializers.get("OrthogonalInitializer", KerasSemantics.KERAS_2));
        assertThrows(IllegalArgumentException.class, () -> Initializers.get("STFTInitializer", KerasSemantics.KERAS_3));
        assertEquals("GlorotUniform", Initializers.get(null, KerasSemantics.KERAS_3).className());
        IllegalArgumentException scale = assertThrows(IllegalArgumentException.class,
                () -> Initializers.fromConfig("VarianceScaling", Map.of("scale", 0.0), KerasSemantics.TF_1_15));
        assertTrue(scale.getMessage().contains("scale=0.0") && scale.getMessage().contains("positive"), scale.getMessage());
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class,
                () -> Initializers.fromConfig("VarianceScaling", Map.of("mode", "fan_sum"), KerasSemantics.TF_1_15));
        assertTrue(mode.getMessage().contains("'fan_sum'") && mode.getMessage().contains("fan_avg"), mode.getMessage());
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> Initializers.fromConfig("Zeros", Map.of("value", 1), KerasSemantics.TF_1_15));
        assertTrue(key.getMessage().contains("'value'"), key.getMessage());
    }
}
