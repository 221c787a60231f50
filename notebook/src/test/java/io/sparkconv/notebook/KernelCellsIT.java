package io.sparkconv.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel through Jupyter (nbconvert): the first cell answers within 30 s of start, a cell that fails shows a
 * one-line error and the cells after it still run, and {@code notebook run} exits non-zero when a cell fails.
 */
class KernelCellsIT {
    static final String BAD_LAYER = "Conv2D.fromConfig(\"{\\\"class_name\\\": \\\"Conv2D\\\", \\\"config\\\": "
            + "{\\\"name\\\": \\\"bad\\\", \\\"filters\\\": -1, \\\"kernel_size\\\": [3, 3]}}\")";

    @TempDir
    static Path sandbox;

    @BeforeAll
    static void installTheKernel() throws Exception {
        LauncherSupport.Result install = LauncherSupport.sparkconv(sandbox, null, 600, "notebook", "install");
        assertEquals(0, install.exitCode(), install.output());
    }

    static Path notebook(String name, List<String> cells) throws Exception {
        ObjectNode nb = LauncherSupport.JSON.createObjectNode();
        nb.put("nbformat", 4).put("nbformat_minor", 5);
        ObjectNode kernelspec = nb.putObject("metadata").putObject("kernelspec");
        kernelspec.put("name", "sparkconv").put("display_name", "sparkconv - Java 17, Spark 4.x")
                .put("language", "java");
        ArrayNode array = nb.putArray("cells");
        int id = 0;
        for (String source : cells) {
            ObjectNode cell = array.addObject();
            cell.put("cell_type", "code").put("id", "cell-" + id++).putNull("execution_count");
            cell.putObject("metadata");
            cell.putArray("outputs");
            cell.put("source", source);
        }
        Path file = sandbox.resolve(name);
        LauncherSupport.JSON.writeValue(file.toFile(), nb);
        return file;
    }

    @Test
    void aFailingCellShowsItsOneLineErrorAndTheNextCellsStillRun() throws Exception {
        Path nb = notebook("failing.ipynb", List.of(BAD_LAYER, "1 + 1", "undefinedName + 1",
                "spark.range(5).count()",
                "%spark --master local[1] --conf spark.sql.shuffle.partitions=3\n"
                        + "spark.sparkContext().master() + \" \" + spark.conf().get(\"spark.sql.shuffle.partitions\")"));
        Path executed = sandbox.resolve("failing-executed.ipynb");
        Instant started = Instant.now();
        LauncherSupport.Result run = LauncherSupport.sparkconv(sandbox, null, 600, "notebook", "run",
                nb.toString(), "--allow-errors", "--output", executed.toString());
        assertEquals(0, run.exitCode(), run.output());

        List<JsonNode> cells = LauncherSupport.codeCells(LauncherSupport.readNotebook(executed));
        JsonNode error = cells.get(0).get("outputs").get(0);
        assertEquals("error", error.get("output_type").asText(), cells.get(0).toString());
        assertEquals(1, cells.get(0).get("outputs").size(), cells.get(0).toString());
        assertEquals("filters=-1 is not supported: expected a positive integer", error.get("evalue").asText());
        assertEquals(List.of("IllegalArgumentException: filters=-1 is not supported: expected a positive integer"),
                LauncherSupport.JSON.convertValue(error.get("traceback"), List.class));

        Instant firstReply = Instant.parse(cells.get(0).at("/metadata/execution/shell.execute_reply").asText());
        Duration firstCell = Duration.between(started, firstReply);
        assertTrue(firstCell.compareTo(Duration.ofSeconds(30)) <= 0,
                "the first cell answered " + firstCell.toMillis() + " ms after the kernel was asked to start");

        assertEquals("2", LauncherSupport.text(cells.get(1).at("/outputs/0/data/text~1plain")), cells.get(1).toString());
        JsonNode compileError = cells.get(2).at("/outputs/0");
        assertEquals("error", compileError.get("output_type").asText(), cells.get(2).toString());
        String line = compileError.get("traceback").get(0).asText();
        assertTrue(line.startsWith("CompileError: ") && line.contains("undefinedName"), line);
        assertEquals("5", LauncherSupport.text(cells.get(3).at("/outputs/0/data/text~1plain")), cells.get(3).toString());
        // %spark restarted the session with the master and setting asked for, and rebound `spark` to it.
        JsonNode restarted = cells.get(4).get("outputs");
        assertEquals("local[1] 3", LauncherSupport.text(restarted.get(restarted.size() - 1)
                .at("/data/text~1plain")), cells.get(4).toString());
    }

    @Test
    void notebookRunExitsNonZeroWhenACellFails() throws Exception {
        Path nb = notebook("stops.ipynb", List.of(BAD_LAYER, "1 + 1"));
        Path executed = sandbox.resolve("stops-executed.ipynb");
        LauncherSupport.Result run = LauncherSupport.sparkconv(sandbox, null, 600, "notebook", "run",
                nb.toString(), "--output", executed.toString());
        assertNotEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("filters=-1 is not supported"), run.output());
        assertTrue(run.output().contains("notebook run: " + nb + " failed"), run.output());
    }
}
