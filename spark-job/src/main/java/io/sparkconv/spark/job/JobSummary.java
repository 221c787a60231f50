package io.sparkconv.spark.job;

import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * What a finished job reports: accounting, time and speed, and where its output is. Time is told apart: the
 * process's start-up (JVM and Spark), the job's wall time, the tasks' run time summed over cores, and the time
 * spent in the convolution kernel itself; the speeds are the kernel's (images and FLOP per second of kernel time,
 * which is per core), so they can be compared with the kernel benchmark.
 */
public final class JobSummary {
    private final long read;
    private final long written;
    private final long rejected;
    private final double elapsedSeconds;
    private final Timing timing;
    private final long flops;
    private final String output;
    private final String quarantine;
    private final String weightsNote;
    private final List<String> layerBuilds;
    private final List<String> plans;

    /** Where the time went: seconds of start-up, job, task run time and kernel time, and the cores. */
    public record Timing(double startupSeconds, double jobSeconds, double taskSeconds, double convolutionSeconds,
            long convolvedImages, int cores) {
    }

    public JobSummary(long read, long written, long rejected, Timing timing, long flops, String output,
            String quarantine, String weightsNote, List<String> layerBuilds, List<String> plans) {
        this.read = read;
        this.written = written;
        this.rejected = rejected;
        this.elapsedSeconds = timing.jobSeconds();
        this.timing = timing;
        this.flops = flops;
        this.output = output;
        this.quarantine = quarantine;
        this.weightsNote = weightsNote;
        this.layerBuilds = List.copyOf(layerBuilds);
        this.plans = List.copyOf(plans);
    }

    /** The kernel plans the executors ran, distinct, one "LAYER: PLAN (input HxWxC)" each. */
    public List<String> plans() {
        return plans;
    }

    /** One "pid:broadcastId" entry per executor JVM that built the layer from the broadcast. */
    public List<String> layerBuilds() {
        return layerBuilds;
    }

    /** Process ids of the JVMs that built the layer (each exactly once when the list has no duplicates). */
    public TreeSet<Long> layerBuildPids() {
        TreeSet<Long> pids = new TreeSet<>();
        for (String b : layerBuilds) {
            pids.add(Long.parseLong(b.substring(0, b.indexOf(':'))));
        }
        return pids;
    }

    public long read() {
        return read;
    }

    public long written() {
        return written;
    }

    public long rejected() {
        return rejected;
    }

    public double elapsedSeconds() {
        return elapsedSeconds;
    }

    public long flops() {
        return flops;
    }

    public String output() {
        return output;
    }

    /** The quarantine output, or null when the policy is not quarantine. */
    public String quarantine() {
        return quarantine;
    }

    public Timing timing() {
        return timing;
    }

    /** Images per second of the job's wall time (reading, convolving and writing, on all cores). */
    public double imagesPerSecond() {
        return elapsedSeconds > 0 ? written / elapsedSeconds : 0;
    }

    /** Images per second of kernel time: the convolution alone, on one core. */
    public double convolutionImagesPerSecond() {
        return timing.convolutionSeconds() > 0 ? timing.convolvedImages() / timing.convolutionSeconds() : 0;
    }

    /** GFLOP per second of kernel time: the convolution alone, on one core (compare with the kernel benchmark). */
    public double gflopsPerSecond() {
        return timing.convolutionSeconds() > 0 ? flops / timing.convolutionSeconds() / 1e9 : 0;
    }

    /**
     * True when some executor ran the scalar kernel although no kernel was forced (-Dsparkconv.kernel on the
     * driver): the executor JVM lacked the Vector API module.
     */
    public boolean scalarFallback() {
        String forced = System.getProperty("sparkconv.kernel");
        return (forced == null || !forced.strip().equalsIgnoreCase("scalar"))
                && plans.stream().anyMatch(p -> p.contains(": scalar "));
    }

    /** The lines printed at the end of a job. */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "records: read %d, written %d, rejected %d%n", read, written, rejected));
        b.append(String.format(Locale.ROOT, "time: start-up %.2f s (JVM and Spark), job %.2f s wall (%.1f images/s), "
                + "tasks %.2f s on %d cores%n", timing.startupSeconds(), elapsedSeconds, imagesPerSecond(),
                timing.taskSeconds(), timing.cores()));
        double gflops = gflopsPerSecond();
        b.append(String.format(Locale.ROOT, "convolution: %.3f s of task time, %.1f images/s, "
                + (gflops < 10 ? "%.3f" : "%.1f") + " GFLOP/s per core%n", timing.convolutionSeconds(),
                convolutionImagesPerSecond(), gflops));
        if (!layerBuilds.isEmpty()) {
            b.append("layer: built from the broadcast once per executor JVM, in ").append(layerBuilds.size())
                    .append(layerBuilds.size() == 1 ? " JVM (pid " : " JVMs (pids ");
            b.append(String.join(", ", layerBuildPids().stream().map(String::valueOf).toList())).append(')')
                    .append(System.lineSeparator());
        }
        for (String plan : plans) {
            b.append("plan: ").append(plan).append(System.lineSeparator());
        }
        if (scalarFallback()) {
            b.append("kernel: the scalar fallback ran (no jdk.incubator.vector in the executor JVM): add "
                    + "--add-modules jdk.incubator.vector to spark.driver.extraJavaOptions and "
                    + "spark.executor.extraJavaOptions (as conf/spark-defaults.conf does)")
                    .append(System.lineSeparator());
        }
        if (weightsNote != null) {
            b.append("weights: ").append(weightsNote).append(System.lineSeparator());
        }
        b.append("output: ").append(output).append(System.lineSeparator());
        if (quarantine != null) {
            b.append("quarantine: ").append(quarantine).append(System.lineSeparator());
        }
        return b.toString();
    }
}
