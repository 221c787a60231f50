package io.sparkconv.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.datasets.npy.NpyArrays;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar submitted through Spark's real entry point, {@code org.apache.spark.deploy.SparkSubmit}, in child
 * JVMs whose class path is only the Spark home assembled from Maven: in local mode, and against a standalone
 * master and worker started here on 127.0.0.1.
 */
class SparkSubmitIT {
    @TempDir
    static Path dir;

    private static Path sparkHome;
    private static Path layer;
    private static Path kernel;
    private static Path bias;
    private static Path input;
    private static FloatTensor expected;
    private static final List<Process> DAEMONS = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        sparkHome = MultiJvmSupport.sparkHome();
        Conv2D conv = Conv2D.builder(6, 3, 3).strides(2, 2).padding("same").activation("relu").build();
        layer = dir.resolve("layer.json");
        Files.writeString(layer, conv.toConfig());
        kernel = LocalClusterIT.npy(dir.resolve("kernel.npy"), 11, 3, 3, 3, 6);
        bias = LocalClusterIT.npy(dir.resolve("bias.npy"), 12, 6);
        input = LocalClusterIT.npy(dir.resolve("images.npy"), 13, 30, 17, 15, 3);
        conv.setWeights(NpyArrays.read(kernel.toString()), NpyArrays.read(bias.toString()));
        expected = conv.forward(NpyArrays.read(input.toString()));
    }

    @AfterAll
    static void stopDaemons() throws InterruptedException {
        for (Process p : DAEMONS) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /**
     * spark-submit [submitArgs] jobJar [appArgs], as bin/spark-submit ends up running it: in client mode the driver
     * is this JVM, so the module options go on its command line (spark-class's launcher adds them the same way).
     */
    private static MultiJvmSupport.Finished submit(String name, List<String> submitArgs, String... appArgs)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit",
                "--class", "io.sparkconv.spark.cli.SparkConvMain",
                "--conf", "spark.executor.extraJavaOptions=" + MultiJvmSupport.jvmOptionsLine(),
                "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.ui.enabled=false",
                "--properties-file", MultiJvmSupport.projectDir().resolve("conf/spark-defaults.conf").toString()));
        cmd.addAll(submitArgs);
        cmd.add(MultiJvmSupport.jobJar().toString());
        cmd.addAll(List.of(appArgs));
        Path log = dir.resolve(name);
        Process p = MultiJvmSupport.startSparkJvm(sparkHome, cmd, log, "1g", true);
        return MultiJvmSupport.waitFor(p, log, 300);
    }

    private static String[] runArgs(Path output, String... more) {
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--layer", layer.toString(),
                "--kernel", kernel.toString(), "--bias", bias.toString(), "--output", output.toString(),
                "--partitions", "4", "--batch-size", "4", "--progress-seconds", "1"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private void assertOutputIsTheLayers(List<String> submitArgs, Path output) throws Exception {
        Path npy = dir.resolve(output.getFileName() + ".npy");
        MultiJvmSupport.Finished export = submit(output.getFileName() + "-export", submitArgs, "export", "--input",
                output.toString(), "--output", npy.toString());
        assertEquals(0, export.exitCode, export.toString());
        FloatTensor actual = NpyArrays.read(npy.toString());
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.data(), actual.data(), 0f);
    }

    @Test
    void localMode() throws Exception {
        List<String> local = List.of("--master", "local[2]");
        Path output = dir.resolve("local-out");
        MultiJvmSupport.Finished run = submit("local-run", local, runArgs(output));
        assertEquals(0, run.exitCode, run.toString());
        assertTrue(run.out.contains("records: read 30, written 30, rejected 0"), run.toString());
        assertTrue(run.out.contains("output: " + output), run.toString());
        assertTrue(Files.exists(output.resolve("_SUCCESS")));
        assertOutputIsTheLayers(local, output);

        // A configuration error through spark-submit: one line from us, a non-zero exit, nothing written.
        Path gray = LocalClusterIT.npy(dir.resolve("gray.npy"), 14, 2, 8, 8, 1);
        MultiJvmSupport.Finished bad = submit("local-bad", local, "run", "--input", gray.toString(), "--layer",
                layer.toString(), "--kernel", kernel.toString(), "--bias", bias.toString(), "--output",
                dir.resolve("bad-out").toString());
        assertEquals(1, bad.exitCode, bad.toString());
        assertTrue(bad.err.contains("sparkconv run: error: channel mismatch"), bad.toString());
        assertTrue(Files.notExists(dir.resolve("bad-out")));
    }

    @Test
    void standaloneMasterAndWorkerOnLoopback() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String master = "spark://127.0.0.1:" + port;
        Path masterLog = dir.resolve("master");
        DAEMONS.add(MultiJvmSupport.startSparkJvm(sparkHome, List.of("org.apache.spark.deploy.master.Master",
                "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", "0"), masterLog, "256m", false));
        Path workerLog = dir.resolve("worker");
        Path workDir = Files.createDirectories(dir.resolve("worker-work"));
        DAEMONS.add(MultiJvmSupport.startSparkJvm(sparkHome, List.of("org.apache.spark.deploy.worker.Worker",
                "--host", "127.0.0.1", "--cores", "2", "--memory", "1g", "--webui-port", "0", "--work-dir",
                workDir.toString(), master), workerLog, "256m", false));
        waitForLine(masterLog.resolveSibling("master.err"), masterLog.resolveSibling("master.out"),
                "Registering worker", 120);

        List<String> cluster = List.of("--master", master, "--conf", "spark.executor.memory=768m",
                "--conf", "spark.cores.max=2");
        Path output = dir.resolve("standalone-out");
        MultiJvmSupport.Finished run = submit("standalone-run", cluster, runArgs(output));
        assertEquals(0, run.exitCode, run.toString());
        assertTrue(run.out.contains("records: read 30, written 30, rejected 0"), run.toString());
        assertTrue(run.out.contains("in 1 JVM (pid "), "the worker's one executor built the layer: " + run);
        assertOutputIsTheLayers(cluster, output);
    }

    private static void waitForLine(Path err, Path out, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (Path p : new Path[] {err, out}) {
                if (Files.exists(p) && Files.readString(p).contains(text)) {
                    return;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("'" + text + "' not seen in " + err + " within " + seconds + " s");
    }
}
