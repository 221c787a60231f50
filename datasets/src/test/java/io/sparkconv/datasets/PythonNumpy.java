package io.sparkconv.datasets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs Python with NumPy, the independent writer and reader of NPY/NPZ files. NumPy is required: CI installs
 * it ({@code .ci/run}); locally {@code apt-get install -y python3-numpy}.
 */
public final class PythonNumpy {
    private static final String PYTHON = System.getProperty("sparkconv.python", "/usr/bin/python3");

    private PythonNumpy() {
    }

    /** Runs {@code script} with {@code args}; returns its standard output; fails the test on a non-zero exit. */
    public static String run(Path workDir, String script, String... args) throws IOException, InterruptedException {
        Path file = workDir.resolve("script_" + Integer.toHexString(script.hashCode()) + ".py");
        Files.writeString(file, script, StandardCharsets.UTF_8);
        List<String> cmd = new java.util.ArrayList<>(List.of(PYTHON, file.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            if (text.contains("No module named 'numpy'")) {
                fail("NumPy is needed by this test as the independent NPY writer: apt-get install -y python3-numpy"
                        + " (.ci/run installs it)");
            }
            fail("python failed (exit " + p.exitValue() + "):\n" + text);
        }
        assertEquals(0, p.exitValue());
        return text;
    }
}
