package io.sparkconv.spark.tile;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The tile job's progress line: tiles and output pixels of finished tasks (from their accumulator updates), out
 * of the plan's totals, with the rate and an estimate of the time left, every few seconds.
 */
final class TileProgress extends SparkListener implements AutoCloseable {
    private final AtomicLong tilesDone = new AtomicLong();
    private final AtomicLong pixelsDone = new AtomicLong();
    private final long totalTiles;
    private final long totalPixels;
    private final PrintStream console;
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService ticker;
    private final boolean printing;

    TileProgress(long totalTiles, long totalPixels, PrintStream console, long intervalMillis) {
        this.totalTiles = totalTiles;
        this.totalPixels = totalPixels;
        this.console = console;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sparkconv-tile-progress");
            t.setDaemon(true);
            return t;
        });
        this.printing = intervalMillis > 0;
        if (printing) {
            ticker.scheduleAtFixedRate(this::print, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (!end.taskInfo().successful()) {
            return;
        }
        for (AccumulableInfo info : CollectionConverters.asJava(end.taskInfo().accumulables())) {
            if (!info.name().isDefined() || !info.update().isDefined()
                    || !(info.update().get() instanceof Number n)) {
                continue;
            }
            long update = n.longValue();
            if (TileJob.TILES_ACCUMULATOR.equals(info.name().get())) {
                tilesDone.addAndGet(update);
            } else if (TileJob.PIXELS_ACCUMULATOR.equals(info.name().get())) {
                pixelsDone.addAndGet(update);
            }
        }
    }

    /** The exact final counts replace the running ones (listener events arrive asynchronously). */
    void finish(long tiles, long pixels) {
        tilesDone.set(tiles);
        pixelsDone.set(pixels);
    }

    /** e.g. "progress: 120 of 400 tiles (30%), 125.8 of 400.0 Mpx, 3.2 Mpx/s, about 86 s left". */
    String line() {
        long tiles = tilesDone.get();
        long pixels = pixelsDone.get();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double rate = seconds > 0 ? pixels / seconds : 0;
        StringBuilder b = new StringBuilder("progress: ").append(tiles).append(" of ").append(totalTiles)
                .append(" tiles (").append(totalTiles == 0 ? 100 : Math.min(100, tiles * 100 / totalTiles))
                .append("%), ");
        b.append(String.format(Locale.ROOT, "%.1f of %.1f Mpx, %.1f Mpx/s", pixels / 1e6, totalPixels / 1e6,
                rate / 1e6));
        if (rate > 0 && pixels < totalPixels) {
            b.append(String.format(Locale.ROOT, ", about %.0f s left", (totalPixels - pixels) / rate));
        }
        return b.toString();
    }

    private void print() {
        console.println(line());
        console.flush();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        if (printing) {
            print();
        }
    }
}
