package io.sparkconv.spark.tile;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.spec.ConvGeometry;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.core.tile.Tile;
import io.sparkconv.core.tile.TileConvolver;
import io.sparkconv.core.tile.TilePlan;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.window.ImageInfo;
import io.sparkconv.datasets.window.ImageWindows;
import io.sparkconv.datasets.window.WindowedImages;
import io.sparkconv.spark.ExecutorLayerCache;
import io.sparkconv.spark.LayerPayload;
import io.sparkconv.spark.job.ConvJob;
import io.sparkconv.spark.job.JobConfigException;
import io.sparkconv.spark.job.JobOutput;
import io.sparkconv.spark.job.KerasModelLayers;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * The job behind {@code sparkconv tile}: one large image convolved tile by tile across tasks. The driver plans
 * the tiles from the image's header and the layer ({@link TilePlan}); each task reads only its tile's input
 * window from the file ({@link WindowedImages}), convolves it ({@link TileConvolver}, bit-identical to the
 * whole image) and writes it as Parquet rows of a few output rows each ({@link TileRows}). One tile per task, so
 * a task holds one window and one tile output, whatever the image size.
 */
public final class TileJob {
    /** Accumulator names, seen by the progress listener. */
    public static final String TILES_ACCUMULATOR = "sparkconv.tiles.convolved";
    public static final String PIXELS_ACCUMULATOR = "sparkconv.tiles.pixels";
    /** Largest tile output, in bytes: one binary Parquet value and one array on each side of it. */
    static final long MAX_TILE_BYTES = 1L << 30;

    private TileJob() {
    }

    /** A checked job: the layer with weights, the image's header facts and the tiling. */
    public static final class Plan {
        final TileJobOptions options;
        final Conv2D layer;
        final ImageInfo image;
        final TilePlan tiles;
        final String weightsNote;

        Plan(TileJobOptions options, Conv2D layer, ImageInfo image, TilePlan tiles, String weightsNote) {
            this.options = options;
            this.layer = layer;
            this.image = image;
            this.tiles = tiles;
            this.weightsNote = weightsNote;
        }

        public TilePlan tiles() {
            return tiles;
        }

        public ImageInfo image() {
            return image;
        }

        public Conv2D layer() {
            return layer;
        }
    }

