package io.sparkconv.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 16: the summary's time and speed lines, and the scalar fallback named once. */
class JobSummaryTest {
    private static JobSummary summary(List<String> plans) {
        // 100 images of 2e8 FLOP each in 0.5 s of kernel time: 40 GFLOP/s, 200 images/s per core.
        return new JobSummary(100, 98, 2, new JobSummary.Timing(3.25, 4.5, 6.0, 0.5, 100, 2), 20_000_000_000L,
                "out/", null, null, List.of(), plans);
    }

    @Test
    void timeAndSpeedAreToldApart() {
        JobSummary s = summary(List.of("conv2d: vector-512 register-blocked 3x8 (input 32x32x3)"));
        String text = s.text();
        assertTrue(text.contains("time: start-up 3.25 s (JVM and Spark), job 4.50 s wall (21.8 images/s), tasks "
                + "6.00 s on 2 cores"), text);
        assertTrue(text.contains("convolution: 0.500 s of task time, 200.0 images/s, 40.0 GFLOP/s per core"), text);
        assertTrue(text.contains("plan: conv2d: vector-512 register-blocked 3x8 (input 32x32x3)"), text);
        assertTrue(text.contains("output: out/"), text);
        assertFalse(text.contains("scalar fallback"), text);
        assertEquals(40.0, s.gflopsPerSecond(), 1e-9);
    }

    @Test
    void aScalarFallbackIsNamedOnceWithTheConfThatTurnsTheVectorKernelOn() {
        String text = summary(List.of("conv2d: scalar im2col (input 32x32x3)",
                "conv2d_1: scalar im2col (input 32x32x8)")).text();
        assertEquals(1, text.split("the scalar fallback ran", -1).length - 1, text);
        assertTrue(text.contains("spark.executor.extraJavaOptions"), text);
    }
}
