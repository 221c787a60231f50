package io.sparkconv.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives the transformer the way a notebook does: a JShell session (its own JVM, the test class path) evaluates
 * one snippet at a time: start a local SparkSession, read PNGs with the image data source, apply the transformer,
 * inspect the result with SQL. Each snippet must compile and run without an exception; the inspected values
 * are asserted.
 */
class Conv2DTransformerNotebookTest {

    @TempDir
    Path dir;

    /** The class path the tests run with (surefire passes it apart from its own booter jar). */
    private static List<String> testClassPath() {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> entries = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                entries.add(entry);
            }
        }
        return entries;
    }

    /** The module flags this JVM got from surefire (Spark's --add-opens list), for the snippets' JVM. */
    private static String[] remoteVmOptions() {
        List<String> options = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(o -> o.startsWith("--add-opens") || o.startsWith("--add-modules")
                        || o.startsWith("-XX:+IgnoreUnrecognizedVMOptions") || o.startsWith("-Djdk.reflect")
                        || o.startsWith("-Dio.netty"))
                .collect(Collectors.toCollection(ArrayList::new));
        options.add("-Xmx1g");
        return options.toArray(String[]::new);
    }

    /** Evaluates one snippet; fails on a compile error or an exception; returns the value of an expression. */
    private static String eval(JShell shell, String snippet) {
        List<SnippetEvent> events = shell.eval(snippet);
        assertTrue(!events.isEmpty(), "nothing evaluated: " + snippet);
        String value = null;
        for (SnippetEvent event : events) {
            if (event.exception() != null) {
                fail("snippet threw " + event.exception() + ": " + snippet, event.exception());
            }
            if (event.status() == Snippet.Status.REJECTED) {
                String diagnostics = shell.diagnostics(event.snippet())
                        .map(d -> d.getMessage(java.util.Locale.ROOT)).collect(Collectors.joining("; "));
                fail("snippet rejected (" + diagnostics + "): " + snippet);
            }
            if (event.causeSnippet() == null) {
                value = event.value();
            }
        }
        return value;
    }

    private static String javaString(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void writeRedAndGreenPngs(Path folder) throws IOException {
        for (String color : new String[] {"red", "green"}) {
            BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 3; x++) {
                    image.setRGB(x, y, color.equals("red") ? 0xFF0000 : 0x00FF00);
                }
            }
            assertTrue(ImageIO.write(image, "png", folder.resolve(color + ".png").toFile()));
        }
    }

    @Test
    void aJShellSessionReadsImagesAppliesTheTransformerAndInspectsTheResult() throws IOException {
        Path images = Files.createDirectory(dir.resolve("images"));
        writeRedAndGreenPngs(images);
        String layer = MlTestSupport.layerJson(3, 1, 1, 1, "valid", "channels_last", 1, 1, "linear", false);

        try (JShell shell = JShell.builder().remoteVMOptions(remoteVmOptions()).build()) {
            testClassPath().forEach(shell::addToClasspath);
            eval(shell, "import org.apache.spark.sql.*;");
            eval(shell, "import io.sparkconv.spark.ml.*;");
            eval(shell, "SparkSession spark = SparkSession.builder().master(\"local[2]\").appName(\"notebook\")"
                    + ".config(\"spark.serializer\", \"org.apache.spark.serializer.KryoSerializer\")"
                    + ".config(\"spark.kryo.registrationRequired\", \"true\")"
                    + ".config(\"spark.kryo.registrator\", \"io.sparkconv.spark.SparkConvKryoRegistrator\")"
                    + ".config(\"spark.ui.enabled\", \"false\")"
                    + ".config(\"spark.driver.host\", \"127.0.0.1\")"
                    + ".config(\"spark.driver.bindAddress\", \"127.0.0.1\").getOrCreate();");
            try {
                eval(shell, "Dataset<Row> images = spark.read().format(\"image\").load("
                        + javaString(images.toString()) + ");");
                assertEquals("2", eval(shell, "images.count()"));
                eval(shell, "float[] identity = {1, 0, 0, 0, 1, 0, 0, 0, 1};");
                eval(shell, "Conv2DTransformer conv = new Conv2DTransformer().setLayerConfig(" + javaString(layer)
                        + ").setWeights(identity, null).setInputCol(\"image\").setOutputCol(\"rgb\");");
                String explained = eval(shell, "conv.explainParams()");
                assertNotNull(explained);
                assertTrue(explained.contains("channelOrder") && explained.contains("handleInvalid"), explained);
                eval(shell, "Dataset<Row> out = conv.transform(images);");
                assertEquals("\"struct<shape:array<int>,data:array<float>>\"",
                        eval(shell, "out.schema().apply(\"rgb\").dataType().simpleString()"));
                eval(shell, "out.createOrReplaceTempView(\"conv\");");
                eval(shell, "Row red = spark.sql(\"SELECT rgb.shape AS shape, rgb.data[0] AS r, rgb.data[1] AS g,"
                        + " rgb.data[2] AS b FROM conv WHERE image.origin LIKE '%red.png'\").first();");
                assertEquals("\"[2, 3, 3]\"", eval(shell, "red.getList(0).toString()"));
                assertEquals("255.0", eval(shell, "red.getFloat(1)"));
                assertEquals("0.0", eval(shell, "red.getFloat(2)"));
                assertEquals("0.0", eval(shell, "red.getFloat(3)"));
                assertEquals("255.0", eval(shell, "spark.sql(\"SELECT rgb.data[1] FROM conv"
                        + " WHERE image.origin LIKE '%green.png'\").first().getFloat(0)"));
                assertEquals("0", eval(shell, "out.filter(\"rgb IS NULL\").count()"));
            } finally {
                eval(shell, "spark.stop();");
            }
        }
    }
}
