package io.sparkconv.spark.tile;

import io.sparkconv.datasets.window.WindowedImages;

/** The options of {@code sparkconv tile}, as plain fields (the command line fills them). */
public final class TileJobOptions {
    public String input;
    public String layer;
    public String model;
    public String modelJson;
    public String kernel;
    public String bias;
    public long seed = 42;
    public String output;
    public String master;
    /** Output pixels per tile side. */
    public int tileHeight = 1024;
    public int tileWidth = 1024;
    public boolean overwrite;
    public long progressIntervalMillis = 5000;
    public long maxDecodedPixels = WindowedImages.DEFAULT_MAX_DECODED_PIXELS;
}