    /** All driver-side checks; a problem is a {@link JobConfigException} with a one-line message. */
    public static Plan plan(TileJobOptions o) {
        require(o.input, "--input");
        require(o.layer, "--layer");
        require(o.output, "--output");
        if (o.tileHeight < 1 || o.tileWidth < 1) {
            throw new JobConfigException("--tile must be >= 1, got " + o.tileHeight + "x" + o.tileWidth);
        }
        if (o.maxDecodedPixels < 1) {
            throw new JobConfigException("--max-decoded-pixels must be >= 1, got " + o.maxDecodedPixels);
        }
        ImageInfo image;
        try {
            image = WindowedImages.describe(o.input, o.maxDecodedPixels);
        } catch (DatasetException e) {
            throw new JobConfigException("input " + ConvJobText.firstLine(e.getMessage()), e);
        }
        Conv2D layer;
        String weightsNote;
        if (o.model != null) {
            if (o.kernel != null || o.bias != null) {
                throw new JobConfigException("--kernel/--bias cannot be combined with --model: the weights come "
                        + "from the model file " + o.model);
            }
            KerasModelLayers.Loaded loaded = KerasModelLayers.load(o.model, o.modelJson, o.layer);
            if (loaded.layers().size() != 1) {
                throw new JobConfigException("tile applies one layer, but --layer names " + loaded.layers().size()
                        + " (" + o.layer + "): run one tile job per layer (each output is the next input)");
            }
            layer = loaded.layers().get(0);
            weightsNote = loaded.note();
        } else {
            if (o.modelJson != null) {
                throw new JobConfigException("--model-json '" + o.modelJson + "' was given without --model");
            }
            if (o.bias != null && o.kernel == null) {
                throw new JobConfigException("--bias '" + o.bias + "' was given without --kernel");
            }
            layer = ConvJob.readLayer(o.layer);
            if (o.kernel != null) {
                FloatTensor kernel = ConvJob.readWeights(o.kernel, "kernel");
                FloatTensor bias = o.bias == null ? null : ConvJob.readWeights(o.bias, "bias");
                if (layer.spec().useBias() && bias == null) {
                    throw new JobConfigException("the layer uses a bias (use_bias=true) but no --bias was given");
                }
                if (bias != null && !layer.spec().useBias()) {
                    throw new JobConfigException("--bias " + o.bias + " was given but the layer has use_bias=false");
                }
                try {
                    layer.setWeights(kernel, bias);
                } catch (IllegalArgumentException e) {
                    throw new JobConfigException("weights do not fit the layer: " + e.getMessage(), e);
                }
                weightsNote = "kernel " + o.kernel + (bias == null ? "" : ", bias " + o.bias);
            } else {
                try {
                    layer.initializeWeights(image.channels(), o.seed);
                } catch (IllegalArgumentException e) {
                    throw new JobConfigException("cannot initialize weights for " + image.channels()
                            + " input channels: " + e.getMessage(), e);
                }
                weightsNote = "no --kernel given: initialized by the layer's initializers with seed " + o.seed;
            }
        }
        if (layer.inputChannels() != image.channels()) {
            throw new JobConfigException("channel mismatch: layer '" + layer.spec().name() + "' expects "
                    + layer.inputChannels() + " input channels, but " + o.input + " has " + image.channels()
                    + " (shape " + image.shapeText() + ")");
        }
        try {
            TileConvolver.checkTileable(layer.spec());
            ConvGeometry g = TilePlan.imageGeometry(layer, image.height(), image.width(), image.channels());
            TilePlan tiles = TilePlan.of(g, o.tileHeight, o.tileWidth);
            long tileBytes = 4L * Math.min(o.tileHeight, g.outHeight()) * Math.min(o.tileWidth, g.outWidth())
                    * g.filters();
            if (tileBytes > MAX_TILE_BYTES) {
                throw new JobConfigException("--tile " + o.tileHeight + "x" + o.tileWidth + " gives tile outputs of "
                        + tileBytes + " bytes (" + g.filters() + " filters): expected at most " + MAX_TILE_BYTES
                        + " (one Parquet value); use smaller tiles");
            }
            return new Plan(o, layer, image, tiles, weightsNote);
        } catch (IllegalArgumentException e) {
            throw new JobConfigException("input " + o.input + " " + image.shapeText() + " does not fit the layer: "
                    + e.getMessage(), e);
        }
    }

    private static void require(String value, String option) {
        if (value == null || value.isBlank()) {
            throw new JobConfigException(option + " is required");
        }
    }

    /** Runs on the active SparkSession, or on a new one (stopped at the end) configured as {@code run}'s. */
    public static TileSummary runWithSession(TileJobOptions options, PrintStream progress) {
        Plan plan = plan(options); // configuration errors fail here, before Spark starts
        SparkSession active = SparkSession.getActiveSession().isDefined() ? SparkSession.getActiveSession().get()
                : SparkSession.getDefaultSession().isDefined() ? SparkSession.getDefaultSession().get() : null;
        if (active != null) {
            return run(active, plan, progress);
        }
        SparkSession spark = SparkSession.builder().config(ConvJob.sparkConf(options.master)).getOrCreate();
        try {
            return run(spark, plan, progress);
        } finally {
            spark.stop();
        }
    }

