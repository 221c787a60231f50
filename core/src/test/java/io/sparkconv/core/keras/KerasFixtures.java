package io.sparkconv.core.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real Keras files in {@code ../shared/fixtures/keras} (system property {@code sparkconv.shared.dir}).
 * Tests using them are skipped only when that folder is absent (a clone without ../shared).
 */
final class KerasFixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One fixture folder: its model file, optional companion JSON and expected/ values. */
    record Fixture(String id, Path dir, Path modelFile, Path companionJson, JsonNode info, JsonNode conv2dLayers) {
        Path expected(String file) {
            return dir.resolve("expected").resolve(file);
        }

        KerasModelFile open() {
            return companionJson == null ? KerasModelFile.open(modelFile) : KerasModelFile.open(modelFile, companionJson);
        }

        @Override
        public String toString() {
            return id;
        }
    }

    private KerasFixtures() {
    }

    static Path fixturesDir() {
        String shared = System.getProperty("sparkconv.shared.dir");
        Path dir = shared == null ? Paths.get("..", "..", "shared") : Paths.get(shared);
        return dir.resolve("fixtures").resolve("keras");
    }

    static void assumeFixtures() {
        assumeTrue(Files.isDirectory(fixturesDir()), "no Keras fixtures at " + fixturesDir().toAbsolutePath());
    }

    static Stream<Fixture> all() {
        Path root = fixturesDir();
        if (!Files.isDirectory(root)) {
            return Stream.empty();
        }
        List<Fixture> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
                JsonNode info = JSON.readTree(dir.resolve("expected/keras_info.json").toFile());
                JsonNode layers = JSON.readTree(dir.resolve("expected/conv2d_layers.json").toFile());
                String source = info.path("config_source").asText("");
                Path companion = source.startsWith("companion file ")
                        ? dir.resolve(source.substring("companion file ".length())) : null;
                out.add(new Fixture(dir.getFileName().toString(), dir, dir.resolve(info.get("file").asText()),
                        companion, info, layers));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.stream();
    }

    static Fixture byId(String id) {
        assumeFixtures();
        return all().filter(f -> f.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalStateException("fixture " + id + " missing from " + fixturesDir()));
    }
}
