package io.sparkconv.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkconv.core.tensor.DataFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Keras' global {@code image_data_format} default, read from {@code keras.json} the way {@code keras/backend.py}
 * does (spec §1.4): {@code $KERAS_HOME/keras.json} when the variable is set (not {@code $KERAS_HOME/.keras}),
 * else {@code ~/.keras/keras.json}; a missing file or invalid JSON means {@code channels_last}. Unlike TF 1.15
 * this never creates the file. The environment and home directory are parameters so tests can point them
 * anywhere.
 */
public final class KerasJsonDefaults {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Map<String, String> environment;
    private final Path userHome;

    /** Looks in the directories given by {@code environment} ({@code KERAS_HOME}) and {@code userHome}. */
    public KerasJsonDefaults(Map<String, String> environment, Path userHome) {
        this.environment = Map.copyOf(environment);
        this.userHome = userHome;
    }

    /** This process' environment and {@code user.home}. */
    public static KerasJsonDefaults fromSystem() {
        String home = System.getProperty("user.home");
        return new KerasJsonDefaults(System.getenv(), home == null ? null : Path.of(home));
    }

    /** The keras.json file Keras would read (it may not exist), or null when no directory is known. */
    public Path kerasJsonFile() {
        String kerasHome = environment.get("KERAS_HOME");
        if (kerasHome != null && !kerasHome.isEmpty()) {
            return Path.of(kerasHome).resolve("keras.json");
        }
        return userHome == null ? null : userHome.resolve(".keras").resolve("keras.json");
    }

    /**
     * The {@code image_data_format} of keras.json, or channels_last when the file is missing, unreadable as
     * JSON or has no such key.
     *
     * @throws IllegalArgumentException when the key holds something other than channels_first/channels_last
     *     (TF 1.15 fails an assertion there)
     */
    public DataFormat imageDataFormat() {
        Path file = kerasJsonFile();
        if (file == null || !Files.isRegularFile(file)) {
            return DataFormat.CHANNELS_LAST;
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return DataFormat.CHANNELS_LAST; // Keras treats invalid JSON as {}.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (root == null || !root.isObject() || !root.has("image_data_format")) {
            return DataFormat.CHANNELS_LAST;
        }
        JsonNode value = root.get("image_data_format");
        String text = value.isTextual() ? value.asText() : value.toString();
        if (!text.equals("channels_last") && !text.equals("channels_first")) {
            throw new IllegalArgumentException("image_data_format=" + value + " in " + file
                    + " is not supported: expected \"channels_last\" or \"channels_first\"");
        }
        return DataFormat.fromKerasName(text);
    }
}
