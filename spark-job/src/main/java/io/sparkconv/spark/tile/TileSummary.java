package io.sparkconv.spark.tile;

import io.sparkconv.core.spec.ConvGeometry;
import io.sparkconv.core.tile.TilePlan;
import io.sparkconv.datasets.window.ImageInfo;
import java.util.List;
import java.util.Locale;

/** What a finished tile job reports: tiles read and written, pixels, speed, plans and the output. */
public final class TileSummary {
    private final TilePlan tiles;
    private final ImageInfo image;
    private final long tilesRead;
    private final long tilesWritten;
    private final long pixels;
    private final double seconds;
    private final long flops;
    private final String output;
    private final String weightsNote;
    private final List<String> plans;

    TileSummary(TilePlan tiles, ImageInfo image, long tilesRead, long tilesWritten, long pixels, double seconds,
                long flops, String output, String weightsNote, List<String> plans) {
        this.tiles = tiles;
        this.image = image;
        this.tilesRead = tilesRead;
        this.tilesWritten = tilesWritten;
        this.pixels = pixels;
        this.seconds = seconds;
        this.flops = flops;
        this.output = output;
        this.weightsNote = weightsNote;
        this.plans = List.copyOf(plans);
    }

    public long tilesRead() {
        return tilesRead;
    }

    public long tilesWritten() {
        return tilesWritten;
    }

    /** Output pixels written (height x width of the output). */
    public long pixels() {
        return pixels;
    }

    public double seconds() {
        return seconds;
    }

    public List<String> plans() {
        return plans;
    }

    /** The summary the command prints. */
    public String text() {
        ConvGeometry g = tiles.geometry();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "tiles: read %d = written %d (%s)%n", tilesRead, tilesWritten, tiles));
        b.append(String.format(Locale.ROOT, "input: %s %s; output: (%d, %d, %d) float32%n", image.path(),
                image.shapeText(), g.outHeight(), g.outWidth(), g.filters()));
        b.append(String.format(Locale.ROOT, "time: %.1f s, %.2f Mpx/s (output), %.1f GFLOP/s%n", seconds,
                pixels / 1e6 / seconds, flops / 1e9 / seconds));
        b.append("weights: ").append(weightsNote).append(System.lineSeparator());
        for (String p : plans) {
            b.append("plan: ").append(p).append(System.lineSeparator());
        }
        b.append("output: ").append(output).append(" (Parquet rows of tile bands; sparkconv export --stitch gathers "
                + "them)").append(System.lineSeparator());
        return b.toString();
    }
}
