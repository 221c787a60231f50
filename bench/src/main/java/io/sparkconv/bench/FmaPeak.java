package io.sparkconv.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's measured float32 FMA peak per core: a loop of independent vector FMA chains at the CPU's
 * preferred width (enough to cover the FMA latency on two pipes), on {@code threads} threads at once: 16 chains
 * where there are 32 vector registers, 12 on x86 below AVX-512, whose 16 registers must also hold the two
 * operands (16 chains there spill to the stack and measure the stores, about half the peak). Every
 * percentage of peak the benchmark prints is of this number, so it holds on whatever CPU the run got.
 */
final class FmaPeak {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final boolean SIXTEEN_REGISTERS = S.vectorBitSize() < 512
            && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    private static final int CHAINS = SIXTEEN_REGISTERS ? 12 : 16;
    private static volatile float sink;

    private FmaPeak() {
    }

    /** GFLOP/s per core: the best of a few timed runs after warm-up, all threads running together. */
    static double gflopsPerCore(int threads) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            double best = 0;
            for (int run = 0; run < 6; run++) {
                List<Future<Double>> parts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long iterations = 40_000_000L / S.length() * 16 / CHAINS;
                    Callable<Double> timed = () -> SIXTEEN_REGISTERS ? chains12(iterations) : chains(iterations);
                    parts.add(pool.submit(timed));
                }
                double sum = 0;
                for (Future<Double> part : parts) {
                    sum += part.get();
                }
                if (run >= 2) {                     // the first runs warm up (interpreter, C1, C2)
                    best = Math.max(best, sum / threads);
                }
            }
            return best;
        } finally {
            pool.shutdown();
        }
    }

    /** Runs {@code iterations} rounds of 16 independent FMAs on one thread; returns its GFLOP/s. */
    private static double chains(long iterations) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f);
        FloatVector c = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0;
        FloatVector a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        long start = System.nanoTime();
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
            a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
            a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
            a12 = a12.fma(m, c); a13 = a13.fma(m, c); a14 = a14.fma(m, c); a15 = a15.fma(m, c);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        sink = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .add(a12).add(a13).add(a14).add(a15).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        return 2.0 * S.length() * CHAINS * iterations / seconds / 1e9;
    }

    /** As {@link #chains}, 12 chains: the two operands and the accumulators fit 16 registers. */
    private static double chains12(long iterations) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f);
        FloatVector c = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0;
        FloatVector a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        long start = System.nanoTime();
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
            a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
            a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        sink = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
        return 2.0 * S.length() * 12 * iterations / seconds / 1e9;
    }

    public static void main(String[] args) throws Exception {
        for (String t : args.length == 0 ? new String[] {"1", "2"} : args) {
            System.out.printf("threads=%s: %.1f GFLOP/s per core (%d-bit vectors)%n", t,
                    gflopsPerCore(Integer.parseInt(t)), S.vectorBitSize());
        }
    }
}
