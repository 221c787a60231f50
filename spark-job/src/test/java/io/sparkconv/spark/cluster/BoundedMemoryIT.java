package io.sparkconv.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, finding 4: batch buffers are sized by the bytes batched, within a byte budget derived from the heap,
 * so images of any size run through {@code bin/sparkconv} in a 1 GB heap: they are convolved, or (alone larger
 * than the budget) rejected with a message naming --max-batch-bytes; never an OutOfMemoryError.
 */
class BoundedMemoryIT {
    @TempDir
    Path dir;

    private static void png(Path file, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(40, 120, 200));
        g.fillRect(0, 0, width, height);
        g.setColor(Color.WHITE);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    /** bin/sparkconv with a 1 GB heap; returns exit code and output. */
    private MultiJvmSupport.Finished sparkconv(String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(MultiJvmSupport.projectDir().resolve("bin/sparkconv").toString());
        cmd.addAll(List.of(args));
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("SPARKCONV_HEAP", "1g");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/sparkconv did not finish in 300 s");
        }
        return new MultiJvmSupport.Finished(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private String layer() {
        return MultiJvmSupport.projectDir().resolve("conf/layers/sobel-edges.json").toString();
    }

    @Test
    void threeLarge4000x4000PngsRunInA1GbHeap() throws Exception {
        Path images = Files.createDirectories(dir.resolve("large"));
        for (int i = 0; i < 3; i++) {
            png(images.resolve("large" + i + ".png"), 4000, 4000);
            assertTrue(Files.size(images.resolve("large" + i + ".png")) < 200_000, "small files, large images");
        }
        MultiJvmSupport.Finished skip = sparkconv("skip", "run", "--input", images.toString(), "--layer", layer(),
                "--output", dir.resolve("out-skip").toString(), "--on-bad-record", "skip",
                "--progress-seconds", "0");
        assertEquals(0, skip.exitCode, skip.toString());
        assertTrue(skip.out.contains("records: read 3, written 0, rejected 3"), skip.toString());
        assertTrue(!skip.err.contains("OutOfMemoryError"), skip.toString());

        MultiJvmSupport.Finished fail = sparkconv("fail", "run", "--input", images.toString(), "--layer", layer(),
                "--output", dir.resolve("out-fail").toString(), "--progress-seconds", "0");
        assertEquals(1, fail.exitCode, fail.toString());
        assertTrue(!fail.err.contains("\tat "), "no stack trace on the console: " + fail);
        String last = fail.err.strip().substring(fail.err.strip().lastIndexOf('\n') + 1);
        assertTrue(last.startsWith("sparkconv run: error: ") && last.contains("large0.png")
                && last.contains("raise --max-batch-bytes"), fail.toString());
    }

    /**
     * `export` of an output of 4000 records of 28x28x32 (400 MB) in a 1 GB heap: Spark's vectorized Parquet
     * reader ran out of memory on it (4096-row batches); the export streams it.
     */
    @Test
    void exportStreamsALargeOutputInA1GbHeap() throws Exception {
        int n = 4000;
        float[] values = new float[n * 28 * 28];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i * 0.37);
        }
        Path input = dir.resolve("digits.npy");
        io.sparkconv.datasets.npy.NpyWriter.write(input, new int[] {n, 28, 28, 1}, values);
        Path layer = Files.writeString(dir.resolve("wide.json"),
                "{\"filters\": 32, \"kernel_size\": [3, 3], \"padding\": \"same\", \"use_bias\": false}");
        MultiJvmSupport.Finished run = sparkconv("wide", "run", "--input", input.toString(), "--layer",
                layer.toString(), "--output", dir.resolve("maps").toString(), "--progress-seconds", "0");
        assertEquals(0, run.exitCode, run.toString());
        Path exported = dir.resolve("maps.npy");
        MultiJvmSupport.Finished export = sparkconv("export", "export", "--input", dir.resolve("maps").toString(),
                "--output", exported.toString());
        assertEquals(0, export.exitCode, export.toString());
        assertTrue(export.out.contains("4000 records, shape (4000, 28, 28, 32)"), export.toString());
        assertEquals(256 + 4L * n * 28 * 28 * 32, Files.size(exported), "the NPY header and every value");
    }

    @Test
    void aOneMegapixelImageWithBatchSize1000RunsInA1GbHeap() throws Exception {
        Path images = Files.createDirectories(dir.resolve("mixed"));
        png(images.resolve("a-megapixel.png"), 1000, 1000);
        for (int i = 0; i < 20; i++) {
            png(images.resolve("small" + i + ".png"), 64, 48);
        }
        MultiJvmSupport.Finished r = sparkconv("mp", "run", "--input", images.toString(), "--layer", layer(),
                "--output", dir.resolve("out").toString(), "--batch-size", "1000", "--progress-seconds", "0");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.out.contains("records: read 21, written 21, rejected 0"), r.toString());
    }
}
