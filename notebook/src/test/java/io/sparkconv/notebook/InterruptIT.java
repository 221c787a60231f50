package io.sparkconv.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jupyter's Interrupt on a cell running a Spark job (through jupyter_client, as the notebook UI sends it): the job
 * is cancelled, the cell ends with an error soon after, and the kernel and its session keep working.
 */
class InterruptIT {
    @TempDir
    Path sandbox;

    @Test
    void interruptingACellCancelsItsSparkJobAndTheKernelLivesOn() throws Exception {
        LauncherSupport.Result install = LauncherSupport.sparkconv(sandbox, null, 600, "notebook", "install");
        assertEquals(0, install.exitCode(), install.output());
        Path script = sandbox.resolve("interrupt_cell.py");
        try (InputStream in = InterruptIT.class.getResourceAsStream("interrupt_cell.py")) {
            Files.copy(in, script);
        }
        ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", script.toString());
        pb.environment().put("JUPYTER_DATA_DIR", sandbox.resolve("jupyter-data").toString());
        pb.environment().put("JUPYTER_RUNTIME_DIR", sandbox.resolve("jupyter-runtime").toString());
        pb.environment().put("SPARKCONV_NOTEBOOK_WORK", sandbox.resolve("work").toString());
        pb.environment().put("SPARKCONV_MASTER", "local[2]");
        pb.environment().put("SPARKCONV_HEAP", "1g");
        Path log = sandbox.resolve("interrupt.log");
        Path out = sandbox.resolve("interrupt.json");
        Process p = pb.redirectError(log.toFile()).redirectOutput(out.toFile()).start();
        boolean finished = p.waitFor(300, TimeUnit.SECONDS);
        if (!finished) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String stderr = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(finished, "the interrupt script did not finish:\n" + stderr);
        assertEquals(0, p.exitValue(), stderr + Files.readString(out));
        JsonNode result = LauncherSupport.JSON.readTree(out.toFile());
        assertEquals("error", result.get("status").asText(), result.toString());
        assertTrue(result.get("evalue").asText().startsWith("the cell was interrupted and its Spark jobs cancelled"),
                result.toString());
        assertEquals(List.of("0"), LauncherSupport.JSON.convertValue(result.get("active_jobs"), List.class),
                "a Spark job still runs after the interrupt: " + result);
        assertTrue(result.get("seconds_to_stop").asDouble() < 20, result.toString());
        assertEquals(List.of("3"), LauncherSupport.JSON.convertValue(result.get("after"), List.class),
                result.toString());
    }
}
