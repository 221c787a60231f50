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
import org.openjdk.jmh.runner.RunnerException;
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

    /** Single-core float32 FMA peak of the machine type the issue measured (AVX-512, two FMA pipes). */
    static final double PEAK_GFLOPS_PER_CORE = 252;

    private Report() {
    }

    public static void main(String[] args) throws RunnerException, IOException {
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("shapes", "a,b,c,d,e,f,g,h");
        opts.put("threads", "1,2");
        opts.put("rounds", "5");
        opts.put("warmup", "2");
        opts.put("seconds", "1");
        opts.put("out", "");
        opts = BenchArgs.parse(opts, args);
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
        String table = table(rows, args);
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

    static String table(List<Row> rows, String[] args) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        PrintStream p = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        p.println("sparkconv Conv2D benchmark (NHWC float32; FLOP = 2*N*OH*OW*F*KH*KW*C; one op = one batch)");
        p.printf(Locale.ROOT, "JVM: %s %s (%s)%n", System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), System.getProperty("os.arch"));
        p.printf(Locale.ROOT, "CPU: %s, %d logical CPUs%n", cpuModel(), Runtime.getRuntime().availableProcessors());
        p.println("Report arguments: " + String.join(" ", Arrays.stream(args).filter(a -> !a.startsWith("out="))
                .toArray(String[]::new)));
        p.println("Peak used for %: " + (int) PEAK_GFLOPS_PER_CORE + " GFLOP/s per core x threads");
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
                    100 * r.gflops(med) / (PEAK_GFLOPS_PER_CORE * cores), med * r.shape().batch,
                    tf == null ? Double.NaN : med / tf, s.length);
        }
        p.println();
        p.println("Targets (issue 5):");
        for (Row r : rows) {
            if (r.implementation().equals("vector") && r.threads() == 1) {
                Double tf = tfMedian.get(r.shape().name() + 1);
                double need = r.shape() == Shape.f ? 2.0 : 0.6;
                if (tf != null && r.shape() != Shape.h) {
                    double ratio = r.median() / tf;
                    p.printf(Locale.ROOT, "  %s 1 thread vector/TF = %.2f (target >= %.1f) %s%n", r.shape().name(),
                            ratio, need, ratio >= need ? "met" : "NOT met");
                }
                Row two = find(rows, r.shape(), 2, "vector");
                Row one = find(rows, r.shape(), 2, "vector1");
                if (two != null && one != null) {
                    double scaling = two.median() / one.median();
                    p.printf(Locale.ROOT, "  %s 2 threads / 1 thread (vector, same JVM) = %.2f (target >= 1.8) %s;"
                            + " across the two trials %.2f%n", r.shape().name(), scaling,
                            scaling >= 1.8 ? "met" : "NOT met", two.median() / r.median());
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
