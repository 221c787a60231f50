package io.sparkconv.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link ConvSuite} through JMH (one forked JVM per shape and thread count, implementations
 * interleaved inside it) and prints the table: median GFLOP/s per implementation, % of the machine's
 * FMA peak, images/s and the ratio to TensorFlow, then the targets against the measurements.
 *
 * <p>Arguments (all optional): {@code shapes=a,b,c threads=1,2 rounds=5 warmup=2 seconds=1 out=FILE}.
 * A round is one iteration of each implementation.
 */
public final class Report {

    /** TensorFlow must reach this share of the measured peak on shapes b, c and d, or the run is invalid. */
    static final double TENSORFLOW_MIN_SHARE = 0.6;
    /** The load average may exceed our own threads by this much, before or after, or the run is invalid. */
    static final double LOAD_MARGIN = 0.3;

    private Report() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("shapes", "a,b,c,d,e,f,g,h");
        opts.put("threads", "1,2");
        opts.put("rounds", "5");
        opts.put("warmup", "2");
        opts.put("seconds", "1");
        opts.put("out", "");
        opts.put("loadBefore", "");
        opts = BenchArgs.parse(opts, args);
        double loadBefore = opts.get("loadBefore").isEmpty() ? loadAverage() : Double.parseDouble(opts.get("loadBefore"));
        Map<Integer, Double> peaks = new LinkedHashMap<>();
        for (String t : opts.get("threads").split(",")) {
            peaks.put(Integer.parseInt(t), FmaPeak.gflopsPerCore(Integer.parseInt(t)));
        }
        String[] shapes = opts.get("shapes").split(",");
        for (String s : shapes) {
            Shape.valueOf(s);
        }
        int rounds = Integer.parseInt(opts.get("rounds"));
        int warmup = Integer.parseInt(opts.get("warmup"));
        int seconds = Integer.parseInt(opts.get("seconds"));
        List<Row> rows = new ArrayList<>();
        for (String t : opts.get("threads").split(",")) {
            int threads = Integer.parseInt(t);
            int impls = Workload.implementations(threads).size();
            Options options = new OptionsBuilder()
                    .include(ConvSuite.class.getName() + ".convolve")
                    .param("shape", shapes)
                    .param("threads", t)
                    .forks(1)
                    .warmupIterations(warmup * impls)
                    .warmupTime(TimeValue.seconds(seconds))
                    .measurementIterations(rounds * impls)
                    .measurementTime(TimeValue.seconds(seconds))
                    .jvmArgsAppend("--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g")
                    .build();
            Collection<RunResult> results = new Runner(options).run();
            for (RunResult r : results) {
                Shape shape = Shape.valueOf(r.getParams().getParam("shape"));
                for (BenchmarkResult b : r.getBenchmarkResults()) {
                    rows.addAll(rowsOf(shape, threads, b));
                }
            }
        }
        double loadAfter = loadAverage();
        String table = table(rows, args, peaks, loadBefore, loadAfter);
        System.out.println(table);
        if (!opts.get("out").isEmpty()) {
            Files.writeString(Path.of(opts.get("out")), table, StandardCharsets.UTF_8);
        }
    }

    /** One implementation on one shape and thread count: the per-iteration throughputs (operations/s). */
    record Row(Shape shape, int threads, String implementation, double[] opsPerSecond) {
        double median() {
            return BenchArgs.median(opsPerSecond);
        }

        double gflops(double ops) {
            return ops * shape.flop() / 1e9;
        }
    }

    private static List<Row> rowsOf(Shape shape, int threads, BenchmarkResult b) {
        List<Row> rows = new ArrayList<>();
        for (String impl : Workload.implementations(threads)) {
            List<Double> values = new ArrayList<>();
            for (IterationResult it : b.getIterationResults()) {
                Result<?> r = it.getSecondaryResults().get(impl);
                if (r != null && r.getScore() > 0) {
                    values.add(r.getScore());
                }
            }
            rows.add(new Row(shape, threads, impl, BenchArgs.toArray(values)));
        }
        return rows;
    }

    private static Row find(List<Row> rows, Shape shape, int threads, String implementation) {
        for (Row r : rows) {
            if (r.shape() == shape && r.threads() == threads && r.implementation().equals(implementation)) {
                return r;
            }
        }
        return null;
    }

    /** The 1-minute load average of the machine. */
    static double loadAverage() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    /** Why the run cannot be used (empty when it can): a busy machine, or a peer far below its known speed. */
    static List<String> invalidity(List<Row> rows, Map<Integer, Double> peaks, double loadBefore, double loadAfter) {
        List<String> reasons = new ArrayList<>();
        int maxThreads = peaks.keySet().stream().mapToInt(Integer::intValue).max().orElse(1);
        if (loadBefore > LOAD_MARGIN) {
            reasons.add(String.format(Locale.ROOT, "load average %.2f before the run (limit %.1f: the machine was busy)",
                    loadBefore, LOAD_MARGIN));
        }
        if (loadAfter > LOAD_MARGIN + maxThreads) {
            reasons.add(String.format(Locale.ROOT, "load average %.2f after the run (limit %.1f + %d own threads)",
                    loadAfter, LOAD_MARGIN, maxThreads));
        }
        for (Row r : rows) {
            boolean peerShape = r.shape() == Shape.b || r.shape() == Shape.c || r.shape() == Shape.d;
            if (peerShape && r.implementation().equals("tensorflow")) {
                double share = r.gflops(r.median()) / (peaks.get(r.threads()) * r.threads());
                if (share < TENSORFLOW_MIN_SHARE) {
                    reasons.add(String.format(Locale.ROOT, "TensorFlow at %.0f%% of the measured peak on %s at %d "
                            + "thread(s) (needs >= %.0f%%: the peer is far below its known speed)", 100 * share,
                            r.shape().name(), r.threads(), 100 * TENSORFLOW_MIN_SHARE));
                }
            }
        }
        return reasons;
    }

    static String table(List<Row> rows, String[] args, Map<Integer, Double> peaks, double loadBefore,
                        double loadAfter) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        PrintStream p = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        p.println("sparkconv Conv2D benchmark (NHWC float32; FLOP = 2*N*OH*OW*F*KH*KW*C; one op = one batch)");
        p.printf(Locale.ROOT, "JVM: %s %s (%s)%n", System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), System.getProperty("os.arch"));
        p.printf(Locale.ROOT, "CPU: %s, %d logical CPUs%n", cpuModel(), Runtime.getRuntime().availableProcessors());
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:UseAVX")).findFirst().ifPresent(flag -> p.println("JVM flag " + flag
                        + ": our code (and the FMA peak) runs with that instruction set; TensorFlow's native code"
                        + " does not, so the x TF ratios compare against TensorFlow at the CPU's full width"));
        p.println("Report arguments: " + String.join(" ", Arrays.stream(args).filter(a -> !a.startsWith("out="))
                .toArray(String[]::new)));
        for (Map.Entry<Integer, Double> peak : peaks.entrySet()) {
            p.printf(Locale.ROOT, "Measured FMA peak (FmaPeak, %d thread(s) at once): %.1f GFLOP/s per core%n",
                    peak.getKey(), peak.getValue());
        }
        p.printf(Locale.ROOT, "Load average (1 min): %.2f before, %.2f after%n", loadBefore, loadAfter);
        List<String> invalid = invalidity(rows, peaks, loadBefore, loadAfter);
        if (invalid.isEmpty()) {
            p.println("RUN: VALID (TensorFlow >= 60% of the measured peak on b, c, d; quiet machine)");
        } else {
            p.println("RUN: INVALID - its ratios are not results:");
            invalid.forEach(reason -> p.println("  - " + reason));
        }
        p.println("Plans (vector kernel, this JVM's CPU):");
        for (Shape shape : rows.stream().map(Row::shape).distinct().toList()) {
            p.println("  " + shape.name() + ": " + Workload.vectorPlanName(shape));
        }
        p.println();
        p.println("shape threads impl          GFLOP/s  (min..max)       %peak   images/s    x TF  n");
        Map<String, Double> tfMedian = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.implementation().equals("tensorflow")) {
                tfMedian.put(r.shape().name() + r.threads(), r.median());
            }
        }
        Shape last = null;
        for (Row r : rows) {
            if (last != null && r.shape() != last) {
                p.println();
            }
            if (r.shape() != last) {
                p.println("-- " + r.shape());
            }
            last = r.shape();
            double[] s = r.opsPerSecond().clone();
            Arrays.sort(s);
            double med = r.median();
            Double tf = tfMedian.get(r.shape().name() + r.threads());
            int cores = r.implementation().equals("vector1") ? 1 : r.threads();   // vector1: one thread
            p.printf(Locale.ROOT, "%-5s %7d %-10s %10.1f  (%6.1f..%6.1f) %6.1f%% %10.1f %7.2f %2d%n",
                    r.shape().name(), r.threads(), r.implementation(), r.gflops(med),
                    s.length == 0 ? Double.NaN : r.gflops(s[0]), s.length == 0 ? Double.NaN : r.gflops(s[s.length - 1]),
                    100 * r.gflops(med) / (peaks.get(r.threads()) * cores), med * r.shape().batch,
                    tf == null ? Double.NaN : med / tf, s.length);
        }
        p.println();
        p.println(invalid.isEmpty() ? "Targets (issue 14):" : "Targets (issue 14) - NOT RESULTS, the run is invalid:");
        for (Row r : rows) {
            if (r.implementation().equals("vector")) {
                Double tf = tfMedian.get(r.shape().name() + r.threads());
                double need = r.shape() == Shape.f ? 2.0 : 0.9;
                if (tf != null && r.shape() != Shape.h && r.shape() != Shape.m) {
                    double ratio = r.median() / tf;
                    p.printf(Locale.ROOT, "  %s %d thread(s) vector/TF = %.2f (target >= %.1f) %s%n", r.shape().name(),
                            r.threads(), ratio, need, ratio >= need ? "met" : "NOT met");
                }
                Row one = find(rows, r.shape(), r.threads(), "vector1");
                if (r.threads() == 2 && one != null) {
                    double scaling = r.median() / one.median();
                    p.printf(Locale.ROOT, "  %s 2 threads / 1 thread (vector, same JVM) = %.2f (target >= 1.8) %s%n",
                            r.shape().name(), scaling, scaling >= 1.8 ? "met" : "NOT met");
                }
            }
        }
        for (Row r : rows) {
            if (r.implementation().equals("scalar") && r.threads() == 1) {
                for (Row naive : rows) {
                    if (naive.shape() == r.shape() && naive.threads() == 1 && naive.implementation().equals("naive")) {
                        double ratio = r.median() / naive.median();
                        p.printf(Locale.ROOT, "  %s scalar/naive = %.1f (target >= 10) %s%n", r.shape().name(), ratio,
                                ratio >= 10 ? "met" : "NOT met");
                    }
                }
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        return "unknown";
    }
}
