package io.sparkconv.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkconv.datasets.npy.NpyWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, finding 5: what bin/sparkconv prints. A failing task gives one error line and no Spark stack trace on
 * the console (the traces go to the log file, and to the console with --verbose); reading a Keras file does not
 * print jHDF's development-version warning.
 */
class CommandLineOutputIT {
    @TempDir
    Path dir;

    private MultiJvmSupport.Finished sparkconv(String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(MultiJvmSupport.projectDir().resolve("bin/sparkconv").toString());
        cmd.addAll(List.of(args));
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("SPARKCONV_HEAP", "1g");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARKCONV_JAVA_OPTS", "-Dsparkconv.log.file=" + dir.resolve(name + ".log"));
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/sparkconv did not finish in 300 s");
        }
        return new MultiJvmSupport.Finished(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void aFailingTaskPrintsOneLineAndKeepsTheTraceInTheLog() throws Exception {
        Path inputs = Files.createDirectories(dir.resolve("inputs"));
        NpyWriter.write(inputs.resolve("a.npy"), new int[] {4, 5, 5, 3}, new float[4 * 75]);
        NpyWriter.write(inputs.resolve("b.npy"), new int[] {4, 5, 5, 1}, new float[4 * 25]);
        Path layer = Files.writeString(dir.resolve("layer.json"),
                "{\"filters\": 2, \"kernel_size\": [3, 3], \"padding\": \"same\", \"use_bias\": false}");
        MultiJvmSupport.Finished quiet = sparkconv("quiet", "run", "--input", inputs.toString(), "--layer",
                layer.toString(), "--output", dir.resolve("out").toString(), "--progress-seconds", "0");
        assertEquals(1, quiet.exitCode, quiet.toString());
        List<String> lines = new ArrayList<>();
        for (String line : quiet.err.strip().split("\\R")) {
            // the JVM's own notice of the incubator module, and our kernel line, are not part of the failure
            if (!line.startsWith("WARNING: Using incubator modules") && !line.contains("INFO KernelProvider")) {
                lines.add(line);
            }
        }
        assertEquals(1, lines.size(), "one line: " + quiet);
        assertTrue(lines.get(0).startsWith("sparkconv run: error: ") && lines.get(0).contains("b.npy")
                && lines.get(0).contains("channels"), quiet.toString());
        String log = Files.readString(dir.resolve("quiet.log"));
        assertTrue(log.contains("b.npy") && log.contains("\tat "), "the full trace is in the log file");

        MultiJvmSupport.Finished verbose = sparkconv("verbose", "run", "--input", inputs.toString(), "--layer",
                layer.toString(), "--output", dir.resolve("out").toString(), "--progress-seconds", "0", "--verbose");
        assertEquals(1, verbose.exitCode, verbose.toString());
        assertTrue(verbose.err.contains("\tat "), "--verbose shows the traces: " + verbose);
        assertTrue(verbose.err.contains(" INFO SparkContext: "), "--verbose shows Spark's INFO lines: " + verbose);
    }

    /** Issue 16: a default run prints our lines only: the first names the Spark UI, then progress and summary. */
    @Test
    void aDefaultRunPrintsNoSparkInfoLines() throws Exception {
        Path input = dir.resolve("images.npy");
        NpyWriter.write(input, new int[] {6, 8, 8, 3}, new float[6 * 192]);
        Path layer = Files.writeString(dir.resolve("layer.json"),
                "{\"filters\": 2, \"kernel_size\": [3, 3], \"padding\": \"same\", \"use_bias\": false}");
        MultiJvmSupport.Finished r = sparkconv("default", "run", "--input", input.toString(), "--layer",
                layer.toString(), "--output", dir.resolve("out").toString(), "--progress-seconds", "1");
        assertEquals(0, r.exitCode, r.toString());
        String[] lines = r.err.strip().split("\\R");
        int first = lines[0].startsWith("WARNING: Using incubator modules") ? 1 : 0;
        assertTrue(lines[first].matches("sparkconv: 6 records on local\\[\\*\\] \\(\\d+ cores\\), Spark UI: http://.*"),
                r.toString());
        for (int i = first + 1; i < lines.length; i++) {
            assertTrue(lines[i].startsWith("progress: ") || lines[i].contains(" INFO KernelProvider: sparkconv "),
                    "only our own lines: " + r);
        }
        assertTrue(r.out.contains("records: read 6, written 6, rejected 0"), r.toString());
    }

    /** Issue 16: --version names the versions and the commit; help and version print no JVM warning. */
    @Test
    void versionNamesVersionsAndCommitAndHelpIsQuiet() throws Exception {
        MultiJvmSupport.Finished v = sparkconv("version", "--version");
        assertEquals(0, v.exitCode, v.toString());
        assertEquals("", v.err, v.toString());
        String[] lines = v.out.strip().split("\\R");
        assertEquals(3, lines.length, v.toString());
        assertTrue(lines[0].matches("sparkconv \\d+\\.\\d+\\.\\d+\\S* \\(git commit [0-9a-f]{12}\\)"), v.toString());
        assertTrue(lines[1].matches("Spark [34]\\.\\d+\\.\\d+ \\(built against .*\\), Scala 2\\.13\\.\\d+ .*"),
                v.toString());
        assertTrue(lines[2].startsWith("Java " + System.getProperty("java.version")), v.toString());
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"run", "--help"},
                new String[] {"demo", "--help"})) {
            MultiJvmSupport.Finished h = sparkconv("help", args);
            assertEquals(0, h.exitCode, h.toString());
            assertEquals("", h.err, h.toString());
            assertTrue(h.out.startsWith("Usage: sparkconv"), h.toString());
        }
    }

    @Test
    void readingAKerasFileDoesNotPrintJhdfsWarning() throws Exception {
        String shared = System.getProperty("sparkconv.shared.dir");
        Path model = (shared == null ? Paths.get("..", "..", "shared") : Paths.get(shared))
                .resolve("fixtures/keras/keras3-mnist-keras-3.1.1/mnist_model.keras");
        assumeTrue(Files.isRegularFile(model), "no Keras fixtures at " + model.toAbsolutePath());
        MultiJvmSupport.Finished r = sparkconv("inspect", "inspect", model.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertFalse(r.err.contains("jHDF"), r.toString());
        assertTrue(r.out.contains("conv2d"), r.toString());
    }
}
