package io.sparkconv.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.spark.job.ConvJob;
import io.sparkconv.spark.job.JobConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, findings 4 and 5: misuse that used to crash, be accepted silently, or behave differently between
 * `apply` and `run` gets a one-line error on the driver, before Spark starts.
 */
class MisuseTest {
    @TempDir
    Path dir;

    private CliRunner assertOneLineError(String expected, String... args) {
        CliRunner r = CliRunner.run(args);
        assertEquals(1, r.exitCode, r.toString());
        assertEquals(1, r.errLines().length, "one line, no stack trace: " + r);
        assertTrue(r.err.contains(expected), "expected '" + expected + "' in: " + r.err);
        return r;
    }

    /** An 80-byte config asking for 500 million filters: refused before the weights are allocated. */
    @Test
    void initializedWeightsGoThroughTheWeightSizeLimit() throws IOException {
        Path input = TestFiles.npy(dir.resolve("x.npy"), 1, 2, 4, 4, 3);
        Path layer = TestFiles.text(dir.resolve("huge.json"),
                "{\"filters\": 500000000, \"kernel_size\": [1,1], \"use_bias\": false}");
        assertOneLineError("more than the limit of 268435456", "run", "--input", input.toString(), "--layer",
                layer.toString(), "--output", dir.resolve("out").toString());
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void aBooleanFilterCountIsRefused() throws IOException {
        Path input = TestFiles.npy(dir.resolve("x.npy"), 2, 2, 4, 4, 1);
        Path layer = TestFiles.text(dir.resolve("bool.json"),
                "{\"filters\": true, \"kernel_size\": [3,3], \"use_bias\": false}");
        assertOneLineError("filters=true is a boolean: expected a positive integer", "run", "--input",
                input.toString(), "--layer", layer.toString(), "--output", dir.resolve("out").toString());
    }

    /** An NPY with bytes after its data: `apply` refuses it with the same reason as `run`. */
    @Test
    void npyWithTrailingBytesIsRefusedByApplyAsByRun() throws IOException {
        Path input = TestFiles.npy(dir.resolve("x.npy"), 3, 2, 4, 4, 1);
        Files.write(input, new byte[] {1, 2, 3, 4, 5, 6, 7}, StandardOpenOption.APPEND);
        Path layer = TestFiles.layer(dir.resolve("layer.json"),
                Conv2D.builder(2, 3, 3).padding("same").useBias(false).build());
        Path kernel = TestFiles.npy(dir.resolve("kernel.npy"), 4, 3, 3, 1, 2);
        CliRunner apply = assertOneLineError("7 bytes unaccounted for", "apply", "--layer", layer.toString(),
                "--kernel", kernel.toString(), "--input", input.toString(), "--output",
                dir.resolve("out.npy").toString());
        CliRunner run = assertOneLineError("7 bytes unaccounted for", "run", "--input", input.toString(), "--layer",
                layer.toString(), "--kernel", kernel.toString(), "--output", dir.resolve("out").toString());
        assertTrue(apply.err.contains(input.toString()) && run.err.contains(input.toString()), apply + "\n" + run);
        assertFalse(Files.exists(dir.resolve("out.npy")));
    }

    /** A cluster master gets the job jar shipped; from class directories it is refused, naming spark-submit. */
    @Test
    void aClusterMasterShipsTheJobJarOrPointsToSparkSubmit() {
        // Tests run from target/classes: no jar to ship.
        assertNull(ConvJob.jobJar());
        JobConfigException e = org.junit.jupiter.api.Assertions.assertThrows(JobConfigException.class,
                () -> ConvJob.sparkConf("spark://127.0.0.1:7077"));
        assertTrue(e.getMessage().contains("spark-submit --class io.sparkconv.spark.cli.SparkConvMain"),
                e.getMessage());
        SparkConf local = ConvJob.sparkConf("local[2]");
        assertFalse(local.contains("spark.jars"), "local mode runs the tasks in this JVM");
    }
}
