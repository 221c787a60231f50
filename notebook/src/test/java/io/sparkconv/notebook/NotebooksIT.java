package io.sparkconv.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance path of a new user: {@code bin/sparkconv notebook install}, then {@code bin/sparkconv notebook run}
 * on every notebook in notebooks/. Each must succeed, every code cell must have run, and the executed notebooks
 * must hold pictures (image/png) and tables (text/html) and no error output. The committed notebooks carry no
 * outputs (and so no paths of the machine that last ran them).
 */
class NotebooksIT {
    @TempDir
    static Path sandbox;

    @BeforeAll
    static void installTheKernel() throws Exception {
        LauncherSupport.Result install = LauncherSupport.sparkconv(sandbox, null, 600, "notebook", "install");
        assertEquals(0, install.exitCode(), install.output());
        JsonNode spec = LauncherSupport.JSON.readTree(
                sandbox.resolve("jupyter-data/kernels/sparkconv/kernel.json").toFile());
        assertEquals("sparkconv - Java 17, Spark 4.x", spec.get("display_name").asText());
        assertEquals("message", spec.get("interrupt_mode").asText());
    }

    static List<Path> notebooks() throws IOException {
        try (Stream<Path> files = Files.list(LauncherSupport.projectDir().resolve("notebooks"))) {
            return files.filter(f -> f.toString().endsWith(".ipynb") && !f.toString().endsWith(".nbconvert.ipynb"))
                    .sorted().toList();
        }
    }

    @Test
    void everyNotebookRunsWithPicturesTablesAndNoErrors() throws Exception {
        List<Path> notebooks = notebooks();
        assertTrue(notebooks.size() >= 4, "expected the four example notebooks, found " + notebooks);
        for (Path notebook : notebooks) {
            Path executed = sandbox.resolve(notebook.getFileName());
            LauncherSupport.Result run = LauncherSupport.sparkconv(sandbox, null, 900, "notebook", "run",
                    notebook.toString(), "--output", executed.toString());
            assertEquals(0, run.exitCode(), notebook + " failed:\n" + run.output());

            Set<String> mimeTypes = new HashSet<>();
            for (JsonNode cell : LauncherSupport.codeCells(LauncherSupport.readNotebook(executed))) {
                assertFalse(cell.get("execution_count").isNull(), notebook + ": a cell did not run: "
                        + LauncherSupport.text(cell.get("source")));
                for (JsonNode output : cell.get("outputs")) {
                    assertFalse(output.get("output_type").asText().equals("error"), notebook + ": error output "
                            + output + " in cell " + LauncherSupport.text(cell.get("source")));
                    if (output.has("data")) {
                        output.get("data").fieldNames().forEachRemaining(mimeTypes::add);
                    }
                }
            }
            assertTrue(mimeTypes.contains("image/png"), notebook + " shows no picture: " + mimeTypes);
            assertTrue(mimeTypes.contains("text/html"), notebook + " shows no table: " + mimeTypes);
        }
    }

    @Test
    void theCommittedNotebooksHaveNoOutputs() throws Exception {
        for (Path notebook : notebooks()) {
            for (JsonNode cell : LauncherSupport.codeCells(LauncherSupport.readNotebook(notebook))) {
                assertEquals(0, cell.get("outputs").size(), notebook + " was committed with outputs");
                assertTrue(cell.get("execution_count").isNull(), notebook + " was committed executed");
            }
            assertEquals("sparkconv", LauncherSupport.readNotebook(notebook).at("/metadata/kernelspec/name")
                    .asText(), notebook + " does not name the sparkconv kernel");
        }
    }
}
