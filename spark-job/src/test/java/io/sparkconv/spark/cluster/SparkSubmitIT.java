package io.sparkconv.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /**
     * Issue 16: `mvn install` publishes the modules with the README's coordinates, and spark-submit --packages
     * resolves them from that repository and runs the job with the vector kernel. The install goes into a
     * repository of this test (the build's own local repository linked in for everything else, read-only), from a
     * copy of the sources, so neither ~/.m2 nor this build's target/ is touched; Ivy's caches are the test's too.
     */
    @Test
    void packagesFromTheMavenRepositoryMvnInstallWrote() throws Exception {
        Path repo = Files.createDirectories(dir.resolve("m2-repository"));
        Path buildRepo = Path.of(MultiJvmSupport.property("sparkconv.maven.repo"));
        try (var top = Files.list(buildRepo)) {
            for (Path p : (Iterable<Path>) top::iterator) {
                if (!p.getFileName().toString().equals("io")) {
                    Files.createSymbolicLink(repo.resolve(p.getFileName().toString()), p);
                    continue;
                }
                Path io = Files.createDirectories(repo.resolve("io"));
                try (var children = Files.list(p)) {
                    for (Path c : (Iterable<Path>) children::iterator) {
                        if (!c.getFileName().toString().equals("sparkconv")) {
                            Files.createSymbolicLink(io.resolve(c.getFileName().toString()), c);
                        }
                    }
                }
            }
        }
        Path sources = copySources(dir.resolve("checkout"));
        Path mvnLog = dir.resolve("mvn-install.log");
        Process mvn = new ProcessBuilder("mvn", "-o", "-q", "-B", "-ntp", "-DskipTests", "-Dmaven.repo.local=" + repo,
                "-pl", "spark-job", "-am", "install").directory(sources.toFile()).redirectErrorStream(true)
                .redirectOutput(mvnLog.toFile()).start();
        assertTrue(mvn.waitFor(600, TimeUnit.SECONDS), "mvn install did not finish in 600 s");
        assertEquals(0, mvn.exitValue(), Files.readString(mvnLog));
        for (String module : List.of("sparkconv-parent", "sparkconv-core", "sparkconv-datasets",
                "sparkconv-spark-job")) {
            assertTrue(Files.isDirectory(repo.resolve("io/sparkconv/" + module + "/0.1.0-SNAPSHOT")), module);
        }

        Path output = dir.resolve("packages-out");
        MultiJvmSupport.Finished run = submitWithout("packages-run", List.of("--master", "local[2]",
                "--packages", "io.sparkconv:sparkconv-spark-job:0.1.0-SNAPSHOT",
                "--repositories", repo.toUri().toString(),
                "--conf", "spark.jars.ivy=" + dir.resolve("ivy2")), runArgs(output));
        assertEquals(0, run.exitCode, run.toString());
        assertTrue(run.out.contains("records: read 30, written 30, rejected 0"), run.toString());
        assertTrue(run.out.matches("(?s).*plan: conv2d[^\\n]*: vector-\\d+(-r\\d+)? .*"), "the vector kernel ran: " + run);
        assertFalse(run.out.contains("scalar fallback"), run.toString());
    }

    /** Issue 16: the README's `spark-submit --jars <job jar> ... spark-internal` runs with the vector kernel. */
    @Test
    void jarsOption() throws Exception {
        Path output = dir.resolve("jars-out");
        MultiJvmSupport.Finished run = submitWithout("jars-run", List.of("--master", "local[2]", "--jars",
                MultiJvmSupport.jobJar().toString()), runArgs(output));
        assertEquals(0, run.exitCode, run.toString());
        assertTrue(run.out.contains("records: read 30, written 30, rejected 0"), run.toString());
        assertTrue(run.out.matches("(?s).*plan: conv2d[^\\n]*: vector-\\d+(-r\\d+)? .*"), "the vector kernel ran: " + run);
        assertOutputIsTheLayers(List.of("--master", "local[2]"), output);
    }

    /**
     * Issue 16: the same job jar (built against Spark 4.x) on Spark 3.5 with Scala 2.13: a Spark home of Spark
     * 3.5.8's runtime jars from Maven (spark-job/src/test/spark-3.5/pom.xml), SparkSubmit of that version, the
     * output equal to the layer's, with the vector kernel.
     */
    @Test
    void sparkThreeFive() throws Exception {
        Path home = Path.of(MultiJvmSupport.property("sparkconv.spark.home") + "-3.5");
        Path jars = home.resolve("jars");
        if (!Files.isRegularFile(jars.resolve("spark-core_2.13-3.5.8.jar"))) {
            Path mvnLog = dir.resolve("mvn-spark-3.5.log");
            Process mvn = new ProcessBuilder("mvn", "-q", "-B", "-ntp", "-f",
                    MultiJvmSupport.projectDir().resolve("spark-job/src/test/spark-3.5/pom.xml").toString(),
                    "dependency:copy-dependencies", "-DoutputDirectory=" + jars).redirectErrorStream(true)
                    .redirectOutput(mvnLog.toFile()).start();
            assertTrue(mvn.waitFor(900, TimeUnit.SECONDS), "assembling the Spark 3.5 home took over 900 s");
            assertEquals(0, mvn.exitValue(), Files.readString(mvnLog));
        }
        Path output = dir.resolve("spark35-out");
        List<String> cmd = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", "local[2]",
                "--class", "io.sparkconv.spark.cli.SparkConvMain",
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.ui.enabled=false",
                "--properties-file", MultiJvmSupport.projectDir().resolve("conf/spark-defaults.conf").toString(),
                MultiJvmSupport.jobJar().toString()));
        cmd.addAll(List.of(runArgs(output)));
        Path log = dir.resolve("spark35-run");
        MultiJvmSupport.Finished run = MultiJvmSupport.waitFor(
                MultiJvmSupport.startSparkJvm(home, cmd, log, "1g", true), log, 600);
        assertEquals(0, run.exitCode, run.toString());
        assertTrue(run.out.contains("records: read 30, written 30, rejected 0"), run.toString());
        assertTrue(run.out.matches("(?s).*plan: conv2d[^\\n]*: vector-\\d+(-r\\d+)? .*"), "the vector kernel ran: " + run);
        Path npy = dir.resolve("spark35.npy");
        List<String> export = new ArrayList<>(cmd.subList(0, cmd.indexOf(MultiJvmSupport.jobJar().toString()) + 1));
        export.addAll(List.of("export", "--input", output.toString(), "--output", npy.toString()));
        MultiJvmSupport.Finished exported = MultiJvmSupport.waitFor(
                MultiJvmSupport.startSparkJvm(home, export, dir.resolve("spark35-export"), "1g", true),
                dir.resolve("spark35-export"), 600);
        assertEquals(0, exported.exitCode, exported.toString());
        FloatTensor actual = NpyArrays.read(npy.toString());
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.data(), actual.data(), 0f);
    }

    /**
     * spark-submit as the README writes it for --packages and --jars: the job's classes come from those options
     * (primary resource spark-internal), settings from conf/spark-defaults.conf; Ivy's user home is the test's.
     */
    private static MultiJvmSupport.Finished submitWithout(String name, List<String> submitArgs, String... appArgs)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("-Duser.home=" + dir.resolve("home"),
                "org.apache.spark.deploy.SparkSubmit",
                "--class", "io.sparkconv.spark.cli.SparkConvMain",
                "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.ui.enabled=false",
                "--properties-file", MultiJvmSupport.projectDir().resolve("conf/spark-defaults.conf").toString()));
        cmd.addAll(submitArgs);
        cmd.add("spark-internal");
        cmd.addAll(List.of(appArgs));
        Path log = dir.resolve(name);
        Process p = MultiJvmSupport.startSparkJvm(sparkHome, cmd, log, "1g", true);
        return MultiJvmSupport.waitFor(p, log, 600);
    }

    /** The project's sources (no build output, no git) copied to {@code to}. */
    private static Path copySources(Path to) throws IOException {
        Path project = MultiJvmSupport.projectDir();
        for (String top : List.of("pom.xml", "conf", "core", "datasets", "spark-job", "bench", "notebook")) {
            Path from = project.resolve(top);
            try (var walk = Files.walk(from)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    Path rel = project.relativize(p);
                    if (rel.toString().contains("target") && rel.toString().matches(".*(^|/)target(/.*|$)")) {
                        continue;
                    }
                    Path dest = to.resolve(rel.toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(dest);
                    } else {
                        Files.createDirectories(dest.getParent());
                        Files.copy(p, dest);
                    }
                }
            }
        }
        return to;
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
