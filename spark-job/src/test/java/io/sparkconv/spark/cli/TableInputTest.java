package io.sparkconv.spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.datasets.npy.NpyArrays;
import io.sparkconv.spark.SparkTestSupport;
import io.sparkconv.spark.ml.Conv2DTransformer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `sparkconv run --input-col --input-shape` on tables in a foreign schema written by Spark itself (an id, a label
 * and the images in each column kind), against the same images read from NPY and against the transformer: one
 * partition path, so the outputs are bit-identical, whatever the partitions and batch sizes.
 */
class TableInputTest {
    private static final int IMAGES = 13;
    private static final int H = 7;
    private static final int W = 6;
    private static final int C = 2;
    private static SparkSession spark;
    private static final AtomicInteger TASKS_STARTED = new AtomicInteger();

    @TempDir
    Path dir;
    private Path npy;
    private Path layer;
    private Path kernel;
    private Path bias;
    private float[][] images;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.localSession("TableInputTest");
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
    void files() throws IOException {
        npy = TestFiles.npy(dir.resolve("images.npy"), 21, IMAGES, H, W, C);
        float[] all = NpyArrays.read(npy.toString()).data();
        images = new float[IMAGES][];
        for (int i = 0; i < IMAGES; i++) {
            images[i] = Arrays.copyOfRange(all, i * H * W * C, (i + 1) * H * W * C);
        }
        layer = TestFiles.layer(dir.resolve("layer.json"),
                Conv2D.builder(4, 3, 3).padding("same").activation("relu").useBias(true).build());
        kernel = TestFiles.npy(dir.resolve("kernel.npy"), 22, 3, 3, C, 4);
        bias = TestFiles.npy(dir.resolve("bias.npy"), 23, 4);
    }

