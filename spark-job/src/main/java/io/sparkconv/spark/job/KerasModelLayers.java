package io.sparkconv.spark.job;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.keras.KerasFileException;
import io.sparkconv.core.keras.KerasModelFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Conv2D layers named by {@code --model MODEL --layer NAME[,NAME...]}: read from a Keras model file with
 * their trained weights, in the order given, checked to chain (see {@link KerasModelFile#conv2dChain}).
 */
public final class KerasModelLayers {
    private KerasModelLayers() {
    }

    /** The layers and a one-line note for the job summary. */
    public record Loaded(List<Conv2D> layers, String note) {
    }

    /**
     * @param model      a local Keras model file (.h5/.hdf5/.keras)
     * @param modelJson  the model's JSON for a weights-only file, or null
     * @param layerNames one or more layer names, comma-separated
     */
    public static Loaded load(String model, String modelJson, String layerNames) {
        List<String> names = names(layerNames);
        try (KerasModelFile file = KerasModelFile.open(Path.of(model), modelJson == null ? null : Path.of(modelJson),
                KerasModelFile.Limits.DEFAULT)) {
            List<Conv2D> layers = file.conv2dChain(names);
            String note = "layer" + (names.size() == 1 ? " " : "s ") + String.join(", ", names) + " of Keras model "
                    + model + " (keras_version " + (file.kerasVersion() == null ? "not recorded" : file.kerasVersion())
                    + ", " + file.semantics() + " semantics)";
            return new Loaded(List.copyOf(layers), note);
        } catch (KerasFileException e) {
            throw new JobConfigException(e.getMessage(), e);
        }
    }

    static List<String> names(String layerNames) {
        List<String> names = new ArrayList<>();
        if (layerNames != null) {
            for (String n : layerNames.split(",")) {
                if (!n.isBlank()) {
                    names.add(n.strip());
                }
            }
        }
        if (names.isEmpty()) {
            throw new JobConfigException("--layer must name one or more Conv2D layers of the --model file, "
                    + "comma-separated (see 'sparkconv inspect MODEL')");
        }
        return names;
    }
}
