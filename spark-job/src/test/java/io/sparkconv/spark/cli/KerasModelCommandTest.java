package io.sparkconv.spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.datasets.npy.NpyArrays;
import io.sparkconv.spark.SparkTestSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * `sparkconv inspect`, and `apply`/`run` with --model --layer, on the real Keras files of
 * ../shared/fixtures/keras (skipped only when that folder is absent): the first Conv2D of every fixture gives,
 * in-process and through the Spark job, exactly what core Conv2D gives with the expected/ config and weights.
 */
class KerasModelCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.localSession("KerasModelCommandTest");
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    /** One fixture folder: model file, optional companion JSON, expected/ values. */
    record Fixture(String id, Path dir, Path model, Path modelJson, JsonNode info, JsonNode conv2dLayers) {
        Path expected(String file) {
            return dir.resolve("expected").resolve(file);
        }

        /** The --model (and --model-json) arguments. */
        List<String> modelArgs() {
            List<String> args = new ArrayList<>(List.of("--model", model.toString()));
            if (modelJson != null) {
                args.addAll(List.of("--model-json", modelJson.toString()));
            }
            return args;
        }
    }

    private static Path fixturesDir() {
        String shared = System.getProperty("sparkconv.shared.dir");
        return (shared == null ? Paths.get("..", "..", "shared") : Paths.get(shared)).resolve("fixtures").resolve("keras");
    }

    private static List<Fixture> fixtures() throws IOException {
        Path root = fixturesDir();
        assumeTrue(Files.isDirectory(root), "no Keras fixtures at " + root.toAbsolutePath());
        List<Fixture> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
                JsonNode info = JSON.readTree(d.resolve("expected/keras_info.json").toFile());
                String source = info.path("config_source").asText("");
                Path companion = source.startsWith("companion file ")
                        ? d.resolve(source.substring("companion file ".length())) : null;
                out.add(new Fixture(d.getFileName().toString(), d, d.resolve(info.get("file").asText()), companion,
                        info, JSON.readTree(d.resolve("expected/conv2d_layers.json").toFile())));
            }
        }
        return out;
    }

    private static Fixture fixture(String id) throws IOException {
        return fixtures().stream().filter(f -> f.id().equals(id)).findFirst().orElseThrow();
    }

    /** Core Conv2D from expected/: the config as stored and the weights set explicitly (Theano: flipped, as Keras loads). */
    private static Conv2D expectedLayer(Fixture f, JsonNode layer) throws IOException {
        JsonNode config = JSON.readTree(f.expected(layer.get("config_json").asText()).toFile());
        String json = "{\"class_name\": \"Conv2D\", \"config\": " + config + ", \"keras_version\": \""
                + f.info().get("keras_version").asText() + "\"}";
        Conv2D conv = Conv2D.fromConfig(json);
        FloatTensor kernel = NpyArrays.read(f.expected(layer.get("kernel_npy").asText()).toString());
        if ("theano".equals(f.info().path("backend").asText())) {
            kernel = flipSpatially(kernel);
        }
        FloatTensor bias = layer.hasNonNull("bias_npy")
                ? NpyArrays.read(f.expected(layer.get("bias_npy").asText()).toString()) : null;
        conv.setWeights(kernel, bias);
        return conv;
    }

    private static FloatTensor flipSpatially(FloatTensor k) {
        int[] d = k.shape();
        float[] in = k.data();
        float[] out = new float[in.length];
        int inner = d[2] * d[3];
        for (int i = 0; i < d[0]; i++) {
            for (int j = 0; j < d[1]; j++) {
                System.arraycopy(in, ((d[0] - 1 - i) * d[1] + (d[1] - 1 - j)) * inner, out, (i * d[1] + j) * inner, inner);
            }
        }
        return new FloatTensor(out, d);
    }

    /** A random batch of 3 in the layer's data format; spatial size from batch_input_shape, else 9x9. */
    private Path input(Conv2D layer, JsonNode config, String name) throws IOException {
        boolean first = "channels_first".equals(config.path("data_format").asText());
        JsonNode declared = config.path("batch_input_shape");
        int h = declared.size() == 4 ? declared.get(first ? 2 : 1).asInt(9) : 9;
        int w = declared.size() == 4 ? declared.get(first ? 3 : 2).asInt(9) : 9;
        int c = layer.inputChannels();
        Path file = dir.resolve(name + "-input.npy");
        return first ? TestFiles.npy(file, name.hashCode(), 3, c, h, w) : TestFiles.npy(file, name.hashCode(), 3, h, w, c);
    }

    private static void assertBitIdentical(FloatTensor expected, FloatTensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        float[] a = expected.data();
        float[] b = actual.data();
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), what + ": value " + i);
        }
    }

    private static String[] args(List<String> head, String... rest) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(rest));
        return all.toArray(new String[0]);
    }

    @TestFactory
    Stream<DynamicTest> firstConv2DOfEveryFixtureThroughApplyAndTheSparkJob() throws IOException {
        return fixtures().stream().map(f -> DynamicTest.dynamicTest(f.id(), () -> {
            JsonNode layer = f.conv2dLayers().get(0);
            String name = layer.get("name").asText();
            Conv2D reference = expectedLayer(f, layer);
            JsonNode config = JSON.readTree(f.expected(layer.get("config_json").asText()).toFile());
            Path input = input(reference, config, f.id());
            FloatTensor expected = reference.forward(NpyArrays.read(input.toString()));

            Path applied = dir.resolve(f.id() + "-apply.npy");
            List<String> applyArgs = new ArrayList<>(List.of("apply"));
            applyArgs.addAll(f.modelArgs());
            CliRunner a = CliRunner.run(args(applyArgs, "--layer", name, "--input", input.toString(), "--output",
                    applied.toString()));
            assertEquals(0, a.exitCode, a.toString());
            assertBitIdentical(expected, NpyArrays.read(applied.toString()), f.id() + " apply");

            Path out = dir.resolve(f.id() + "-run");
            List<String> runArgs = new ArrayList<>(List.of("run"));
            runArgs.addAll(f.modelArgs());
            CliRunner r = CliRunner.run(args(runArgs, "--layer", name, "--input", input.toString(), "--output",
                    out.toString(), "--progress-seconds", "0"));
            assertEquals(0, r.exitCode, r.toString());
            assertTrue(r.out.contains("records: read 3, written 3, rejected 0"), r.out);
            assertTrue(r.out.contains("layer " + name + " of Keras model"), r.out);
            Path exported = dir.resolve(f.id() + "-run.npy");
            CliRunner e = CliRunner.run("export", "--input", out.toString(), "--output", exported.toString());
            assertEquals(0, e.exitCode, e.toString());
            assertBitIdentical(expected, NpyArrays.read(exported.toString()), f.id() + " run");
        }));
    }

    /**
     * Every Conv2D layer of every fixture through {@code apply --model --conv-kernel K --verbose} at every vector
     * width and on the scalar kernel: each width names its plan and equals the scalar output within twice the
     * parity tolerance {@code 1e-5 (1 + sum|x w| + |b|)} (both sides are within it of the exact value; the
     * fixtures' activations have slopes of at most 1).
     */
    @TestFactory
    Stream<DynamicTest> everyLayerOfEveryFixtureAtEveryVectorWidth() throws IOException {
        List<io.sparkconv.core.kernel.ConvKernel> widths = io.sparkconv.core.kernel.KernelProvider.everyWidth();
        List<DynamicTest> tests = new ArrayList<>();
        for (Fixture f : fixtures()) {
            for (JsonNode layer : f.conv2dLayers()) {
                String name = layer.get("name").asText();
                tests.add(DynamicTest.dynamicTest(f.id() + " " + name, () -> {
                    Conv2D reference = expectedLayer(f, layer);
                    JsonNode config = JSON.readTree(f.expected(layer.get("config_json").asText()).toFile());
                    Path input = input(reference, config, f.id() + "-" + name);
                    float[] bound = tolerance(reference, NpyArrays.read(input.toString()));
                    FloatTensor scalar = null;
                    for (io.sparkconv.core.kernel.ConvKernel kernel : widths) {
                        Path applied = dir.resolve(f.id() + "-" + name + "-" + kernel.name() + ".npy");
                        List<String> head = new ArrayList<>(List.of("apply"));
                        head.addAll(f.modelArgs());
                        CliRunner a = CliRunner.run(args(head, "--layer", name, "--input", input.toString(), "--output", applied.toString(),
                                "--conv-kernel", kernel.name(), "--verbose"));
                        assertEquals(0, a.exitCode, a.toString());
                        assertTrue(a.out.contains("layer " + name + ": input ") && a.out.contains(", plan "
                                + kernel.name() + " "), a.out);
                        FloatTensor y = NpyArrays.read(applied.toString());
                        if (scalar == null) {
                            scalar = y;                  // everyWidth() starts with the scalar kernel
                            continue;
                        }
                        assertArrayEquals(scalar.shape(), y.shape(), kernel.name());
                        for (int i = 0; i < bound.length; i++) {
                            float s = scalar.data()[i];
                            float v = y.data()[i];
                            int at = i;
                            assertTrue(Math.abs(s - v) <= bound[i], () -> f.id() + " " + name + " on "
                                    + kernel.name() + ": value " + at + " is " + v + ", scalar gives " + s
                                    + " (tolerance " + bound[at] + ")");
                        }
                    }
                }));
            }
        }
        return tests.stream();
    }

    /** Per output value: 2e-5 (1 + sum|x w| + |b|), the sums taken by the layer itself on |x|, |w| and |b|. */
    private static float[] tolerance(Conv2D layer, FloatTensor x) {
        io.sparkconv.core.spec.Conv2DSpec s = layer.spec();
        Conv2D magnitude = Conv2D.builder(s.filters(), s.kernelHeight(), s.kernelWidth())
                .strides(s.strideHeight(), s.strideWidth()).dilationRate(s.dilationHeight(), s.dilationWidth())
                .padding(s.padding()).dataFormat(s.dataFormat()).groups(s.groups()).useBias(s.useBias()).build();
        magnitude.setWeights(abs(layer.kernel()), s.useBias() ? abs(layer.bias()) : null);
        float[] sums = magnitude.forward(new FloatTensor(abs(x.data()), x.shape()),
                io.sparkconv.core.kernel.KernelProvider.scalar()).data();
        float[] bound = new float[sums.length];
        for (int i = 0; i < sums.length; i++) {
            bound[i] = 2e-5f * (1 + sums[i]);
        }
        return bound;
    }

    private static float[] abs(float[] values) {
        float[] a = new float[values.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.abs(values[i]);
        }
        return a;
    }

    @Test
    void severalConsecutiveLayersApplyInOrder() throws IOException {
        Fixture f = fixture("kotlindl-toyresnet-weights-only");
        Conv2D first = expectedLayer(f, f.conv2dLayers().get(0));
        Conv2D second = expectedLayer(f, f.conv2dLayers().get(1));
        assertEquals("conv2d_35", second.spec().name());
        Path input = TestFiles.npy(dir.resolve("in.npy"), 7, 2, 12, 12, 1);
        FloatTensor expected = second.forward(first.forward(NpyArrays.read(input.toString())));

        Path applied = dir.resolve("chain.npy");
        CliRunner a = CliRunner.run(args(List.of("apply"), args(f.modelArgs(), "--layer", "conv2d_34,conv2d_35",
                "--input", input.toString(), "--output", applied.toString())));
        assertEquals(0, a.exitCode, a.toString());
        assertBitIdentical(expected, NpyArrays.read(applied.toString()), "apply chain");

        Path out = dir.resolve("chain-run");
        CliRunner r = CliRunner.run(args(List.of("run"), args(f.modelArgs(), "--layer", "conv2d_34,conv2d_35",
                "--input", input.toString(), "--output", out.toString(), "--progress-seconds", "0")));
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.out.contains("layers conv2d_34, conv2d_35 of Keras model"), r.out);
        Path exported = dir.resolve("chain-run.npy");
        assertEquals(0, CliRunner.run("export", "--input", out.toString(), "--output", exported.toString()).exitCode);
        assertBitIdentical(expected, NpyArrays.read(exported.toString()), "run chain");
    }

    @Test
    void inspectListsTheLayers() throws IOException {
        Fixture keras3 = fixture("keras3-mnist-keras-3.11.1");
        CliRunner r = CliRunner.run("inspect", keras3.model().toString());
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.out.contains("keras_version: 3.11.1"), r.out);
        assertTrue(r.out.lines().anyMatch(l -> l.matches(
                "\\d+\\s+conv2d\\s+Conv2D\\s+\\(None, 28, 28, 1\\)\\s+\\(None, 26, 26, 32\\)\\s+yes")), r.out);
        assertTrue(r.out.lines().anyMatch(l -> l.matches("\\d+\\s+dense\\s+Dense\\s+.*\\s+no")), r.out);

        Fixture weightsOnly = fixture("kotlindl-lenet-weights-only");
        CliRunner w = CliRunner.run("inspect", weightsOnly.model().toString(), "--model-json",
                weightsOnly.modelJson().toString());
        assertEquals(0, w.exitCode, w.toString());
        assertTrue(w.out.contains("weights-only"), w.out);
        CliRunner missingJson = CliRunner.run("inspect", weightsOnly.model().toString());
        assertEquals(1, missingJson.exitCode, missingJson.toString());
        assertEquals(1, missingJson.errLines().length, missingJson.toString());
        assertTrue(missingJson.err.contains("give the model's JSON"), missingJson.err);
    }

    @Test
    void inspectHasHelpAndRejectsANonModelFileInOneLine() throws IOException {
        CliRunner help = CliRunner.run("inspect", "--help");
        assertEquals(0, help.exitCode, help.toString());
        assertTrue(help.out.startsWith("Usage: sparkconv inspect"), help.out);
        CliRunner none = CliRunner.run("inspect");
        assertEquals(2, none.exitCode, none.toString());
        Path text = TestFiles.text(dir.resolve("model.h5"), "not a model");
        CliRunner notModel = CliRunner.run("inspect", text.toString());
        assertEquals(1, notModel.exitCode, notModel.toString());
        assertEquals(1, notModel.errLines().length, notModel.toString());
        assertTrue(notModel.err.contains("sparkconv inspect: error: not an HDF5 or zip file: " + text), notModel.err);
        Path input = TestFiles.npy(dir.resolve("in.npy"), 3, 1, 4, 4, 1);
        CliRunner apply = CliRunner.run("apply", "--model", text.toString(), "--layer", "conv2d", "--input",
                input.toString(), "--output", dir.resolve("out.npy").toString());
        assertEquals(1, apply.exitCode, apply.toString());
        assertTrue(apply.err.contains("not an HDF5 or zip file"), apply.err);
        CliRunner noKernel = CliRunner.run("apply", "--layer", text.toString(), "--input", input.toString(),
                "--output", dir.resolve("out.npy").toString());
        assertEquals(2, noKernel.exitCode, noKernel.toString());
        assertTrue(noKernel.err.contains("--kernel") && noKernel.err.contains("--model"), noKernel.err);
    }

    @Test
    void modelLayerErrorsAreOneLine() throws IOException {
        Fixture f = fixture("keras3-mnist-keras-3.1.1");
        Path input = TestFiles.npy(dir.resolve("in.npy"), 3, 2, 28, 28, 1);
        Path output = dir.resolve("out.npy");
        String[][] cases = {
            {"is a MaxPooling2D, not a Conv2D", "--layer", "max_pooling2d"},
            {"no layer named 'conv9'", "--layer", "conv9"},
            {"do not chain", "--layer", "conv2d,conv2d_1"},
            {"--kernel/--bias cannot be combined with --model", "--layer", "conv2d", "--kernel", input.toString()},
        };
        for (String[] c : cases) {
            List<String> a = new ArrayList<>(List.of("apply", "--model", f.model().toString(), "--input",
                    input.toString(), "--output", output.toString()));
            a.addAll(List.of(c).subList(1, c.length));
            CliRunner r = CliRunner.run(a.toArray(new String[0]));
            assertEquals(1, r.exitCode, r.toString());
            assertEquals(1, r.errLines().length, r.toString());
            assertTrue(r.err.contains(c[0]), c[0] + " expected in: " + r.err);
        }
        CliRunner run = CliRunner.run("run", "--model", f.model().toString(), "--layer", "dense", "--input",
                input.toString(), "--output", dir.resolve("out").toString());
        assertEquals(1, run.exitCode, run.toString());
        assertTrue(run.err.contains("is a Dense, not a Conv2D"), run.err);
        assertTrue(Files.notExists(output) && Files.notExists(dir.resolve("out")), "nothing written on errors");
    }
}
