package io.sparkconv.spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RejectionSink;
import io.sparkconv.datasets.npy.NpyArrays;
import io.sparkconv.datasets.spark.TensorRows;
import io.sparkconv.spark.SparkTestSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `sparkconv run` and `export` in this JVM on a real local[2] Spark (the command reuses the active session). */
class RunCommandTest {
    private static SparkSession spark;
    private static final AtomicInteger TASKS_STARTED = new AtomicInteger();

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.localSession("RunCommandTest");
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart taskStart) {
                TASKS_STARTED.incrementAndGet();
            }
        });
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    @BeforeEach
    void resetCounter() {
        TASKS_STARTED.set(0);
    }

    private static Conv2D edgeLayer(boolean useBias) {
        return Conv2D.builder(4, 3, 3).padding("same").activation("relu").useBias(useBias).build();
    }

    /** The layer run in this JVM on the whole input batch. */
    private static FloatTensor expected(Path layerFile, Path kernel, Path bias, Path input) throws IOException {
        Conv2D conv = Conv2D.fromConfig(Files.readString(layerFile));
        conv.setWeights(NpyArrays.read(kernel.toString()), bias == null ? null : NpyArrays.read(bias.toString()));
        return conv.forward(NpyArrays.read(input.toString()));
    }

    private static void assertBitIdentical(FloatTensor expected, FloatTensor actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        float[] a = expected.data();
        float[] b = actual.data();
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), "value " + i);
        }
    }

    @Test
    void runsTheLayerOverAnNpyInputAndExportsItInInputOrder() throws IOException {
        Path input = TestFiles.npy(dir.resolve("images.npy"), 1, 20, 9, 8, 3);
        Path kernel = TestFiles.npy(dir.resolve("kernel.npy"), 2, 3, 3, 3, 4);
        Path bias = TestFiles.npy(dir.resolve("bias.npy"), 3, 4);
        Path layer = TestFiles.layer(dir.resolve("layer.json"), edgeLayer(true));
        Path out = dir.resolve("out");
        CliRunner r = CliRunner.run("run", "--input", input.toString(), "--layer", layer.toString(), "--kernel",
                kernel.toString(), "--bias", bias.toString(), "--output", out.toString(), "--partitions", "3",
                "--batch-size", "4", "--progress-seconds", "1");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.err.matches("(?s).*progress: 20 of 20 images \\(100%\\), [0-9.]+ images/s.*"), r.err);
        assertTrue(r.out.contains("records: read 20, written 20, rejected 0"), r.out);
        assertTrue(r.out.contains("output: " + out), r.out);
        assertTrue(r.out.matches("(?s).*time: start-up [0-9.]+ s \\(JVM and Spark\\), job [0-9.]+ s wall "
                + "\\([0-9.]+ images/s\\), tasks [0-9.]+ s on 2 cores.*"), r.out);
        assertTrue(r.out.matches("(?s).*convolution: [0-9.]+ s of task time, [0-9.]+ images/s, [0-9.]+ GFLOP/s per "
                + "core.*"), r.out);
        assertTrue(r.err.startsWith("sparkconv: 20 records on local[2] (2 cores), Spark UI: "), r.err);
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        List<Row> rows = spark.read().schema(TensorRows.SCHEMA).parquet(out.toString())
                .orderBy("ordinal").collectAsList();
        assertEquals(20, rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(input.toString(), rows.get(i).getString(0));
            assertEquals(i, rows.get(i).getLong(1));
        }

        Path exported = dir.resolve("maps.npy");
        CliRunner e = CliRunner.run("export", "--input", out.toString(), "--output", exported.toString());
        assertEquals(0, e.exitCode, e.toString());
        assertTrue(e.out.contains("20 records, shape (20, 9, 8, 4)"), e.out);
        assertBitIdentical(expected(layer, kernel, bias, input), NpyArrays.read(exported.toString()));
    }

    @Test
    void outputIsIdenticalWhateverThePartitionsAndBatchSize() throws IOException {
        Path input = TestFiles.npy(dir.resolve("images.npy"), 4, 21, 7, 7, 2);
        Path kernel = TestFiles.npy(dir.resolve("kernel.npy"), 5, 3, 3, 2, 4);
        Path layer = TestFiles.layer(dir.resolve("layer.json"), edgeLayer(false));
        byte[] reference = null;
        for (String partitions : new String[] {"1", "7"}) {
            for (String batch : new String[] {"1", "16"}) {
                Path out = dir.resolve("out-" + partitions + "-" + batch);
                CliRunner r = CliRunner.run("run", "--input", input.toString(), "--layer", layer.toString(),
                        "--kernel", kernel.toString(), "--output", out.toString(), "--partitions", partitions,
                        "--batch-size", batch, "--progress-seconds", "0");
                assertEquals(0, r.exitCode, r.toString());
                Path npy = dir.resolve("maps-" + partitions + "-" + batch + ".npy");
                assertEquals(0, CliRunner.run("export", "--input", out.toString(), "--output", npy.toString()).exitCode);
                byte[] bytes = Files.readAllBytes(npy);
                if (reference == null) {
                    reference = bytes;
                } else {
                    assertArrayEquals(reference, bytes, "partitions " + partitions + ", batch " + batch);
                }
            }
        }
    }

    @Test
    void withoutAKernelTheWeightsAreInitializedFromTheSeedAndTheSummarySaysSo() throws IOException {
        Path input = TestFiles.npy(dir.resolve("images.npy"), 6, 5, 6, 6, 3);
        Path layer = TestFiles.layer(dir.resolve("layer.json"), edgeLayer(true));
        byte[][] exports = new byte[2][];
        for (int run = 0; run < 2; run++) {
            Path out = dir.resolve("out" + run);
            CliRunner r = CliRunner.run("run", "--input", input.toString(), "--layer", layer.toString(), "--seed",
                    "7", "--output", out.toString(), "--progress-seconds", "0");
            assertEquals(0, r.exitCode, r.toString());
            assertTrue(r.out.contains("weights: no --kernel given: initialized by the layer's initializers with seed 7"),
                    r.out);
            Path npy = dir.resolve("maps" + run + ".npy");
            assertEquals(0, CliRunner.run("export", "--input", out.toString(), "--output", npy.toString()).exitCode);
            exports[run] = Files.readAllBytes(npy);
        }
        assertArrayEquals(exports[0], exports[1]);
    }

    @Test
    void badFilesAreSkippedOrQuarantinedAndEveryRecordIsAccountedFor() throws IOException {
        Path inputs = Files.createDirectories(dir.resolve("inputs"));
        TestFiles.npy(inputs.resolve("a.npy"), 8, 6, 5, 5, 1);
        TestFiles.text(inputs.resolve("b.npy"), "this is not an NPY file");
        TestFiles.npy(inputs.resolve("c.npy"), 9, 4, 5, 5, 1);
        Path layer = TestFiles.layer(dir.resolve("layer.json"), edgeLayer(false));
        Path kernel = TestFiles.npy(dir.resolve("kernel.npy"), 10, 3, 3, 1, 4);

        CliRunner skip = CliRunner.run("run", "--input", inputs.toString(), "--layer", layer.toString(), "--kernel",
                kernel.toString(), "--output", dir.resolve("skip").toString(), "--on-bad-record", "skip",
                "--progress-seconds", "0");
        assertEquals(0, skip.exitCode, skip.toString());
        assertTrue(skip.out.contains("records: read 11, written 10, rejected 1"), skip.out);

        Path quarantined = dir.resolve("quarantine");
        CliRunner q = CliRunner.run("run", "--input", inputs.toString(), "--layer", layer.toString(), "--kernel",
                kernel.toString(), "--output", quarantined.toString(), "--on-bad-record", "quarantine",
                "--progress-seconds", "0");
        assertEquals(0, q.exitCode, q.toString());
        assertTrue(q.out.contains("records: read 11, written 10, rejected 1"), q.out);
        List<Row> rejected = spark.read().schema("source STRING, index BIGINT, reason STRING").json(quarantined.resolve("_quarantine").toString()).collectAsList();
        assertEquals(1, rejected.size());
        assertTrue(rejected.get(0).getAs("source").toString().endsWith("b.npy"), rejected.toString());
        assertTrue(rejected.get(0).getAs("reason").toString().contains("magic"), rejected.toString());

        TASKS_STARTED.set(0);
        CliRunner fail = CliRunner.run("run", "--input", inputs.toString(), "--layer", layer.toString(), "--kernel",
                kernel.toString(), "--output", dir.resolve("fail").toString(), "--progress-seconds", "0");
        assertEquals(1, fail.exitCode, fail.toString());
        assertEquals(1, fail.errLines().length, fail.toString());
        assertTrue(fail.err.contains("b.npy") && fail.err.contains("magic"), fail.err);
        assertEquals(0, TASKS_STARTED.get(), "a file that cannot be read at all fails the plan, before any task");
        assertFalse(Files.exists(dir.resolve("fail")));
    }

    @Test
    void aBadRecordFoundByATaskFailsTheJobAndLeavesNoCompleteLookingOutput() throws IOException {
        Path inputs = Files.createDirectories(dir.resolve("inputs"));
        TestFiles.npy(inputs.resolve("a.npy"), 11, 6, 5, 5, 3);
        TestFiles.npy(inputs.resolve("b.npy"), 12, 6, 5, 5, 1); // one channel where the kernel wants three
        Path layer = TestFiles.layer(dir.resolve("layer.json"), edgeLayer(false));
        Path kernel = TestFiles.npy(dir.resolve("kernel.npy"), 13, 3, 3, 3, 4);
        Path out = dir.resolve("out");
        CliRunner r = CliRunner.run("run", "--input", inputs.toString(), "--layer", layer.toString(), "--kernel",
                kernel.toString(), "--output", out.toString(), "--progress-seconds", "0");
        assertEquals(1, r.exitCode, r.toString());
        assertEquals(1, r.errLines().length, r.toString());
        assertTrue(r.err.contains("b.npy") && r.err.contains("channels"), r.err);
        assertFalse(Files.exists(out.resolve("_SUCCESS")), "a failed job must not look complete");
        try (Stream<Path> files = Files.exists(out) ? Files.walk(out) : Stream.empty()) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".parquet")),
                    "no committed part files are left");
        }
    }

    @Test
    void aPreviousRunsParquetOutputIsTheInputOfTheNextLayer() throws IOException {
        Path input = TestFiles.npy(dir.resolve("images.npy"), 20, 11, 8, 7, 3);
        Path kernelA = TestFiles.npy(dir.resolve("kernelA.npy"), 21, 3, 3, 3, 4);
        Path biasA = TestFiles.npy(dir.resolve("biasA.npy"), 22, 4);
        Path layerA = TestFiles.layer(dir.resolve("a.json"), edgeLayer(true));
        Conv2D b = Conv2D.builder(5, 2, 2).strides(2, 1).padding("valid").activation("tanh").useBias(true).build();
        Path layerB = TestFiles.layer(dir.resolve("b.json"), b);
        Path kernelB = TestFiles.npy(dir.resolve("kernelB.npy"), 23, 2, 2, 4, 5);
        Path biasB = TestFiles.npy(dir.resolve("biasB.npy"), 24, 5);
        Path dir1 = dir.resolve("dir1");
        Path dir2 = dir.resolve("dir2");
        CliRunner first = CliRunner.run("run", "--input", input.toString(), "--layer", layerA.toString(), "--kernel",
                kernelA.toString(), "--bias", biasA.toString(), "--output", dir1.toString(), "--partitions", "2",
                "--progress-seconds", "0");
        assertEquals(0, first.exitCode, first.toString());
        CliRunner second = CliRunner.run("run", "--input", dir1.toString(), "--input-format", "parquet", "--layer",
                layerB.toString(), "--kernel", kernelB.toString(), "--bias", biasB.toString(), "--output",
                dir2.toString(), "--partitions", "3", "--batch-size", "2", "--progress-seconds", "0");
        assertEquals(0, second.exitCode, second.toString());
        assertTrue(second.out.contains("records: read 11, written 11, rejected 0"), second.out);

        Path exported = dir.resolve("maps.npy");
        CliRunner e = CliRunner.run("export", "--input", dir2.toString(), "--output", exported.toString());
        assertEquals(0, e.exitCode, e.toString());
        FloatTensor afterA = expected(layerA, kernelA, biasA, input);
        Conv2D convB = Conv2D.fromConfig(Files.readString(layerB));
        convB.setWeights(NpyArrays.read(kernelB.toString()), NpyArrays.read(biasB.toString()));
        assertBitIdentical(convB.forward(afterA), NpyArrays.read(exported.toString()));
        List<Row> rows = spark.read().schema(TensorRows.SCHEMA).parquet(dir2.toString())
                .orderBy("ordinal").collectAsList();
        assertEquals(11, rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(input.toString(), rows.get(i).getString(0), "the original record's source is kept");
            assertEquals(i, rows.get(i).getLong(1), "the original record's index is kept");
        }

        // DIR1 holds 4-channel maps; a kernel for 3 input channels is a configuration error, before any task.
        Path kernel3 = TestFiles.npy(dir.resolve("kernel3.npy"), 25, 2, 2, 3, 5);
        assertConfigError(1, "channel mismatch", "run", "--input", dir1.toString(), "--input-format", "parquet",
                "--layer", layerB.toString(), "--kernel", kernel3.toString(), "--bias", biasB.toString(),
                "--output", dir.resolve("dir3").toString());
        assertFalse(Files.exists(dir.resolve("dir3")));
    }

    @Test
    void overwriteReplacesAnExistingOutput() throws IOException {
        Path input = TestFiles.npy(dir.resolve("images.npy"), 14, 3, 5, 5, 1);
        Path layer = TestFiles.layer(dir.resolve("layer.json"), edgeLayer(false));
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("old.txt"), "old");
        CliRunner r = CliRunner.run("run", "--input", input.toString(), "--layer", layer.toString(), "--output",
                out.toString(), "--overwrite", "--progress-seconds", "0");
        assertEquals(0, r.exitCode, r.toString());
        assertFalse(Files.exists(out.resolve("old.txt")));
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
    }

    /** Runs a command that must fail on the driver: one line on stderr, exit code, no task started. */
    private CliRunner assertConfigError(int exitCode, String expectedText, String... args) {
        TASKS_STARTED.set(0);
        CliRunner r = CliRunner.run(args);
        assertEquals(exitCode, r.exitCode, r.toString());
        assertEquals(1, r.errLines().length, "one line, no stack trace: " + r);
        assertTrue(r.err.contains(expectedText), "expected '" + expectedText + "' in: " + r.err);
        assertEquals(0, TASKS_STARTED.get(), "no task may run before a configuration error: " + r);
        return r;
    }

    /**
     * Issue 16: image files are decoded to --color-mode's channels (Keras' grayscale, rgb, rgba; default rgb) and
     * a kernel expecting another count fails on the driver naming both, instead of a silent conversion.
     */
    @Test
    void colorModeDecidesTheImageChannelsAndAMismatchingKernelFailsOnTheDriver() throws IOException {
        Path images = io.sparkconv.datasets.image.SampleImages.generate(dir.resolve("images"), 4, 16).get(0)
                .getParent();
        Path layer = TestFiles.layer(dir.resolve("layer.json"),
                Conv2D.builder(2, 3, 3).padding("same").useBias(false).build());
        Path kernel4 = TestFiles.npy(dir.resolve("kernel4.npy"), 21, 3, 3, 4, 2);
        Path kernel1 = TestFiles.npy(dir.resolve("kernel1.npy"), 22, 3, 3, 1, 2);
        CliRunner rgb = assertConfigError(1, "channel mismatch", "run", "--input", images.toString(), "--layer",
                layer.toString(), "--kernel", kernel4.toString(), "--output", dir.resolve("out").toString());
        assertTrue(rgb.err.contains("expects 4 input channels, but --color-mode rgb decodes the images of "
                + images + " to 3 (use --color-mode rgba)"), rgb.err);
        assertTrue(rgb.err.contains("kernel " + kernel4), rgb.err);
        CliRunner gray = assertConfigError(1, "but --color-mode grayscale decodes", "run", "--input",
                images.toString(), "--layer", layer.toString(), "--kernel", kernel4.toString(), "--output",
                dir.resolve("out").toString(), "--color-mode", "grayscale");
        assertTrue(gray.err.contains(" to 1 (use --color-mode rgba)"), gray.err);
        assertConfigError(2, "--color-mode 'bgr' is not supported: expected grayscale, rgb or rgba", "run",
                "--input", images.toString(), "--layer", layer.toString(), "--output", dir.resolve("out").toString(),
                "--color-mode", "bgr");

        for (String[] mode : new String[][] {{"grayscale", kernel1.toString(), "1"},
                {"rgba", kernel4.toString(), "4"}}) {
            Path out = dir.resolve("out-" + mode[0]);
            CliRunner r = CliRunner.run("run", "--input", images.toString(), "--layer", layer.toString(), "--kernel",
                    mode[1], "--output", out.toString(), "--color-mode", mode[0], "--progress-seconds", "0");
            assertEquals(0, r.exitCode, r.toString());
            assertTrue(r.out.contains("records: read 4, written 4, rejected 0"), r.out);
            assertTrue(r.out.contains("(input 16x16x" + mode[2] + ")"), "the plan names the channels: " + r.out);
        }
    }

    @Test
    void configurationErrorsFailOnTheDriverBeforeAnyTaskWithOneLine() throws IOException {
        Path input = TestFiles.npy(dir.resolve("images.npy"), 15, 4, 6, 6, 3);
        Path gray = TestFiles.npy(dir.resolve("gray.npy"), 16, 4, 6, 6, 1);
        Path kernel = TestFiles.npy(dir.resolve("kernel.npy"), 17, 3, 3, 3, 4);
        Path kernel5 = TestFiles.npy(dir.resolve("kernel5.npy"), 18, 5, 5, 3, 4);
        Path bias = TestFiles.npy(dir.resolve("bias.npy"), 19, 4);
        Path layer = TestFiles.layer(dir.resolve("layer.json"), edgeLayer(true));
        Path noBiasLayer = TestFiles.layer(dir.resolve("nobias.json"), edgeLayer(false));
        Path badJson = TestFiles.text(dir.resolve("bad.json"), "{\"class_name\": \"Conv2D\", \"config\": {");
        Path zeroFilters = TestFiles.text(dir.resolve("zero.json"), edgeLayer(true).toConfig()
                .replace("\"filters\": 4", "\"filters\": 0").replace("\"filters\":4", "\"filters\":0"));
        Path out = dir.resolve("out");
        String in = input.toString();

        assertConfigError(1, "layer file " + badJson, "run", "--input", in, "--layer", badJson.toString(),
                "--output", out.toString());
        assertConfigError(1, "filters", "run", "--input", in, "--layer", zeroFilters.toString(),
                "--output", out.toString());
        assertConfigError(1, "layer file " + dir.resolve("missing.json") + " does not exist", "run", "--input", in,
                "--layer", dir.resolve("missing.json").toString(), "--output", out.toString());
        assertConfigError(1, "kernel file " + dir.resolve("nokernel.npy") + " does not exist", "run", "--input", in,
                "--layer", layer.toString(), "--kernel", dir.resolve("nokernel.npy").toString(), "--bias",
                bias.toString(), "--output", out.toString());
        assertConfigError(1, "no --bias was given", "run", "--input", in, "--layer", layer.toString(), "--kernel",
                kernel.toString(), "--output", out.toString());
        assertConfigError(1, "use_bias=false", "run", "--input", in, "--layer", noBiasLayer.toString(), "--kernel",
                kernel.toString(), "--bias", bias.toString(), "--output", out.toString());
        assertConfigError(1, "weights do not fit the layer", "run", "--input", in, "--layer", layer.toString(),
                "--kernel", kernel5.toString(), "--bias", bias.toString(), "--output", out.toString());
        assertConfigError(1, "channel mismatch", "run", "--input", gray.toString(), "--layer", layer.toString(),
                "--kernel", kernel.toString(), "--bias", bias.toString(), "--output", out.toString());
        assertConfigError(1, "input " + dir.resolve("nothing.npy") + " does not exist", "run", "--input",
                dir.resolve("nothing.npy").toString(), "--layer", layer.toString(), "--output", out.toString());
        Path existing = Files.createDirectories(dir.resolve("existing"));
        assertConfigError(1, "output " + existing + " already exists: add --overwrite", "run", "--input", in,
                "--layer", layer.toString(), "--output", existing.toString());
        assertConfigError(1, "kernel file " + badJson + ": not an NPY file", "run", "--input", in, "--layer",
                layer.toString(), "--kernel",
                badJson.toString(), "--bias", bias.toString(), "--output", out.toString());

        assertConfigError(2, "--batch-size must be >= 1, got 0", "run", "--input", in, "--layer", layer.toString(),
                "--output", out.toString(), "--batch-size", "0");
        assertConfigError(2, "expected one of fail, skip, quarantine", "run", "--input", in, "--layer",
                layer.toString(), "--output", out.toString(), "--on-bad-record", "ignore");
        assertConfigError(2, "Missing required option: '--output=DIR'", "run", "--input", in, "--layer",
                layer.toString());
        assertConfigError(2, "Unknown option: '--colour'", "run", "--colour", "--input", in, "--layer",
                layer.toString(), "--output", out.toString());
        assertConfigError(2, "Invalid value for option '--partitions'", "run", "--input", in, "--layer",
                layer.toString(), "--output", out.toString(), "--partitions", "many");
        assertFalse(Files.exists(out));
    }

    @Test
    void everySubcommandHasHelp() {
        for (String sub : new String[] {"run", "apply", "export", "demo"}) {
            CliRunner r = CliRunner.run(sub, "--help");
            assertEquals(0, r.exitCode, r.toString());
            assertTrue(r.out.startsWith("Usage: sparkconv " + sub), r.out);
        }
        CliRunner top = CliRunner.run("--help");
        assertEquals(0, top.exitCode);
        assertTrue(top.out.contains("apply") && top.out.contains("run")
                && top.out.contains("export"), top.out);
        CliRunner none = CliRunner.run();
        assertEquals(2, none.exitCode);
        assertEquals(1, none.errLines().length, none.toString());
    }

    @Test
    void demoRunsTheSobelLayerOverTheBundledSampleAndDrawsPictures() throws IOException {
        Path demo = dir.resolve("demo");
        CliRunner r = CliRunner.run("demo", "--output", demo.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.out.contains("records: read 32, written 32, rejected 0"), r.out);
        List<Path> pictures;
        try (Stream<Path> files = Files.list(demo.resolve("pictures"))) {
            pictures = files.sorted().toList();
        }
        assertEquals(4, pictures.size(), pictures.toString());
        for (Path p : pictures) {
            assertTrue(p.getFileName().toString().endsWith(".png") && Files.size(p) > 100, p.toString());
            assertTrue(r.out.contains(p.toString()), "the demo says where picture " + p + " is: " + r.out);
        }
        assertTrue(r.out.contains("feature maps (Parquet, one row per image with its source and index): "
                + demo.resolve("feature-maps")), r.out);

        // The Sobel weights the demo wrote: x gradient in filter 0, y gradient in filter 1, averaged over RGB.
        FloatTensor kernel = NpyArrays.read(demo.resolve("layer/sobel-edges-kernel.npy").toString());
        assertArrayEquals(new int[] {3, 3, 3, 2}, kernel.shape());
        assertEquals(-1f / 3, kernel.data()[0], 0f);       // (0, 0, R, x): top-left of Sobel x
        assertEquals(-2f / 3, kernel.data()[(1 * 3 + 0) * 3 * 2], 0f); // (1, 0, R, x)
        assertEquals(-2f / 3, kernel.data()[(0 * 3 + 1) * 3 * 2 + 1], 0f); // (0, 1, R, y)

        // The first image's feature maps equal the layer run in this JVM on the same decoded picture.
        Conv2D conv = Conv2D.fromConfig(Files.readString(demo.resolve("layer/sobel-edges.json")));
        conv.setWeights(kernel, null);
        ImageRecord first = DatasetSource.readAll(demo.resolve("sample").toString(), DatasetFormat.IMAGE,
                ReadOptions.defaults().withExpectedChannels(3), RejectionSink.NONE, null).next();
        int[] s = first.shape();
        FloatTensor expected = conv.forward(new FloatTensor(first.data(), 1, s[0], s[1], s[2]));
        Row row = spark.read().schema(TensorRows.SCHEMA).parquet(demo.resolve("feature-maps").toString())
                .where("ordinal = 0").collectAsList().get(0);
        assertEquals(first.source(), row.getString(0));
        float[] actual = TensorRows.dataOf(row.getStruct(4));
        assertArrayEquals(expected.data(), actual, 0f);
        float max = 0;
        for (float v : actual) {
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max > 10, "the sample has edges, so the Sobel maps are not flat: max |value| " + max);
    }
}
