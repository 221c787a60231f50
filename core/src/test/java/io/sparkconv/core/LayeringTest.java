package io.sparkconv.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Core's packages depend one way, from the bottom up: tensor, config (Keras versions and defaults), the
 * activation/initializer/regularizer/constraint helpers, spec (the layer's validated spec, its geometry and its
 * config JSON), kernel (plans), kernel.vector, conv (Conv2D), then tile (tiling plans for big images) and keras (model
 * files), which do not use each other. A package may import only
 * packages below it; only kernel.vector imports the Vector API. Read from the sources, so it cannot drift.
 */
class LayeringTest {

    /** Each package's level; a package may import those of lower levels only (same level: not each other). */
    private static final List<List<String>> LEVELS = List.of(
            List.of("tensor"),
            List.of("config"),
            List.of("activation", "initializer", "regularizer", "constraint"),
            List.of("spec"),
            List.of("kernel"),
            List.of("kernel.vector"),
            List.of("conv"),
            List.of("tile", "keras"));

    /** A reference to a core class, imported or written out in full. */
    private static final Pattern REFERENCE = Pattern.compile("io\\.sparkconv\\.core\\.([a-z.]+)\\.[A-Z]");

    private static int level(String pkg) {
        for (int i = 0; i < LEVELS.size(); i++) {
            if (LEVELS.get(i).contains(pkg)) {
                return i;
            }
        }
        throw new AssertionError("package io.sparkconv.core." + pkg + " has no level in LayeringTest");
    }

    @Test
    void everyImportPointsDown() throws IOException {
        Path root = Path.of("src/main/java/io/sparkconv/core");
        List<String> wrong = new ArrayList<>();
        int files = 0;
        try (Stream<Path> sources = Files.walk(root)) {
            for (Path file : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                files++;
                String pkg = root.relativize(file.getParent()).toString().replace('/', '.');
                String text = Files.readString(file);
                Matcher m = REFERENCE.matcher(text);
                while (m.find()) {
                    String imported = m.group(1);
                    if (!imported.equals(pkg) && level(imported) >= level(pkg)) {
                        wrong.add(file.getFileName() + " (" + pkg + ") uses " + imported);
                    }
                }
                if (text.contains("jdk.incubator.vector") && !pkg.equals("kernel.vector")
                        && text.contains("import jdk.incubator.vector")) {
                    wrong.add(file.getFileName() + " (" + pkg + ") imports the Vector API");
                }
            }
        }
        assertTrue(files > 50, "read " + files + " sources under " + root.toAbsolutePath());
        assertTrue(wrong.isEmpty(), "imports against the layering:\n" + String.join("\n", wrong));
    }
}