    /** Runs a checked plan: one task per tile, the rows written through Spark's output committer. */
    public static TileSummary run(SparkSession spark, Plan plan, PrintStream progress) {
        TileJobOptions o = plan.options;
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        checkOutput(sc, o.output, o.overwrite);
        long start = System.nanoTime();
        TilePlan tiles = plan.tiles;
        ConvGeometry g = tiles.geometry();
        TileProgress listener = new TileProgress(tiles.count(), (long) g.outHeight() * g.outWidth(), progress,
                o.progressIntervalMillis);
        spark.sparkContext().addSparkListener(listener);
        Broadcast<LayerPayload> layer = sc.broadcast(new LayerPayload(plan.layer.toConfig(), plan.image.channels(),
                plan.layer.kernel(), plan.layer.bias()));
        try {
            LongAccumulator tilesRead = sc.sc().longAccumulator("sparkconv.tiles.read");
            LongAccumulator tilesDone = sc.sc().longAccumulator(TILES_ACCUMULATOR);
            LongAccumulator pixels = sc.sc().longAccumulator(PIXELS_ACCUMULATOR);
            CollectionAccumulator<String> planNames = sc.sc().collectionAccumulator("sparkconv.tiles.plans");
            List<Integer> indices = new ArrayList<>(tiles.count());
            for (int i = 0; i < tiles.count(); i++) {
                indices.add(i);
            }
            JavaRDD<Row> rows = sc.parallelize(indices, tiles.count())
                    .mapPartitions(new ConvolveTiles(layer, plan.image, o.tileHeight, o.tileWidth,
                            o.maxDecodedPixels, tilesRead, tilesDone, pixels, planNames));
            JobOutput.withoutPageChecksums(spark.createDataFrame(rows, TileRows.SCHEMA).write(), spark)
                    .mode(o.overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
                    // Bands are large binary values: no dictionary attempt, and row groups flushed early.
                    .option("parquet.enable.dictionary", "false")
                    .option("parquet.block.size", String.valueOf(32 << 20))
                    // Feature maps are float noise to a byte compressor; compressing only adds a buffer per tile.
                    .option("compression", "none")
                    .parquet(o.output);
            // Counted from the committed files: a tile is written when all its bands are.
            long written = TileRows.completeTiles(spark.read().schema(TileRows.SCHEMA).parquet(o.output));
            listener.finish(tilesDone.value(), pixels.value());
            long read = tilesRead.value();
            if (read != written || written != tiles.count()) {
                throw new IllegalStateException("tile accounting does not balance: planned " + tiles.count()
                        + ", read " + read + ", written " + written);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long flops = 2L * g.outHeight() * g.outWidth() * g.filters() * g.kernelHeight() * g.kernelWidth()
                    * g.inChannelsPerGroup();
            return new TileSummary(tiles, plan.image, read, written, pixels.value(), seconds, flops, o.output,
                    plan.weightsNote, new ArrayList<>(new TreeSet<>(planNames.value())));
        } finally {
            listener.close();
            spark.sparkContext().removeSparkListener(listener);
            layer.destroy();
        }
    }

    /** An existing output is an error unless --overwrite; checked on the driver before any task runs. */
    private static void checkOutput(JavaSparkContext sc, String output, boolean overwrite) {
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(output);
        try {
            FileSystem fs = path.getFileSystem(sc.hadoopConfiguration());
            if (fs.exists(path) && !overwrite) {
                throw new JobConfigException("output " + output
                        + " already exists: add --overwrite to replace it, or choose another directory");
            }
        } catch (IOException e) {
            throw new JobConfigException("cannot check output " + output + ": " + e.getMessage(), e);
        }
    }

    /** A task: the tiles of its partition (one, as planned), each read, convolved and turned into a row. */
    static final class ConvolveTiles implements FlatMapFunction<Iterator<Integer>, Row>, Serializable {
        private static final long serialVersionUID = 1L;
        private final Broadcast<LayerPayload> layer;
        private final ImageInfo image;
        private final int tileHeight;
        private final int tileWidth;
        private final long maxDecodedPixels;
        private final LongAccumulator tilesRead;
        private final LongAccumulator tilesDone;
        private final LongAccumulator pixels;
        private final CollectionAccumulator<String> planNames;

        ConvolveTiles(Broadcast<LayerPayload> layer, ImageInfo image, int tileHeight, int tileWidth,
                      long maxDecodedPixels, LongAccumulator tilesRead, LongAccumulator tilesDone,
                      LongAccumulator pixels, CollectionAccumulator<String> planNames) {
            this.layer = layer;
            this.image = image;
            this.tileHeight = tileHeight;
            this.tileWidth = tileWidth;
            this.maxDecodedPixels = maxDecodedPixels;
            this.tilesRead = tilesRead;
            this.tilesDone = tilesDone;
            this.pixels = pixels;
            this.planNames = planNames;
        }

        /**
         * What a task thread keeps between its tasks (Spark reuses task threads): the convolver with its runners
         * and workspaces, and the window and output buffers. Tiles are tens of MiB, so allocating them afresh per
         * tile churns large (G1 humongous) arrays and fragments a small heap.
         */
        private static final class Worker {
            final String key;
            final TilePlan plan;
            final TileConvolver convolver;
            final float[] window;
            final float[] out;

            Worker(String key, Conv2D conv, TilePlan plan) {
                this.key = key;
                this.plan = plan;
                this.convolver = new TileConvolver(conv, plan);
                this.window = new float[convolver.maxWindowValues()];
                this.out = new float[convolver.maxOutputValues()];
            }
        }

        private static final ThreadLocal<Worker> WORKERS = new ThreadLocal<>();

        private Worker worker() {
            String key = layer.id() + "|" + image + "|" + tileHeight + "x" + tileWidth;
            Worker w = WORKERS.get();
            if (w == null || !w.key.equals(key)) {
                WORKERS.remove();                       // let the old buffers go before allocating new ones
                Conv2D conv = ExecutorLayerCache.layerFor(layer, null);
                TilePlan plan = TilePlan.of(TilePlan.imageGeometry(conv, image.height(), image.width(),
                        image.channels()), tileHeight, tileWidth);
                w = new Worker(key, conv, plan);
                WORKERS.set(w);
            }
            return w;
        }

        @Override
        public Iterator<Row> call(Iterator<Integer> indices) {
            Worker worker = worker();
            TilePlan plan = worker.plan;
            TileConvolver convolver = worker.convolver;
            String layerName = ExecutorLayerCache.layerFor(layer, null).spec().name();
            int filters = plan.geometry().filters();
            int bandRows = TileRows.bandRows(tileWidth, filters);
            return new Iterator<>() {
                private ImageWindows windows;
                private Tile tile;                      // the tile whose bands are being emitted
                private int nextBandRow;

                @Override
                public boolean hasNext() {
                    if (tile != null || indices.hasNext()) {
                        return true;
                    }
                    close();
                    return false;
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    if (tile == null) {
                        tile = plan.tile(indices.next());
                        convolve(tile);
                        nextBandRow = 0;
                    }
                    Tile t = tile;
                    int rows = Math.min(bandRows, t.outHeight() - nextBandRow);
                    Row row = TileRows.toRow(t, nextBandRow, rows, filters, worker.out,
                            plan.geometry().outHeight(), plan.geometry().outWidth(), tileHeight, tileWidth, bandRows);
                    nextBandRow += rows;
                    if (nextBandRow == t.outHeight()) {
                        tile = null;
                        tilesDone.add(1);
                        pixels.add(t.outputPixels());
                    }
                    return row;
                }

                private void convolve(Tile t) {
                    float[] window = worker.window;
                    Arrays.fill(window, 0, convolver.windowValues(t), 0f);   // the padding outside the image
                    try {
                        if (windows == null) {
                            windows = WindowedImages.open(image.path(), maxDecodedPixels);
                        }
                        int c = image.channels();
                        windows.read(t.readRow(), t.readCol(), t.readHeight(), t.readWidth(), window,
                                (t.zeroRowsBefore() * t.windowWidth() + t.zeroColsBefore()) * c,
                                t.windowWidth() * c);
                    } catch (IOException | RuntimeException e) {
                        close();
                        throw new IllegalStateException("cannot read the input window of " + t.label() + " from "
                                + image.path() + ": " + ConvJobText.firstLine(e.getMessage()), e);
                    }
                    tilesRead.add(1);
                    convolver.convolve(t, window, worker.out);
                    if (planNames.isZero()) {
                        planNames.add(layerName + ": " + convolver.planName());
                    }
                }

                private void close() {
                    if (windows != null) {
                        try {
                            windows.close();
                        } catch (IOException ignored) {
                            // read-only input: nothing is lost by a failed close
                        }
                        windows = null;
                    }
                }
            };
        }
    }
}
