package io.sparkconv.spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.kernel.KernelParity;
import io.sparkconv.core.spec.Padding;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.datasets.npy.NpyWriter;
import io.sparkconv.datasets.window.ImageInfo;
import io.sparkconv.datasets.window.ImageWindows;
import io.sparkconv.datasets.window.WindowFormat;
import io.sparkconv.datasets.window.WindowedImages;
import io.sparkconv.spark.SparkTestSupport;
import io.sparkconv.spark.job.JobIo;
import io.sparkconv.spark.tile.TileJob;
import io.sparkconv.spark.tile.TileJobOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sparkconv tile} and {@code export --stitch} on real files in local Spark: the stitched tiles equal
 * {@code apply}'s whole-image output bit for bit (a 3000x2000x3 image and a sweep of layers on smaller ones), and
 * TensorFlow within the parity tolerance; accounting, progress, and the errors of bad configurations, a failed
 * window read and an incomplete tile output.
 */
class TileCommandTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.localSession("TileCommandTest");
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    /** Acceptance: 3000 x 2000 x 3, tiles that do not divide the output, three layers; bits equal apply's. */
    @Test
    void tilesOfALargeImageEqualApplyBitForBit() throws IOException {
        Path image = TestFiles.npy(dir.resolve("scene.npy"), 18, 1, 3000, 2000, 3);
        List<Conv2D> layers = List.of(
                Conv2D.builder(4, 3, 3).padding("same").activation("relu").name("same3").build(),
                Conv2D.builder(6, 5, 4).strides(2, 3).padding("valid").name("valid54s23").build(),
                Conv2D.builder(3, 2, 3).dilationRate(3, 2).padding("same").activation("tanh").name("dil").build());
        int n = 0;
        for (Conv2D layer : layers) {
            assertTiledEqualsApply(image, layer, 3, "700x512", n++);
        }
    }

    /** More of the sweep on a smaller image: strides, dilations, even kernels, groups, channels_first, 1x1. */
    @Test
    void tilesEqualApplyBitForBitOverASweepOfLayers() throws IOException {
        Path image = TestFiles.npy(dir.resolve("small.npy"), 7, 1, 301, 203, 4);
        List<Conv2D> layers = List.of(
                Conv2D.builder(9, 4, 4).strides(3).padding("same").name("s3even").build(),
                Conv2D.builder(17, 3, 3).dilationRate(2).padding("valid").activation("relu").name("d2").build(),
                Conv2D.builder(8, 3, 3).groups(2).padding("same").activation("sigmoid").name("groups").build(),
                Conv2D.builder(5, 2, 2).padding("same").dataFormat("channels_first").name("first").build(),
                Conv2D.builder(12, 1, 1).name("pointwise").build(),
                Conv2D.builder(2, 7, 1).strides(2, 1).padding("same").activation("softmax").name("softmax").build());
        int n = 0;
        for (Conv2D layer : layers) {
            assertTiledEqualsApply(image, layer, 4, n % 2 == 0 ? "128" : "100x90", 100 + n++);
        }
    }

    @Test
    void tiledOutputMatchesTensorFlow() throws IOException {
        List<KernelParity.Case> cases = List.of(
                new KernelParity.Case("tile-job-same", 1, 97, 131, 3, 8, 3, 3, 1, 1, 1, 1, Padding.SAME, true),
                new KernelParity.Case("tile-job-valid-s2", 1, 120, 90, 3, 5, 5, 5, 2, 2, 1, 1, Padding.VALID, true));
        for (KernelParity.Case k : cases) {
            SplittableRandom random = new SplittableRandom(k.name().hashCode());
            float[] x = awayFromZero(random, k.h() * k.w() * k.c());
            float[] w = awayFromZero(random, k.kh() * k.kw() * k.c() * k.f());
            float[] b = awayFromZero(random, k.f());
            Path image = dir.resolve(k.name() + ".npy");
            NpyWriter.write(image, new int[] {k.h(), k.w(), k.c()}, x);
            Path kernel = dir.resolve(k.name() + "-k.npy");
            NpyWriter.write(kernel, new int[] {k.kh(), k.kw(), k.c(), k.f()}, w);
            Path bias = dir.resolve(k.name() + "-b.npy");
            NpyWriter.write(bias, new int[] {k.f()}, b);
            Conv2D layer = Conv2D.builder(k.f(), k.kh(), k.kw()).strides(k.sh(), k.sw()).padding(k.padding())
                    .name("tf").build();
            Path json = TestFiles.layer(dir.resolve(k.name() + ".json"), layer);
            Path out = dir.resolve(k.name() + "-tiles");
            CliRunner r = CliRunner.run("tile", "--input", image.toString(), "--layer", json.toString(), "--kernel",
                    kernel.toString(), "--bias", bias.toString(), "--tile", "32x40", "--output", out.toString(),
                    "--progress-seconds", "0");
            assertEquals(0, r.exitCode, r::toString);
            Path maps = dir.resolve(k.name() + "-maps.npy");
            CliRunner s = CliRunner.run("export", "--stitch", "--input", out.toString(), "--output", maps.toString());
            assertEquals(0, s.exitCode, s::toString);
            KernelParity.assertWithinTolerance(k, x, w, b, JobIo.readNpy(maps.toString()).data(), "tile job");
        }
    }

    @Test
    void accountingAndProgressCountTiles() throws IOException {
        Path image = TestFiles.npy(dir.resolve("p.npy"), 3, 90, 70, 3);
        Path layer = TestFiles.layer(dir.resolve("p.json"), Conv2D.builder(2, 3, 3).padding("same").name("p").build());
        CliRunner r = CliRunner.run("tile", "--input", image.toString(), "--layer", layer.toString(), "--tile", "32",
                "--output", dir.resolve("p-out").toString(), "--progress-seconds", "1");
        assertEquals(0, r.exitCode, r::toString);
        assertTrue(r.out.contains("tiles: read 9 = written 9 (3x3 tiles of 32x32 over a 90x70 output)"), r::toString);
        assertTrue(r.err.contains("progress: 9 of 9 tiles (100%), 0.0 of 0.0 Mpx"), r::toString);
        assertEquals(9, spark.read().parquet(dir.resolve("p-out").toString()).count());
    }

    @Test
    void configurationErrorsAreOneLineBeforeAnyTask() throws IOException {
        Path image = TestFiles.npy(dir.resolve("c.npy"), 3, 40, 30, 3);
        Path layer = TestFiles.layer(dir.resolve("c.json"), Conv2D.builder(2, 3, 3).useBias(false).name("c").build());
        Path kernel4 = TestFiles.npy(dir.resolve("k4.npy"), 1, 3, 3, 4, 2);
        assertError(CliRunner.run("tile", "--input", image.toString(), "--layer", layer.toString(), "--kernel",
                kernel4.toString(), "--output", dir.resolve("o1").toString()), "expects 4 input channels");
        CliRunner usage = CliRunner.run("tile", "--input", image.toString(), "--layer", layer.toString(), "--tile",
                "0x5", "--output", dir.resolve("o2").toString());
        assertEquals(2, usage.exitCode, usage::toString);
        assertEquals(1, usage.errLines().length, usage::toString);
        assertTrue(usage.err.contains("--tile '0x5': expected N or NxM"), usage::toString);
        Path bad = TestFiles.npy(dir.resolve("batch.npy"), 3, 2, 40, 30, 3);
        assertError(CliRunner.run("tile", "--input", bad.toString(), "--layer", layer.toString(),
                "--output", dir.resolve("o3").toString()), "is not one image");
        assertError(CliRunner.run("tile", "--input", dir.resolve("missing.npy").toString(), "--layer",
                layer.toString(), "--output", dir.resolve("o4").toString()), "no such file");
        Path existing = Files.createDirectories(dir.resolve("exists"));
        assertError(CliRunner.run("tile", "--input", image.toString(), "--layer", layer.toString(), "--output",
                existing.toString()), "already exists");
        Path softmax = TestFiles.layer(dir.resolve("sm.json"), Conv2D.builder(2, 3, 3).dataFormat("channels_first")
                .activation("softmax").name("sm").build());
        assertError(CliRunner.run("tile", "--input", image.toString(), "--layer", softmax.toString(), "--output",
                dir.resolve("o5").toString()), "cannot be computed tile by tile");
    }

    /** A window that cannot be read fails the job with the tile named; no complete output is left. */
    @Test
    void aFailedWindowReadFailsTheJobNamingTheTile() throws IOException {
        Path image = TestFiles.npy(dir.resolve("t.npy"), 4, 64, 64, 3);
        TileJobOptions o = new TileJobOptions();
        o.input = image.toString();
        o.layer = TestFiles.layer(dir.resolve("t.json"), Conv2D.builder(2, 3, 3).padding("same").useBias(false)
                        .name("t").build())
                .toString();
        o.output = dir.resolve("t-out").toString();
        o.tileHeight = 16;
        o.tileWidth = 64;
        o.progressIntervalMillis = 0;
        TileJob.Plan plan = TileJob.plan(o);
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(f.length() - 64 * 3 * 4 * 10); // the last 10 rows are gone after planning
        }
        Exception e = assertThrows(Exception.class,
                () -> TileJob.run(spark, plan, new PrintStream(new ByteArrayOutputStream(), true,
                        StandardCharsets.UTF_8)));
        String message = Errors.message(e);
        // Every window fails here (the header no longer fits the file): whichever task fails first is named.
        assertTrue(message.matches("cannot read the input window of tile \\([0-3], 0\\) \\[output rows .*"), message);
        assertTrue(message.contains("t.npy") && message.contains("truncated"), message);
        assertFalse(Files.exists(dir.resolve("t-out").resolve("_SUCCESS")), "a failed job left a complete output");
    }

    @Test
    void stitchRefusesAnIncompleteTileOutput() throws IOException {
        Path image = TestFiles.npy(dir.resolve("i.npy"), 5, 50, 40, 3);
        Path layer = TestFiles.layer(dir.resolve("i.json"), Conv2D.builder(2, 3, 3).name("i").build());
        Path out = dir.resolve("i-out");
        CliRunner r = CliRunner.run("tile", "--input", image.toString(), "--layer", layer.toString(), "--tile", "16",
                "--output", out.toString(), "--progress-seconds", "0");
        assertEquals(0, r.exitCode, r::toString);
        Path part;
        try (Stream<Path> files = Files.list(out)) {
            part = files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        }
        Files.delete(part);
        Path maps = dir.resolve("i.npy.out.npy");
        CliRunner s = CliRunner.run("export", "--stitch", "--input", out.toString(), "--output", maps.toString());
        assertEquals(1, s.exitCode, s::toString);
        assertTrue(s.err.contains("lacks 1 of its 9 tiles"), s::toString);
        assertFalse(Files.exists(maps), "an incomplete stitch left an output file");
    }

    /** --stitch to .tif: a BigTIFF whose float samples (one per filter), read back by windows, equal the NPY's. */
    @Test
    void stitchToTiffHoldsTheSameValuesAsTheNpy() throws IOException {
        Path image = TestFiles.npy(dir.resolve("f.npy"), 9, 70, 45, 3);
        for (int filters : new int[] {1, 2, 5}) {
            Path layer = TestFiles.layer(dir.resolve("f" + filters + ".json"), Conv2D.builder(filters, 3, 3)
                    .padding("same").name("f" + filters).build());
            Path out = dir.resolve("f" + filters + "-tiles");
            CliRunner r = CliRunner.run("tile", "--input", image.toString(), "--layer", layer.toString(), "--tile",
                    "32x20", "--output", out.toString(), "--progress-seconds", "0");
            assertEquals(0, r.exitCode, r::toString);
            Path npy = dir.resolve("f" + filters + ".npy.out.npy");
            Path tif = dir.resolve("f" + filters + ".tif");
            assertEquals(0, CliRunner.run("export", "--stitch", "--input", out.toString(), "--output", npy.toString())
                    .exitCode);
            CliRunner t = CliRunner.run("export", "--stitch", "--input", out.toString(), "--output", tif.toString());
            assertEquals(0, t.exitCode, t::toString);
            assertTrue(t.out.contains("shape (70, 45, " + filters + ")"), t::toString);
            float[] expected = JobIo.readNpy(npy.toString()).data();
            try (ImageWindows w = WindowedImages.open(tif.toString(), 1)) {
                assertEquals(new ImageInfo(tif.toString(), WindowFormat.TIFF, 70, 45, filters), w.info());
                float[] got = new float[expected.length];
                w.read(0, 0, 70, 45, got, 0, 45 * filters);
                assertArrayEquals(bits(expected), bits(got), "filters=" + filters);
            }
        }
    }

    /**
     * The same image as NPY and as a tiled, Deflate-compressed float32 BigTIFF (tiles of 32x48, which divide
     * neither the image nor the job's tiles; written by tifffile from the NPY): the stitched outputs are identical.
     */
    @Test
    void tiledBigTiffInputGivesTheSameOutputAsTheNpyBitForBit() throws Exception {
        Path npy = TestFiles.npy(dir.resolve("scene-b.npy"), 21, 203, 157, 3);
        Path tif = dir.resolve("scene-b.tif");
        python("import sys, numpy as np, tifffile\n"
                + "tifffile.imwrite(sys.argv[2], np.load(sys.argv[1]), bigtiff=True, tile=(32, 48), compression=8,"
                + " photometric='rgb')\n"
                + "page = tifffile.TiffFile(sys.argv[2]).pages[0]\n"
                + "assert page.is_tiled and page.compression == 8 and page.shape == (203, 157, 3)\n", npy, tif);
        Conv2D layer = Conv2D.builder(4, 5, 3).dilationRate(2, 1).padding("same").activation("relu").name("bt")
                .build();
        layer.initializeWeights(3, 5);
        Path kernel = dir.resolve("bt-kernel.npy");
        NpyWriter.write(kernel, layer.kernelShape(), layer.kernel());
        Path bias = biasFile(layer);
        Path json = TestFiles.layer(dir.resolve("bt.json"), layer);
        float[][] maps = new float[2][];
        int i = 0;
        for (Path input : new Path[] {npy, tif}) {
            Path tiles = dir.resolve("bt-tiles-" + i);
            CliRunner t = CliRunner.run("tile", "--input", input.toString(), "--layer", json.toString(), "--kernel",
                    kernel.toString(), "--bias", bias.toString(), "--tile", "50x40", "--output", tiles.toString(),
                    "--progress-seconds", "0");
            assertEquals(0, t.exitCode, t::toString);
            assertTrue(t.out.contains("tiles: read 20 = written 20"), t::toString);
            Path stitched = dir.resolve("bt-maps-" + i + ".npy");
            CliRunner s = CliRunner.run("export", "--stitch", "--input", tiles.toString(), "--output",
                    stitched.toString());
            assertEquals(0, s.exitCode, s::toString);
            FloatTensor out = JobIo.readNpy(stitched.toString());
            assertArrayEquals(new int[] {203, 157, 4}, out.shape());
            maps[i++] = out.data();
        }
        assertArrayEquals(bits(maps[0]), bits(maps[1]), "tiled BigTIFF input differs from the same image as NPY");
    }

    /** Runs {@code /usr/bin/python3 -c script args} (NumPy and tifffile: .ci/run installs them). */
    private static void python(String script, Path... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/python3", "-c", script));
        for (Path a : args) {
            cmd.add(a.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), "python (with numpy and tifffile: apt-get install -y python3-numpy "
                + "python3-tifffile) failed:\n" + out);
    }

    private void assertTiledEqualsApply(Path image, Conv2D layer, int channels, String tile, long seed)
            throws IOException {
        String name = layer.spec().name();
        layer.initializeWeights(channels, seed);
        Path kernel = dir.resolve(name + "-kernel.npy");
        NpyWriter.write(kernel, layer.kernelShape(), layer.kernel());
        Path json = TestFiles.layer(dir.resolve(name + ".json"), layer);
        String[] bias = layer.spec().useBias() ? new String[] {"--bias", biasFile(layer).toString()} : new String[0];
        Path tiles = dir.resolve(name + "-tiles");
        CliRunner t = CliRunner.run(concat(new String[] {"tile", "--input", image.toString(), "--layer",
                json.toString(), "--kernel", kernel.toString(), "--tile", tile, "--output", tiles.toString(),
                "--progress-seconds", "0"}, bias));
        assertEquals(0, t.exitCode, t::toString);
        Path stitched = dir.resolve(name + "-stitched.npy");
        CliRunner s = CliRunner.run("export", "--stitch", "--input", tiles.toString(), "--output", stitched.toString());
        assertEquals(0, s.exitCode, s::toString);
        Path whole = dir.resolve(name + "-whole.npy");
        Path batch = image;
        if (layer.spec().dataFormat().kerasName().equals("channels_first")) {
            FloatTensor x = JobIo.readNpy(image.toString());
            int[] sh = x.shape();
            float[] chw = new float[x.size()];
            io.sparkconv.core.tensor.Layouts.nhwcToNchw(x.data(), 0, chw, 0, 1, sh[3], sh[1], sh[2]);
            batch = dir.resolve(name + "-nchw.npy");
            NpyWriter.write(batch, new int[] {1, sh[3], sh[1], sh[2]}, chw);
        }
        CliRunner a = CliRunner.run(concat(new String[] {"apply", "--input", batch.toString(), "--layer",
                json.toString(), "--kernel", kernel.toString(), "--output", whole.toString()}, bias));
        assertEquals(0, a.exitCode, a::toString);
        FloatTensor expected = JobIo.readNpy(whole.toString());
        float[] want = expected.data();
        if (layer.spec().dataFormat().kerasName().equals("channels_first")) {
            int[] sh = expected.shape();
            want = new float[expected.size()];
            io.sparkconv.core.tensor.Layouts.nchwToNhwc(expected.data(), 0, want, 0, 1, sh[1], sh[2], sh[3]);
        }
        FloatTensor got = JobIo.readNpy(stitched.toString());
        assertEquals(3, got.rank(), name);
        assertEquals(want.length, got.size(), name);
        assertArrayEquals(bits(want), bits(got.data()), name + ": stitched tiles differ from apply");
        expected = null;
        deleteTree(tiles);
        Files.delete(stitched);
        Files.delete(whole);
    }

    private Path biasFile(Conv2D layer) throws IOException {
        Path bias = dir.resolve(layer.spec().name() + "-bias.npy");
        NpyWriter.write(bias, new int[] {layer.spec().filters()}, layer.bias());
        return bias;
    }

    private static int[] bits(float[] values) {
        int[] b = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = Float.floatToRawIntBits(values[i]);
        }
        return b;
    }

    private static float[] awayFromZero(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            float v;
            do {
                v = (float) (random.nextDouble() * 2 - 1);
            } while (Math.abs(v) < 0.25f);
            a[i] = v;
        }
        return a;
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    private static void assertError(CliRunner r, String expected) {
        assertEquals(1, r.exitCode, r::toString);
        String[] lines = r.errLines();
        assertEquals(1, lines.length, r::toString);
        assertTrue(lines[0].contains(expected), r::toString);
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
