package io.sparkconv.notebook;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs bin/sparkconv as a user would, with Jupyter's data folder and the notebooks' work folder in a temp dir. */
final class LauncherSupport {
    static final ObjectMapper JSON = new ObjectMapper();

    private LauncherSupport() {
    }

    static Path projectDir() {
        return Path.of(System.getProperty("sparkconv.project.dir", "..")).toAbsolutePath().normalize();
    }

    record Result(int exitCode, String output) {
    }

    /** Runs bin/sparkconv with {@code args}, feeding {@code stdin}; stdout and stderr together. */
    static Result sparkconv(Path sandbox, String stdin, long timeoutSeconds, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(projectDir().resolve("bin/sparkconv").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("JUPYTER_DATA_DIR", sandbox.resolve("jupyter-data").toString());
        pb.environment().put("JUPYTER_RUNTIME_DIR", sandbox.resolve("jupyter-runtime").toString());
        pb.environment().put("SPARKCONV_NOTEBOOK_WORK", sandbox.resolve("work").toString());
        pb.environment().put("SPARKCONV_MASTER", "local[2]");
        pb.environment().put("SPARKCONV_HEAP", "1500m");
        pb.environment().put("SPARKCONV_JAVA_OPTS", "-Dspark.ui.enabled=false");
        Path log = Files.createTempFile(sandbox, "sparkconv-", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        boolean finished = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        assertTrue(finished, "bin/sparkconv " + String.join(" ", args) + " did not finish in " + timeoutSeconds
                + " s:\n" + output);
        return new Result(p.exitValue(), output);
    }

    static JsonNode readNotebook(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** The text of a notebook field that is a string or a list of lines. */
    static String text(JsonNode node) {
        if (node == null || node.isNull()) {
            return "";
        }
        if (node.isArray()) {
            StringBuilder b = new StringBuilder();
            node.forEach(n -> b.append(n.asText()));
            return b.toString();
        }
        return node.asText();
    }

    static List<JsonNode> codeCells(JsonNode notebook) {
        List<JsonNode> cells = new ArrayList<>();
        notebook.get("cells").forEach(c -> {
            if (c.get("cell_type").asText().equals("code")) {
                cells.add(c);
            }
        });
        return cells;
    }
}
