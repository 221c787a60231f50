package io.sparkconv.notebook;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.datasets.image.SampleImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.apache.spark.sql.SparkSession;

/**
 * What a notebook cell or shell snippet can call (statically imported by the start-up): the session, display of
 * any value, pictures of feature maps, layer summaries, and the working folder for generated files.
 */
public final class Notebook {
    /** Environment variable for the folder notebooks write into (default: notebooks/work under the project). */
    public static final String WORK_ENV = "SPARKCONV_NOTEBOOK_WORK";

    /** Where {@link #display} sends values: the kernel publishes display data, the shell prints text. */
    private static volatile Consumer<Rendered> sink = r -> System.out.println(r.text());

    private Notebook() {
    }

    static void displayTo(Consumer<Rendered> target) {
        sink = target;
    }

    /** The kernel's (or shell's) SparkSession. */
    public static SparkSession spark() {
        return NotebookSpark.get();
    }

    /** Shows a value now (a cell shows only its last expression otherwise). */
    public static void display(Object value) {
        sink.accept(Rendered.of(value));
    }

    /** A Keras-like summary of a layer for an input of {@code height x width x channels}. */
    public static LayerSummary summary(Conv2D layer, int height, int width, int channels) {
        return LayerSummary.of(layer, height, width, channels);
    }

    /** The folder for the files notebooks generate (created if needed). */
    public static Path workDir() throws IOException {
        String env = System.getenv(WORK_ENV);
        Path dir = env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("sparkconv.home", "."), "notebooks", "work");
        return Files.createDirectories(dir.toAbsolutePath().normalize());
    }

    /** The bundled sample (32 generated 64x64 RGB PNG pictures) under the work folder, generated once. */
    public static Path sampleImages() throws IOException {
        return SampleImages.ensure(workDir().resolve("sample"));
    }

    /** The project's conf/ folder (example layers in conf/layers). */
    public static Path confDir() {
        return Path.of(System.getProperty("sparkconv.conf.dir", "conf")).toAbsolutePath().normalize();
    }
}
