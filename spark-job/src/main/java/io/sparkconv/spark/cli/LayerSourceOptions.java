package io.sparkconv.spark.cli;

import picocli.CommandLine.Option;

/** Where the layer comes from, shared by {@code apply} and {@code run}: a layer JSON, or layers of a Keras model. */
final class LayerSourceOptions {

    @Option(names = "--layer", required = true, paramLabel = "FILE|NAMES",
            description = "Keras layer config JSON ({\"class_name\": \"Conv2D\", \"config\": {...}}); with --model, "
                    + "the Conv2D layer name(s) in the model, comma-separated, applied in order.")
    String layer;

    @Option(names = "--model", paramLabel = "MODEL",
            description = "Keras model file (.h5/.hdf5 full model or .keras archive; local path): the --layer "
                    + "names are read from it with their trained weights (see 'sparkconv inspect MODEL').")
    String model;

    @Option(names = "--model-json", paramLabel = "FILE",
            description = "The model's JSON (model.to_json()) when --model is a weights-only file (save_weights).")
    String modelJson;
}
