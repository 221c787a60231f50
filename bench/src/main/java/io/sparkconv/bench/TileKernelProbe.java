package io.sparkconv.bench;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tile.Tile;
import io.sparkconv.core.tile.TileConvolver;
import io.sparkconv.core.tile.TilePlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The kernel alone on the tiles of a tile job (bench/tile-large.sh compares the job's throughput with it):
 * {@code TileKernelProbe layer.json kernel.npy height width channels tile threads} convolves every tile of the
 * plan for an image of that size, each thread taking the next tile, from windows filled once with random values
 * (no file reads, no output writes), and prints output pixels per second and GFLOP/s.
 */
public final class TileKernelProbe {
    private TileKernelProbe() {
    }

    public static void main(String[] args) throws Exception {
        Conv2D layer = Conv2D.fromConfig(Files.readString(Path.of(args[0])));
        int height = Integer.parseInt(args[2]);
        int width = Integer.parseInt(args[3]);
        int channels = Integer.parseInt(args[4]);
        int tile = Integer.parseInt(args[5]);
        int threads = Integer.parseInt(args[6]);
        layer.setWeights(readFloatNpy(Path.of(args[1])), layer.spec().useBias() ? new float[layer.spec().filters()]
                : null);
        TilePlan plan = TilePlan.of(TilePlan.imageGeometry(layer, height, width, channels), tile, tile);
        AtomicInteger next = new AtomicInteger();
        Thread[] workers = new Thread[threads];
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> {
                try (TileConvolver convolver = new TileConvolver(layer, plan)) {
                    SplittableRandom random = new SplittableRandom(7);
                    float[] window = new float[convolver.maxWindowValues()];
                    for (int i = 0; i < window.length; i++) {
                        window[i] = (float) random.nextDouble();
                    }
                    float[] out = new float[convolver.maxOutputValues()];
                    for (int i; (i = next.getAndIncrement()) < plan.count(); ) {
                        Tile tl = plan.tile(i);
                        convolver.convolve(tl, window, out);
                    }
                }
            });
            workers[t].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        var g = plan.geometry();
        double pixels = (double) g.outHeight() * g.outWidth();
        double flops = 2.0 * pixels * g.filters() * g.kernelHeight() * g.kernelWidth() * g.inChannelsPerGroup();
        System.out.printf(Locale.ROOT, "kernel alone: %d tiles, %.1f s, %.2f Mpx/s (output), %.1f GFLOP/s, "
                + "%d threads%n", plan.count(), seconds, pixels / 1e6 / seconds, flops / 1e9 / seconds, threads);
    }

    /** A little-endian float32 NPY's values (the benchmark's own kernel file, written by NumPy). */
    private static float[] readFloatNpy(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        int headerLength = (bytes[8] & 0xFF) | ((bytes[9] & 0xFF) << 8);
        String header = new String(bytes, 10, headerLength, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (bytes[6] != 1 || !header.contains("'<f4'") || header.contains("'fortran_order': True")) {
            throw new IllegalArgumentException(file + ": expected a version 1.0 little-endian float32 C-order NPY");
        }
        java.nio.FloatBuffer values = java.nio.ByteBuffer.wrap(bytes, 10 + headerLength,
                bytes.length - 10 - headerLength).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] out = new float[values.remaining()];
        values.get(out);
        return out;
    }
}
