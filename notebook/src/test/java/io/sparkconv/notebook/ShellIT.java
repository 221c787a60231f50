package io.sparkconv.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code echo '...' | bin/sparkconv shell}: the start-up's {@code spark} and imports, quiet logs, errors. */
class ShellIT {
    @TempDir
    Path sandbox;

    @Test
    void aPipedScriptConvolvesTheSampleWithTheTransformerAndPrintsTheRowCountWithoutSparkInfoLines()
            throws Exception {
        String script = String.join("\n",
                "Dataset<Row> images = spark.read().format(\"image\").load(sampleImages().toString());",
                "float[] identity = new float[3 * 3 * 3 * 2];",
                "Conv2DTransformer conv = new Conv2DTransformer()",
                "        .setLayerConfig(Files.readString(confDir().resolve(\"layers/sobel-edges.json\")))",
                "        .setWeights(identity, null).setInputCol(\"image\").setOutputCol(\"maps\");",
                "Dataset<Row> maps = conv.transform(images).filter(\"maps.shape[2] = 2\");",
                "System.out.println(\"rows: \" + maps.count());",
                "// A lambda the script defines runs in Spark's tasks (their class loader sees the snippets' classes).",
                "System.out.println(\"doubled: \" + spark.range(3).map(",
                "        (org.apache.spark.api.java.function.MapFunction<Long, Long>) x -> x * 2, Encoders.LONG())",
                "        .collectAsList());",
                "");
        LauncherSupport.Result run = LauncherSupport.sparkconv(sandbox, script, 600, "shell");
        assertEquals(0, run.exitCode(), run.output());
        List<String> lines = run.output().lines().toList();
        assertTrue(lines.contains("rows: 32"), run.output());
        assertTrue(lines.contains("doubled: [0, 2, 4]"), run.output());
        // Our own start-up note (the convolution kernel chosen) is the one INFO line log4j2.properties lets through.
        for (String line : lines) {
            assertFalse(line.contains(" INFO ") && !line.contains(" INFO KernelProvider: "), "INFO line: " + line
                    + "\n" + run.output());
            assertFalse(line.contains("log4j profile"), line);
        }
    }

    @Test
    void aFailingScriptPrintsTheOneLineErrorAndExitsNonZero() throws Exception {
        LauncherSupport.Result run = LauncherSupport.sparkconv(sandbox, KernelCellsIT.BAD_LAYER + "\n"
                + "System.out.println(\"not reached\");\n", 600, "shell");
        assertEquals(1, run.exitCode(), run.output());
        assertTrue(run.output().lines().anyMatch(l -> l.equals("sparkconv shell: IllegalArgumentException: "
                + "filters=-1 is not supported: expected a positive integer")), run.output());
        assertFalse(run.output().contains("not reached"), run.output());
    }
}