    /** The table: id, label and the images as {@code kind}, written by Spark's own writer in {@code format}. */
    private Path table(String kind, String format) {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("label", DataTypes.IntegerType)
                .add("image", switch (kind) {
                    case "float" -> DataTypes.createArrayType(DataTypes.FloatType);
                    case "double" -> DataTypes.createArrayType(DataTypes.DoubleType);
                    case "nested" -> DataTypes.createArrayType(DataTypes.createArrayType(
                            DataTypes.createArrayType(DataTypes.FloatType)));
                    case "binary" -> DataTypes.BinaryType;
                    case "vector" -> SQLDataTypes.VectorType();
                    default -> throw new IllegalArgumentException(kind);
                });
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            rows.add(RowFactory.create((long) i, i % 3, value(kind, images[i])));
        }
        Path path = dir.resolve(kind + "." + format);
        // Shuffled and in three files: the job must not depend on the table's order or files.
        spark.createDataFrame(rows, schema).repartition(3).write().format(format).save(path.toString());
        return path;
    }

    private static Object value(String kind, float[] image) {
        switch (kind) {
            case "float": {
                List<Float> values = new ArrayList<>();
                for (float v : image) {
                    values.add(v);
                }
                return values;
            }
            case "double": {
                List<Double> values = new ArrayList<>();
                for (float v : image) {
                    values.add((double) v);
                }
                return values;
            }
            case "nested": {
                List<List<List<Float>>> rows = new ArrayList<>();
                for (int y = 0; y < H; y++) {
                    List<List<Float>> row = new ArrayList<>();
                    for (int x = 0; x < W; x++) {
                        List<Float> pixel = new ArrayList<>();
                        for (int c = 0; c < C; c++) {
                            pixel.add(image[(y * W + x) * C + c]);
                        }
                        row.add(pixel);
                    }
                    rows.add(row);
                }
                return rows;
            }
            case "binary": {
                ByteBuffer b = ByteBuffer.allocate(image.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(image);
                return b.array();
            }
            case "vector": {
                double[] values = new double[image.length];
                for (int i = 0; i < values.length; i++) {
                    values[i] = image[i];
                }
                return Vectors.dense(values);
            }
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    private CliRunner run(Path input, Path output, String... more) {
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--layer", layer.toString(),
                "--kernel", kernel.toString(), "--bias", bias.toString(), "--output", output.toString(),
                "--progress-seconds", "0"));
        args.addAll(List.of(more));
        return CliRunner.run(args.toArray(new String[0]));
    }

    /** The output's tensor values by id (or by index for a run on NPY), as raw float bits. */
    private static int[][] outputs(Dataset<Row> output, String idColumn, String tensorColumn) {
        int[][] byId = new int[IMAGES][];
        for (Row row : output.select(idColumn, tensorColumn + ".shape", tensorColumn + ".data").collectAsList()) {
            int id = (int) row.getLong(0);
            assertEquals(List.of(H, W, 4), row.getList(1), "the output shape, channels_last");
            List<Float> data = row.getList(2);
            int[] bits = new int[data.size()];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = Float.floatToRawIntBits(data.get(i));
            }
            assertTrue(byId[id] == null, "id " + id + " written once");
            byId[id] = bits;
        }
        for (int i = 0; i < IMAGES; i++) {
            assertTrue(byId[i] != null, "id " + i + " is written");
        }
        return byId;
    }

    private int[][] fromNpy() {
        Path out = dir.resolve("from-npy");
        CliRunner r = run(npy, out);
        assertEquals(0, r.exitCode, r.toString());
        return outputs(spark.read().parquet(out.toString()), "index", "tensor");
    }

    @Test
    void aForeignParquetTableGivesTheNpyOutputKeepingItsOtherColumns() {
        int[][] expected = fromNpy();
        Path table = table("float", "parquet");
        Path out = dir.resolve("from-parquet");
        CliRunner r = run(table, out, "--input-col", "image", "--input-shape", H + "," + W + "," + C);
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(r.out.contains("records: read 13, written 13, rejected 0"), r.out);
        Dataset<Row> output = spark.read().parquet(out.toString());
        assertEquals(List.of("id", "label", "tensor"), Arrays.asList(output.schema().fieldNames()),
                "the other columns kept, the image column replaced by the tensor");
        for (Row row : output.select("id", "label").collectAsList()) {
            assertEquals((int) (row.getLong(0) % 3), row.getInt(1), "each id keeps its label");
        }
        assertArrayEquals(expected, outputs(output, "id", "tensor"));
    }

    @Test
    void everyColumnKindAndTableFormatGivesTheSameOutput() {
        int[][] expected = fromNpy();
        String shape = H + "," + W + "," + C;
        for (String[] kindAndFormat : new String[][] {{"double", "parquet"}, {"nested", "parquet"},
            {"binary", "parquet"}, {"vector", "parquet"}, {"float", "orc"}, {"float", "json"}}) {
            String kind = kindAndFormat[0];
            String format = kindAndFormat[1];
            Path out = dir.resolve("out-" + kind + "-" + format);
            CliRunner r = run(table(kind, format), out, "--input-format", format, "--input-col", "image",
                    "--input-shape", shape);
            assertEquals(0, r.exitCode, kind + " in " + format + ": " + r);
            assertArrayEquals(expected, outputs(spark.read().parquet(out.toString()), "id", "tensor"),
                    kind + " in " + format);
        }
    }

    @Test
    void runAndTheTransformerAgreeBitForBitWhateverThePartitionsAndBatchSizes() throws IOException {
        Path table = table("float", "parquet");
        Conv2D conv = Conv2D.fromConfig(Files.readString(layer));
        conv.setWeights(NpyArrays.read(kernel.toString()), NpyArrays.read(bias.toString()));
        int[][] reference = null;
        for (String partitions : new String[] {"1", "5"}) {
            for (String batch : new String[] {"1", "4", "64"}) {
                Path out = dir.resolve("run-" + partitions + "-" + batch);
                CliRunner r = run(table, out, "--input-col", "image", "--input-shape", H + "," + W + "," + C,
                        "--partitions", partitions, "--batch-size", batch);
                assertEquals(0, r.exitCode, r.toString());
                int[][] fromRun = outputs(spark.read().parquet(out.toString()), "id", "tensor");
                Dataset<Row> frame = spark.read().parquet(table.toString())
                        .repartition(Integer.parseInt(partitions));
                Conv2DTransformer transformer = new Conv2DTransformer().setLayer(conv).setInputCol("image")
                        .setInputShape(H, W, C).setOutputCol("tensor").setBatchSize(Integer.parseInt(batch));
                int[][] fromTransformer = outputs(transformer.transform(frame), "id", "tensor");
                String where = "partitions " + partitions + ", batch " + batch;
                assertArrayEquals(fromRun, fromTransformer, "run and the transformer, " + where);
                if (reference == null) {
                    reference = fromRun;
                } else {
                    assertArrayEquals(reference, fromRun, where);
                }
            }
        }
    }

    @Test
    void rowsThatCannotBeConvolvedFollowTheBadRecordPolicy() {
        StructType schema = new StructType().add("id", DataTypes.LongType)
                .add("image", DataTypes.createArrayType(DataTypes.FloatType));
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            rows.add(RowFactory.create((long) i, value("float", images[i])));
        }
        rows.add(RowFactory.create(100L, List.of(1f, 2f, 3f)));
        rows.add(RowFactory.create(101L, null));
        Path table = dir.resolve("some-bad.parquet");
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(table.toString());
        String shape = H + "," + W + "," + C;

        CliRunner skip = run(table, dir.resolve("skip"), "--input-col", "image", "--input-shape", shape,
                "--on-bad-record", "skip");
        assertEquals(0, skip.exitCode, skip.toString());
        assertTrue(skip.out.contains("records: read 15, written 13, rejected 2"), skip.out);

        Path quarantined = dir.resolve("quarantine");
        CliRunner q = run(table, quarantined, "--input-col", "image", "--input-shape", shape, "--on-bad-record",
                "quarantine");
        assertEquals(0, q.exitCode, q.toString());
        List<Row> rejected = spark.read().json(quarantined.resolve("_quarantine").toString()).orderBy("index")
                .collectAsList();
        assertEquals(2, rejected.size(), rejected.toString());
        assertTrue(rejected.get(0).getAs("reason").toString().contains("has 3 values but inputShape"),
                rejected.toString());
        assertTrue(rejected.get(1).getAs("reason").toString().contains("null"), rejected.toString());

        CliRunner fail = run(table, dir.resolve("fail"), "--input-col", "image", "--input-shape", shape);
        assertEquals(1, fail.exitCode, fail.toString());
        assertEquals(1, fail.errLines().length, fail.toString());
        assertTrue(fail.err.contains("has 3 values") && fail.err.contains("--on-bad-record"), fail.err);
        assertFalse(Files.exists(dir.resolve("fail")));
    }

    /** A kernel for one input channel. */
    private Path kernel1() {
        try {
            return TestFiles.npy(dir.resolve("kernel1.npy"), 25, 3, 3, 1, 4);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void configurationErrorsFailOnTheDriverBeforeAnyTaskInOneLine() {
        Path table = table("float", "parquet");
        String shape = H + "," + W + "," + C;
        String[][] cases = {
            {"--input-col 'pixels' does not exist; the columns are [id, label, image]", "--input-col", "pixels",
                "--input-shape", shape},
            {"--input-col 'label' has type int", "--input-col", "label", "--input-shape", shape},
            {"--input-shape must be set for an input column of type array<float>", "--input-col", "image"},
            {"channel mismatch: kernel " + kernel + " of shape [3, 3, 2, 4] expects 2 input channels", "--input-col",
                "image",
                "--input-shape", H + "," + W + ",3"},
            {"--input-shape [7, 6] is not one image's shape", "--input-col", "image", "--input-shape", H + "," + W},
        };
        for (String[] c : cases) {
            TASKS_STARTED.set(0);
            Path out = dir.resolve("bad");
            CliRunner r = run(table, out, Arrays.copyOfRange(c, 1, c.length));
            assertEquals(1, r.exitCode, r.toString());
            assertEquals(1, r.errLines().length, r.toString());
            assertTrue(r.err.contains(c[0]), c[0] + " in " + r);
            assertEquals(0, TASKS_STARTED.get(), "no task ran for: " + c[0]);
            assertFalse(Files.exists(out));
        }
        // The values per image are knowable on the driver for Parquet arrays: a shape of the wrong size fails there.
        TASKS_STARTED.set(0);
        CliRunner wrongSize = CliRunner.run("run", "--input", table.toString(), "--layer", layer.toString(),
                "--kernel", kernel1().toString(), "--bias", bias.toString(), "--output", dir.resolve("bad").toString(),
                "--input-col", "image", "--input-shape", W + "," + H + ",1", "--progress-seconds", "0");
        assertEquals(1, wrongSize.exitCode, wrongSize.toString());
        assertEquals(1, wrongSize.errLines().length, wrongSize.toString());
        assertTrue(wrongSize.err.contains("--input-shape [6, 7, 1] needs 42 values per image, but the first row of"
                + " column 'image'") && wrongSize.err.contains("holds 84"), wrongSize.toString());
        assertEquals(0, TASKS_STARTED.get(), "no task ran for a shape of the wrong size");
        CliRunner npyWithColumn = run(npy, dir.resolve("bad"), "--input-col", "image");
        assertEquals(1, npyWithColumn.exitCode, npyWithColumn.toString());
        assertTrue(npyWithColumn.err.contains("--input-col applies to table inputs"), npyWithColumn.toString());
    }

    /**
     * --output-encoding binary: the tensor data as little-endian float32 bytes (one Parquet byte array per image),
     * the same values as the array encoding, exported to the same NPY, read back by run (layers chain) and by the
     * ordinary Row API.
     */
    @Test
    void theBinaryOutputEncodingHoldsTheSameValuesAndChains() throws IOException {
        Path arrays = dir.resolve("arrays");
        Path binary = dir.resolve("binary");
        assertEquals(0, run(npy, arrays).exitCode);
        CliRunner r = run(npy, binary, "--output-encoding", "binary", "--partitions", "3", "--batch-size", "5");
        assertEquals(0, r.exitCode, r.toString());
        Dataset<Row> output = spark.read().parquet(binary.toString());
        assertEquals("struct<shape:array<int>,data:binary>", output.schema().apply("tensor").dataType().simpleString());
        int[][] expected = outputs(spark.read().parquet(arrays.toString()), "index", "tensor");
        for (Row row : output.select("index", "tensor.shape", "tensor.data").collectAsList()) {
            assertEquals(List.of(H, W, 4), row.getList(1));
            float[] values = io.sparkconv.datasets.spark.TensorRows.floats((byte[]) row.get(2));
            int[] bits = new int[values.length];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = Float.floatToRawIntBits(values[i]);
            }
            assertArrayEquals(expected[(int) row.getLong(0)], bits, "image " + row.getLong(0));
        }
        Path fromArrays = dir.resolve("arrays.npy");
        Path fromBinary = dir.resolve("binary.npy");
        assertEquals(0, CliRunner.run("export", "--input", arrays.toString(), "--output", fromArrays.toString())
                .exitCode);
        CliRunner e = CliRunner.run("export", "--input", binary.toString(), "--output", fromBinary.toString());
        assertEquals(0, e.exitCode, e.toString());
        assertArrayEquals(Files.readAllBytes(fromArrays), Files.readAllBytes(fromBinary));

        // A second layer on each output: the binary tensor column is an input kind of its own.
        Path layer2 = TestFiles.layer(dir.resolve("layer2.json"),
                Conv2D.builder(3, 3, 3).padding("valid").useBias(false).build());
        Path kernel2 = TestFiles.npy(dir.resolve("kernel2.npy"), 24, 3, 3, 4, 3);
        Path chainedArrays = dir.resolve("chained-arrays");
        Path chainedBinary = dir.resolve("chained-binary");
        for (Path[] io : new Path[][] {{arrays, chainedArrays}, {binary, chainedBinary}}) {
            CliRunner c = CliRunner.run("run", "--input", io[0].toString(), "--input-format", "parquet", "--layer",
                    layer2.toString(), "--kernel", kernel2.toString(), "--output", io[1].toString(),
                    "--progress-seconds", "0");
            assertEquals(0, c.exitCode, c.toString());
        }
        Path a = dir.resolve("chained-arrays.npy");
        Path b = dir.resolve("chained-binary.npy");
        assertEquals(0, CliRunner.run("export", "--input", chainedArrays.toString(), "--output", a.toString()).exitCode);
        assertEquals(0, CliRunner.run("export", "--input", chainedBinary.toString(), "--output", b.toString()).exitCode);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    /**
     * A directory of PNGs through Spark's image source (--input-format image --input-col image: BGR bytes, used as
     * RGB) gives the same output as our own image reader (--input-format image), each row keeping its file as
     * {@code origin}.
     */
    @Test
    void sparksImageSourceAgreesWithOurImageReader() throws IOException {
        Path pictures = Files.createDirectories(dir.resolve("pictures"));
        for (int i = 0; i < 4; i++) {
            java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(9, 7,
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 7; y++) {
                for (int x = 0; x < 9; x++) {
                    image.setRGB(x, y, (x * 29 + i * 50) << 16 | (y * 31) << 8 | (x * y * 7 + i) & 0xFF);
                }
            }
            javax.imageio.ImageIO.write(image, "png", pictures.resolve("p" + i + ".png").toFile());
        }
        Path rgbLayer = TestFiles.layer(dir.resolve("rgb.json"),
                Conv2D.builder(2, 3, 3).padding("same").useBias(false).build());
        Path rgbKernel = TestFiles.npy(dir.resolve("rgb-kernel.npy"), 26, 3, 3, 3, 2);
        Path ours = dir.resolve("ours");
        Path sparks = dir.resolve("sparks");
        for (String[] how : new String[][] {{ours.toString()}, {sparks.toString(), "--input-col", "image"}}) {
            List<String> args = new ArrayList<>(List.of("run", "--input", pictures.toString(), "--input-format",
                    "image", "--layer", rgbLayer.toString(), "--kernel", rgbKernel.toString(), "--output", how[0],
                    "--progress-seconds", "0"));
            args.addAll(Arrays.asList(how).subList(1, how.length));
            CliRunner r = CliRunner.run(args.toArray(new String[0]));
            assertEquals(0, r.exitCode, r.toString());
            assertTrue(r.out.contains("records: read 4, written 4, rejected 0"), r.out);
        }
        java.util.Map<String, List<Float>> byFile = new java.util.HashMap<>();
        for (Row row : spark.read().parquet(ours.toString()).select("source", "tensor.data").collectAsList()) {
            byFile.put(Path.of(row.getString(0)).getFileName().toString(), row.getList(1));
        }
        Dataset<Row> fromSpark = spark.read().parquet(sparks.toString());
        assertEquals(List.of("origin", "tensor"), Arrays.asList(fromSpark.columns()));
        List<Row> rows = fromSpark.select("origin", "tensor.shape", "tensor.data").collectAsList();
        assertEquals(4, rows.size());
        for (Row row : rows) {
            String file = row.getString(0).substring(row.getString(0).lastIndexOf('/') + 1);
            assertEquals(List.of(7, 9, 2), row.getList(1));
            assertEquals(byFile.get(file), row.getList(2), file);
        }
    }

    /**
     * A run's own schema with nulls and a wrong shape among good rows (written by Spark with nullable fields): each
     * bad row is a bad record named by its source and index, the rows after it are read, and a null element is
     * never written as a value.
     */
    @Test
    void tensorRowsWithNullsAreBadRecordsAndTheRowsAfterThemAreRead() throws IOException {
        StructType tensor = new StructType().add("shape", DataTypes.createArrayType(DataTypes.IntegerType, true))
                .add("data", DataTypes.createArrayType(DataTypes.FloatType, true));
        StructType schema = new StructType().add("source", DataTypes.StringType).add("index", DataTypes.LongType)
                .add("ordinal", DataTypes.LongType).add("label", DataTypes.IntegerType).add("tensor", tensor);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            List<Integer> shape = List.of(2, 2, 1);
            List<Float> data = List.of(1f, 2f, 3f, 4f);
            Row t = switch (i) {
                case 2 -> RowFactory.create(shape, null);
                case 4 -> null;
                case 5 -> RowFactory.create(null, data);
                case 7 -> RowFactory.create(shape, Arrays.asList(1f, null, 3f, 4f));
                case 8 -> RowFactory.create(List.of(2, 2, 2), data);
                default -> RowFactory.create(shape, data);
            };
            rows.add(RowFactory.create("rows", (long) i, (long) i, null, t));
        }
        Path table = dir.resolve("rows.parquet");
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(table.toString());
        Path layer1 = TestFiles.layer(dir.resolve("one.json"),
                Conv2D.builder(1, 1, 1).useBias(false).build());
        List<String> base = List.of("run", "--input", table.toString(), "--layer", layer1.toString(),
                "--seed", "3", "--progress-seconds", "0");
        List<String> skip = new ArrayList<>(base);
        skip.addAll(List.of("--output", dir.resolve("skip").toString(), "--on-bad-record", "quarantine"));
        CliRunner q = CliRunner.run(skip.toArray(new String[0]));
        assertEquals(0, q.exitCode, q.toString());
        assertTrue(q.out.contains("records: read 10, written 5, rejected 5"), q.out);
        List<Long> written = new ArrayList<>();
        for (Row row : spark.read().parquet(dir.resolve("skip").toString()).select("index").collectAsList()) {
            written.add(row.getLong(0));
        }
        written.sort(null);
        assertEquals(List.of(0L, 1L, 3L, 6L, 9L), written);
        List<Row> rejected = spark.read().json(dir.resolve("skip").resolve("_quarantine").toString())
                .orderBy("index").collectAsList();
        assertEquals(5, rejected.size(), rejected.toString());
        assertEquals("rows", rejected.get(0).getAs("source"));
        assertTrue(rejected.get(3).getAs("reason").toString().contains("null element"), rejected.toString());

        List<String> fail = new ArrayList<>(base);
        fail.addAll(List.of("--output", dir.resolve("fail").toString()));
        CliRunner f = CliRunner.run(fail.toArray(new String[0]));
        assertEquals(1, f.exitCode, f.toString());
        assertTrue(f.err.contains("rows record 2: "), f.err);
    }
}
