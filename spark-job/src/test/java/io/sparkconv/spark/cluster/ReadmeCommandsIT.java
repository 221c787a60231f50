package io.sparkconv.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: the README cannot drift from the code. Every command of every {@code bash} block of README.md runs as
 * written, in order, from a fresh copy of the project root (the built project linked in, nothing else), and must
 * succeed. The one exception is {@code mvn -B -ntp verify}, the build this test runs inside.
 */
class ReadmeCommandsIT {
    /** The build this test is part of: running it here would recurse. */
    private static final String THE_BUILD_ITSELF = "mvn -B -ntp verify";

    @TempDir
    Path checkout;

    /** The commands of the README's bash blocks: comments dropped, continuation lines joined. */
    static List<String> bashCommands(String readme) {
        List<String> commands = new ArrayList<>();
        boolean inBash = false;
        StringBuilder current = new StringBuilder();
        for (String line : readme.split("\\R")) {
            if (line.startsWith("```")) {
                inBash = !inBash && line.strip().equals("```bash");
                continue;
            }
            if (!inBash) {
                continue;
            }
            int comment = line.indexOf(" #");
            String code = (line.strip().startsWith("#") ? "" : comment >= 0 ? line.substring(0, comment) : line)
                    .strip();
            if (code.endsWith("\\")) {
                current.append(code, 0, code.length() - 1).append(' ');
                continue;
            }
            current.append(code);
            String command = current.toString().strip().replaceAll("\\s+", " ");
            current.setLength(0);
            if (!command.isEmpty()) {
                commands.add(command);
            }
        }
        return commands;
    }

    @Test
    void everyBashCommandOfTheReadmeRunsAsWritten() throws Exception {
        Path project = MultiJvmSupport.projectDir();
        // A checkout of our own: the project's files linked in, so what the commands write stays here.
        try (Stream<Path> entries = Files.list(project)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (!name.equals("sparkconv-demo") && !name.startsWith(".")) {
                    Files.createSymbolicLink(checkout.resolve(name), p);
                }
            }
        }
        List<String> commands = bashCommands(Files.readString(project.resolve("README.md")));
        assertTrue(commands.size() >= 8, "the README's commands: " + commands);
        assertEquals("bin/sparkconv demo", commands.get(0), "the demo comes first: the others use its files");
        assertTrue(commands.remove(THE_BUILD_ITSELF), "the README names the test command: " + commands);
        for (String command : commands) {
            assertTrue(command.startsWith("bin/sparkconv "), "a README command outside bin/sparkconv: " + command);
            Finished r = run(command);
            assertEquals(0, r.exitCode, "README command failed: " + command + "\n" + r.output);
        }
        assertTrue(Files.isRegularFile(checkout.resolve("sparkconv-demo/features.npy")));
    }

    private record Finished(int exitCode, String output) {
    }

    private Finished run(String command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(checkout, "command", ".log");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).directory(checkout.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARKCONV_HEAP", "1g");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARKCONV_JAVA_OPTS", "-Dsparkconv.log.file=" + checkout.resolve("sparkconv.log"));
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("README command did not finish in 300 s: " + command);
        }
        return new Finished(p.exitValue(), Files.readString(log));
    }
}
