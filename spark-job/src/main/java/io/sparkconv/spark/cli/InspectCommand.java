package io.sparkconv.spark.cli;

import io.sparkconv.core.keras.KerasModelFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Lists the layers of a Keras model file: index, name, class, input and output shapes "
                + "(where the file tells them) and whether sparkconv can run the layer (Conv2D). Reads Keras 2 / "
                + "tf.keras and Keras 3 .h5 full models, Keras 3 .keras archives, and weights-only .h5 files "
                + "with --model-json."},
        footer = {"", "Examples:", "  sparkconv inspect model.keras",
                "  sparkconv inspect weights.h5 --model-json model.json",
                "Then: sparkconv apply --model model.keras --layer conv2d,conv2d_1 --input batch.npy --output out.npy"})
final class InspectCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "Keras model file (.h5, .hdf5 or .keras).")
    Path model;

    @Option(names = "--model-json", paramLabel = "FILE",
            description = "The model's architecture JSON (model.to_json()), for a weights-only file (save_weights).")
    Path modelJson;

    @Override
    public Integer call() {
        try (KerasModelFile file = KerasModelFile.open(model, modelJson, KerasModelFile.Limits.DEFAULT)) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(file.summary());
            out.flush();
        }
        return SparkConvMain.EXIT_OK;
    }
}
