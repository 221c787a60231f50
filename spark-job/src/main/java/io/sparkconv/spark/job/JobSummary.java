package io.sparkconv.spark.job;

import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** What a finished job reports: accounting, speed, and where its output is. */
public final class JobSummary {
    private final long read;
    private final long written;
    private final long rejected;
    private final double elapsedSeconds;
    private final long flops;
    private final String output;
    private final String quarantine;
    private final String weightsNote;
    private final List<String> layerBuilds;
    private final List<String> plans;

    public JobSummary(long read, long written, long rejected, double elapsedSeconds, long flops, String output,
            String quarantine, String weightsNote, List<String> layerBuilds, List<String> plans) {
        this.read = read;
        this.written = written;
        this.rejected = rejected;
        this.elapsedSeconds = elapsedSeconds;
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

    public double imagesPerSecond() {
        return elapsedSeconds > 0 ? written / elapsedSeconds : 0;
    }

    public double gflopsPerSecond() {
        return elapsedSeconds > 0 ? flops / elapsedSeconds / 1e9 : 0;
    }

    /** The lines printed at the end of a job. */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "records: read %d, written %d, rejected %d%n", read, written, rejected));
        b.append(String.format(Locale.ROOT, "elapsed: %.2f s, %.1f images/s, %.3f GFLOP/s%n", elapsedSeconds,
                imagesPerSecond(), gflopsPerSecond()));
        if (!layerBuilds.isEmpty()) {
            b.append("layer: built from the broadcast once per executor JVM, in ").append(layerBuilds.size())
                    .append(layerBuilds.size() == 1 ? " JVM (pid " : " JVMs (pids ");
            b.append(String.join(", ", layerBuildPids().stream().map(String::valueOf).toList())).append(')')
                    .append(System.lineSeparator());
        }
        for (String plan : plans) {
            b.append("plan: ").append(plan).append(System.lineSeparator());
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
