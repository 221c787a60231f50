package io.sparkconv.bench;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The suite: one JMH trial per (shape, threads) runs every implementation in the same JVM, switching
 * implementation at every iteration (vector, scalar, naive, tensorflow, vector, ...; at 2 threads also
 * vector1, the 1-thread vector kernel), so the noise of a
 * shared machine hits all of them alike. Each iteration's operations are counted under the implementation
 * that ran ({@link Counts}, JMH auxiliary counters), and {@link Report} takes the median per implementation.
 * One operation = one forward pass over the shape's whole batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ConvSuite {

    @Param({"a", "b", "c", "d", "e", "f", "g", "h"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private Workload workload;
    private List<String> implementations;
    private int iteration;
    private String current;

    /** Operations per iteration by implementation; all but the one that ran stay 0. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counts {
        public long vector;
        public long vector1;
        public long scalar;
        public long naive;
        public long tensorflow;

        @Setup(Level.Iteration)
        public void clear() {
            vector = 0;
            vector1 = 0;
            scalar = 0;
            naive = 0;
            tensorflow = 0;
        }
    }

    @Setup(Level.Trial)
    public void prepare() {
        workload = new Workload(Shape.valueOf(shape), threads);
        workload.checkAgainstTensorFlow();
        implementations = Workload.implementations(threads);
        iteration = 0;
    }

    @Setup(Level.Iteration)
    public void nextImplementation() {
        current = implementations.get(iteration++ % implementations.size());
    }

    @Benchmark
    public void convolve(Counts counts) {
        workload.run(current);
        switch (current) {
            case "vector" -> counts.vector++;
            case "vector1" -> counts.vector1++;
            case "scalar" -> counts.scalar++;
            case "naive" -> counts.naive++;
            default -> counts.tensorflow++;
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        workload.close();
    }
}
