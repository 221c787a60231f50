package io.sparkconv.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A quick in-process measurement for kernel work (not the committed results; those come from {@link Report}):
 * {@code Probe <shapes> <threads> <seconds> [implementations]} prints median GFLOP/s per implementation over
 * interleaved rounds of about a quarter second each.
 */
public final class Probe {

    private Probe() {
    }

    public static void main(String[] args) {
        String[] shapes = args.length > 0 ? args[0].split(",") : new String[] {"b"};
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 6;
        List<String> impls = args.length > 3 ? List.of(args[3].split(",")) : List.of("vector", "tensorflow");
        for (String name : shapes) {
            Shape shape = Shape.valueOf(name);
            try (Workload w = new Workload(shape, threads)) {
                w.checkAgainstTensorFlow();
                List<List<Double>> rates = new ArrayList<>();
                for (String ignored : impls) {
                    rates.add(new ArrayList<>());
                }
                long end = System.nanoTime() + (long) (seconds * 1e9);
                int round = 0;
                while (System.nanoTime() < end || round < 3) {
                    for (int i = 0; i < impls.size(); i++) {
                        long t0 = System.nanoTime();
                        int ops = 0;
                        do {
                            w.run(impls.get(i));
                            ops++;
                        } while (System.nanoTime() - t0 < 250_000_000L);
                        rates.get(i).add(ops * shape.flop() / (System.nanoTime() - t0));
                    }
                    round++;
                }
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s t=%d", name, threads));
                for (int i = 0; i < impls.size(); i++) {
                    List<Double> r = rates.get(i);
                    r = r.subList(r.size() / 3, r.size());   // drop the warm-up third
                    double median = BenchArgs.median(r);
                    line.append(String.format(Locale.ROOT, "  %s %.1f", impls.get(i), median));
                }
                System.out.println(line);
            }
        }
    }
}
