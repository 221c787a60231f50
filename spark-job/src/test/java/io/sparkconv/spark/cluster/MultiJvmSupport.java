package io.sparkconv.spark.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the multi-JVM tests share: a Spark home assembled from Maven under target/ (its jars/ links the provided
 * Spark runtime the build resolved), the JVM options every Spark JVM needs, and child-process helpers.
 * The properties are set by the pom's multi-jvm surefire execution, after packaging.
 */
final class MultiJvmSupport {
    private MultiJvmSupport() {
    }

    static String property(String name) {
        String v = System.getProperty(name);
        if (v == null) {
            throw new IllegalStateException("system property " + name + " is not set: run the multi-JVM tests with "
                    + "`mvn verify` (their surefire execution sets it)");
        }
        return v;
    }

    /**
     * Jars of the launcher's class path that are the job's own dependencies, not Spark's: a Spark installation
     * does not have them, the job jar brings them (shaded).
     */
    private static final List<String> JOB_ONLY = List.of("/info/picocli/", "/io/jhdf/", "/sparkconv-");

    /**
     * target/spark-home with jars/ linking every jar of Spark's runtime as Maven resolved it (the launcher's class
     * path without the job's own dependencies). Made once, idempotent.
     */
    static synchronized Path sparkHome() throws IOException {
        Path home = Path.of(property("sparkconv.spark.home"));
        Path jars = Files.createDirectories(home.resolve("jars"));
        String classPath = Files.readString(Path.of(property("sparkconv.runtime.classpath")), StandardCharsets.UTF_8)
                .strip() + File.pathSeparator + Files.readString(Path.of(property("sparkconv.runtime.scope.classpath")),
                StandardCharsets.UTF_8).strip();
        for (String entry : classPath.split(File.pathSeparator)) {
            String unixPath = entry.replace(File.separatorChar, '/');
            if (!entry.endsWith(".jar") || JOB_ONLY.stream().anyMatch(unixPath::contains)) {
                continue;
            }
            Path jar = Path.of(entry);
            Path link = jars.resolve(jar.getFileName());
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createSymbolicLink(link, jar);
                } catch (FileAlreadyExistsException raced) {
                    // made meanwhile by another test class of this run
                }
            }
        }
        return home;
    }

    /** The job jar the build just made (shaded: core, datasets, picocli; no Spark). */
    static Path jobJar() {
        Path jar = Path.of(property("sparkconv.job.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("job jar " + jar + " is missing: the multi-JVM tests run after `package`");
        }
        return jar;
    }

    /** Spark's --add-opens list and the Vector API module, from the build (the parent pom's single list). */
    static List<String> jvmOptions() throws IOException {
        String text = Files.readString(Path.of(property("sparkconv.jvm.options")), StandardCharsets.UTF_8).strip();
        return new ArrayList<>(Arrays.asList(text.split("\\s+")));
    }

    static String jvmOptionsLine() throws IOException {
        return String.join(" ", jvmOptions());
    }

    /** This test JVM's class path as absolute paths (surefire's real class path, not its manifest jar). */
    static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> absolute = new ArrayList<>();
        for (String entry : cp.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                absolute.add(Path.of(entry).toAbsolutePath().toString());
            }
        }
        return String.join(File.pathSeparator, absolute);
    }

    static Path javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The project root (for conf/). */
    static Path projectDir() {
        return Path.of(property("sparkconv.project.dir"));
    }

    /**
     * A child JVM on the Spark home's jars, its output in {@code log}.out and .err. With {@code quiet} it logs as
     * bin/sparkconv does (conf/log4j2.properties: warnings only), else with Spark's default INFO logging.
     */
    static Process startSparkJvm(Path sparkHome, List<String> mainAndArgs, Path log, String heap, boolean quiet)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaExecutable().toString());
        cmd.add("-Xmx" + heap);
        cmd.addAll(jvmOptions());
        if (quiet) {
            cmd.add("-Dlog4j2.configurationFile=" + projectDir().resolve("conf/log4j2.properties"));
        }
        cmd.add("-cp");
        cmd.add(sparkHome.resolve("jars") + File.separator + "*");
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false)
                .redirectOutput(log.resolveSibling(log.getFileName() + ".out").toFile())
                .redirectError(log.resolveSibling(log.getFileName() + ".err").toFile());
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    /** Exit code, stdout and stderr of a finished child. */
    static final class Finished {
        final int exitCode;
        final String out;
        final String err;

        Finished(int exitCode, String out, String err) {
            this.exitCode = exitCode;
            this.out = out;
            this.err = err;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    static Finished waitFor(Process p, Path log, long timeoutSeconds) throws IOException, InterruptedException {
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM did not finish within " + timeoutSeconds + " s; see " + log + ".*");
        }
        return new Finished(p.exitValue(), Files.readString(log.resolveSibling(log.getFileName() + ".out")),
                Files.readString(log.resolveSibling(log.getFileName() + ".err")));
    }
}
