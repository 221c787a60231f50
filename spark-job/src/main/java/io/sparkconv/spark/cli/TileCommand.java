package io.sparkconv.spark.cli;

import io.sparkconv.datasets.window.WindowedImages;
import io.sparkconv.spark.tile.TileJob;
import io.sparkconv.spark.tile.TileJobOptions;
import io.sparkconv.spark.tile.TileSummary;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "tile", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Convolves one large image tile by tile as a Spark job: each task reads only its tile's input "
                + "window (with the kernel's halo) from the file and writes the tile to Parquet in bands of rows. The result "
                + "equals the whole-image convolution bit for bit; 'sparkconv export --stitch' puts it together.",
                "Inputs: NPY (H,W,C), (1,H,W,C) or (H,W), C order; TIFF (tiled or striped; none, LZW, Deflate, "
                        + "PackBits); BigTIFF (tiled or striped; none, LZW, Deflate); PNG/JPEG/BMP/GIF up to "
                        + "--max-decoded-pixels."},
        footer = {"", "Example:", "  sparkconv tile --input scene.npy --layer L.json --kernel K.npy --bias B.npy "
                + "--tile 1024 --output out/",
                "  sparkconv export --stitch --input out/ --output maps.npy"})
final class TileCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE",
            description = "The image: .npy, .tif/.tiff, .png, .jpg/.jpeg, .bmp or .gif (local or any Hadoop file "
                    + "system).")
    String input;

    @Mixin
    LayerSourceOptions source;

    @Option(names = "--kernel", paramLabel = "FILE",
            description = "Kernel weights NPY, shape (kh, kw, Cin/groups, filters). Without it the weights are "
                    + "initialized by the layer's initializers with --seed.")
    String kernel;

    @Option(names = "--bias", paramLabel = "FILE", description = "Bias NPY, shape (filters).")
    String bias;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of the weight initializers when no --kernel is given (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tile", paramLabel = "N[xM]", defaultValue = "1024",
            description = "Output pixels per tile: N x N, or N rows x M columns (default: ${DEFAULT-VALUE}).")
    String tile;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output directory.")
    String output;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (local[N], spark://host:port, ...; default: local[*]).")
    String master;

    @Option(names = "--max-decoded-pixels", paramLabel = "N",
            defaultValue = "" + WindowedImages.DEFAULT_MAX_DECODED_PIXELS,
            description = "Largest PNG/JPEG/BMP/GIF accepted, in pixels (default: ${DEFAULT-VALUE}); NPY and TIFF "
                    + "have no limit.")
    long maxDecodedPixels;

    @Option(names = "--overwrite", description = "Replace the output directory if it exists.")
    boolean overwrite;

    @Option(names = "--progress-seconds", paramLabel = "S", defaultValue = "5",
            description = "Seconds between progress lines, 0 for none (default: ${DEFAULT-VALUE}).")
    int progressSeconds;

    @Override
    public Integer call() {
        TileJobOptions o = new TileJobOptions();
        o.input = input;
        o.layer = source.layer;
        o.model = source.model;
        o.modelJson = source.modelJson;
        o.kernel = kernel;
        o.bias = bias;
        o.seed = seed;
        o.output = output;
        o.master = master;
        o.overwrite = overwrite;
        o.maxDecodedPixels = maxDecodedPixels;
        int[] size = parseTile(tile);
        o.tileHeight = size[0];
        o.tileWidth = size[1];
        if (progressSeconds < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--progress-seconds must be >= 0, got " + progressSeconds);
        }
        o.progressIntervalMillis = progressSeconds * 1000L;
        PrintStream out = Streams.out(spec);
        TileSummary summary = TileJob.runWithSession(o, Streams.err(spec));
        out.print(summary.text());
        out.flush();
        return SparkConvMain.EXIT_OK;
    }

    private int[] parseTile(String text) {
        String[] parts = text.toLowerCase(java.util.Locale.ROOT).split("x", -1);
        try {
            if (parts.length == 1 || parts.length == 2) {
                int h = Integer.parseInt(parts[0].strip());
                int w = parts.length == 2 ? Integer.parseInt(parts[1].strip()) : h;
                if (h >= 1 && w >= 1) {
                    return new int[] {h, w};
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CommandLine.ParameterException(spec.commandLine(), "--tile '" + text
                + "': expected N or NxM, positive whole numbers of output pixels, e.g. 1024 or 512x2048");
    }
}
