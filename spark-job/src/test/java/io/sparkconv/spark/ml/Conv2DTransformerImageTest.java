package io.sparkconv.spark.ml;

import static io.sparkconv.spark.ml.MlTestSupport.coreForward;
import static io.sparkconv.spark.ml.MlTestSupport.layerJson;
import static io.sparkconv.spark.ml.MlTestSupport.randomFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.tensor.DataFormat;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * PNG files written by ImageIO, read by Spark's image data source (BGR bytes), convolved by the transformer:
 * equal to the core layer on the pixels as ImageIO sees them, in the channel order asked for.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Conv2DTransformerImageTest {
    private static final String SAME_RELU = layerJson(4, 3, 3, 1, "same", "channels_last", 1, 1, "relu", true);
    private static final float[] KERNEL = randomFloats(3 * 3 * 3 * 4, 51);
    private static final float[] BIAS = randomFloats(4, 52);

    private SparkSession spark;
    @TempDir
    Path dir;

    @BeforeAll
    void startSpark() {
        spark = MlTestSupport.startSpark("Conv2DTransformerImageTest");
    }

    @AfterAll
    void stopSpark() {
        MlTestSupport.stopSpark(spark);
    }

    /** A PNG of random pixels; returns its (h, w, c) values in R, G, B(, A) order as ImageIO reads them. */
    private static float[] writePng(Path file, int width, int height, int type, long seed) throws IOException {
        BufferedImage image = new BufferedImage(width, height, type);
        Random random = new Random(seed);
        boolean gray = type == BufferedImage.TYPE_BYTE_GRAY;
        boolean alpha = type == BufferedImage.TYPE_INT_ARGB;
        int channels = gray ? 1 : alpha ? 4 : 3;
        float[] values = new float[height * width * channels];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int offset = (y * width + x) * channels;
                if (gray) {
                    int v = 1 + random.nextInt(255);
                    image.getRaster().setSample(x, y, 0, v);
                    values[offset] = v;
                } else {
                    int r = random.nextInt(256);
                    int g = random.nextInt(256);
                    int b = random.nextInt(256);
                    int a = alpha ? 1 + random.nextInt(255) : 255;
                    image.setRGB(x, y, a << 24 | r << 16 | g << 8 | b);
                    values[offset] = r;
                    values[offset + 1] = g;
                    values[offset + 2] = b;
                    if (alpha) {
                        values[offset + 3] = a;
                    }
                }
            }
        }
        assertTrue(ImageIO.write(image, "png", file.toFile()), "no PNG writer");
        return values;
    }

    /** (h, w, c) values with the first and third channel swapped: R, G, B(, A) to B, G, R(, A). */
    private static float[] swapRedBlue(float[] values, int channels) {
        float[] swapped = values.clone();
        for (int p = 0; p < values.length; p += channels) {
            swapped[p] = values[p + 2];
            swapped[p + 2] = values[p];
        }
        return swapped;
    }

    private Dataset<Row> readImages(Path folder) {
        return spark.read().format("image").load(folder.toString());
    }

    private static String fileName(Row row) {
        String origin = row.getStruct(0).getString(0);
        return origin.substring(origin.lastIndexOf('/') + 1);
    }

    /** Output tensors by file name, read from (image, output) rows; null outputs kept as null. */
    private static Map<String, Row> outputsByFile(Dataset<Row> result, String outputCol) {
        Map<String, Row> outputs = new HashMap<>();
        for (Row row : result.select("image", outputCol).collectAsList()) {
            outputs.put(fileName(row), row.isNullAt(1) ? null : row.getStruct(1));
        }
        return outputs;
    }

    private static float[] data(Row tensor) {
        List<Float> values = tensor.getList(1);
        float[] array = new float[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
    }

    private static int[] shape(Row tensor) {
        List<Integer> values = tensor.getList(0);
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void rgbPngsOfSeveralSizesEqualCoreForwardInBothChannelOrders() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("rgb"));
        int[][] sizes = {{6, 5}, {4, 7}, {6, 5}, {3, 3}};
        Map<String, float[]> pixels = new HashMap<>();
        for (int i = 0; i < sizes.length; i++) {
            String name = "img" + i + ".png";
            pixels.put(name, writePng(folder.resolve(name), sizes[i][0], sizes[i][1], BufferedImage.TYPE_INT_RGB,
                    60 + i));
        }
        // One partition, batches of 2: images of different sizes meet in one task and split batches.
        Dataset<Row> images = readImages(folder).coalesce(1);
        for (String order : new String[] {"RGB", "BGR"}) {
            Conv2DTransformer transformer = new Conv2DTransformer().setLayerConfig(SAME_RELU)
                    .setWeights(KERNEL, BIAS).setInputCol("image").setOutputCol("features").setBatchSize(2)
                    .setChannelOrder(order);
            Map<String, Row> outputs = outputsByFile(transformer.transform(images), "features");
            assertEquals(sizes.length, outputs.size());
            for (int i = 0; i < sizes.length; i++) {
                String name = "img" + i + ".png";
                int[] inputShape = {sizes[i][1], sizes[i][0], 3};
                float[] input = order.equals("RGB") ? pixels.get(name) : swapRedBlue(pixels.get(name), 3);
                float[] expected = coreForward(SAME_RELU, KERNEL, BIAS, input, inputShape,
                        DataFormat.CHANNELS_LAST).data();
                Row tensor = outputs.get(name);
                assertNotNull(tensor, name);
                assertArrayEquals(new int[] {sizes[i][1], sizes[i][0], 4}, shape(tensor), name);
                assertArrayEquals(expected, data(tensor), order + " " + name);
            }
        }
    }

    /** An identity 1x1 layer shows the channels as the kernel receives them. */
    @Test
    void aRedImageIsRedInRgbOrderAndBlueFirstInBgrOrder() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("red"));
        BufferedImage red = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                red.setRGB(x, y, 0xFF0000);
            }
        }
        assertTrue(ImageIO.write(red, "png", folder.resolve("red.png").toFile()));
        float[] identity = new float[3 * 3];
        for (int c = 0; c < 3; c++) {
            identity[c * 3 + c] = 1f;
        }
        String layer = layerJson(3, 1, 1, 1, "valid", "channels_last", 1, 1, "linear", false);
        Conv2DTransformer transformer = new Conv2DTransformer().setLayerConfig(layer).setWeights(identity, null)
                .setInputCol("image").setOutputCol("channels");
        Dataset<Row> images = readImages(folder);
        assertEquals("RGB", transformer.getChannelOrder());
        float[] rgb = data(outputsByFile(transformer.transform(images), "channels").get("red.png"));
        float[] bgr = data(outputsByFile(transformer.setChannelOrder("BGR").transform(images), "channels")
                .get("red.png"));
        assertEquals(3 * 2 * 3, rgb.length);
        for (int p = 0; p < 6; p++) {
            assertArrayEquals(new float[] {255f, 0f, 0f}, new float[] {rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]});
            assertArrayEquals(new float[] {0f, 0f, 255f}, new float[] {bgr[3 * p], bgr[3 * p + 1], bgr[3 * p + 2]});
        }
    }

    @Test
    void grayscaleAndRgbaPngsEqualCoreForward() throws IOException {
        Path grayFolder = Files.createDirectory(dir.resolve("gray"));
        Path rgbaFolder = Files.createDirectory(dir.resolve("rgba"));
        float[] gray = writePng(grayFolder.resolve("g.png"), 5, 4, BufferedImage.TYPE_BYTE_GRAY, 70);
        float[] rgba = writePng(rgbaFolder.resolve("a.png"), 4, 5, BufferedImage.TYPE_INT_ARGB, 71);

        String grayLayer = layerJson(2, 2, 2, 1, "valid", "channels_last", 1, 1, "linear", true);
        float[] grayKernel = randomFloats(2 * 2 * 1 * 2, 72);
        float[] grayBias = randomFloats(2, 73);
        Row grayOut = outputsByFile(new Conv2DTransformer().setLayerConfig(grayLayer).setWeights(grayKernel, grayBias)
                .setInputCol("image").setOutputCol("out").transform(readImages(grayFolder)), "out").get("g.png");
        assertArrayEquals(coreForward(grayLayer, grayKernel, grayBias, gray, new int[] {4, 5, 1},
                DataFormat.CHANNELS_LAST).data(), data(grayOut));

        // A channels_first layer on an interleaved image: transposed in, and the output asked channels_first too.
        String rgbaLayer = layerJson(3, 3, 3, 2, "same", "channels_first", 1, 1, "linear", true);
        float[] rgbaKernel = randomFloats(3 * 3 * 4 * 3, 74);
        float[] rgbaBias = randomFloats(3, 75);
        Row rgbaOut = outputsByFile(new Conv2DTransformer().setLayerConfig(rgbaLayer).setWeights(rgbaKernel, rgbaBias)
                .setInputCol("image").setOutputCol("out").setDataFormat("channels_first")
                .transform(readImages(rgbaFolder)), "out").get("a.png");
        float[] expectedLast = coreForward(rgbaLayer, rgbaKernel, rgbaBias, rgba, new int[] {5, 4, 4},
                DataFormat.CHANNELS_LAST).data();
        float[] expectedFirst = new float[expectedLast.length];
        io.sparkconv.core.tensor.Layouts.nhwcToNchw(expectedLast, 0, expectedFirst, 0, 1, 3, 3, 2);
        assertArrayEquals(new int[] {3, 3, 2}, shape(rgbaOut));
        assertArrayEquals(expectedFirst, data(rgbaOut));
    }

    @Test
    void invalidImagesFollowHandleInvalid() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("mixed"));
        for (int i = 0; i < 3; i++) {
            writePng(folder.resolve("good" + i + ".png"), 6, 6, BufferedImage.TYPE_INT_RGB, 80 + i);
        }
        writePng(folder.resolve("gray.png"), 6, 6, BufferedImage.TYPE_BYTE_GRAY, 84);
        writePng(folder.resolve("tiny.png"), 2, 2, BufferedImage.TYPE_INT_RGB, 85);
        Files.writeString(folder.resolve("broken.png"), "not a PNG", StandardCharsets.US_ASCII);
        Dataset<Row> images = readImages(folder);
        assertEquals(6, images.count());

        String valid = layerJson(2, 3, 3, 1, "valid", "channels_last", 1, 1, "relu", true);
        Conv2DTransformer transformer = new Conv2DTransformer().setLayerConfig(valid)
                .setWeights(randomFloats(3 * 3 * 3 * 2, 86), randomFloats(2, 87)).setInputCol("image")
                .setOutputCol("out").setBatchSize(2);

        Map<String, Row> skipped = outputsByFile(transformer.setHandleInvalid("skip").transform(images), "out");
        assertEquals(new TreeSet<>(List.of("good0.png", "good1.png", "good2.png")), new TreeSet<>(skipped.keySet()));
        skipped.values().forEach(tensor -> assertArrayEquals(new int[] {4, 4, 2}, shape(tensor)));

        Map<String, Row> kept = outputsByFile(transformer.setHandleInvalid("keep").transform(images), "out");
        assertEquals(6, kept.size());
        TreeSet<String> nulls = new TreeSet<>();
        kept.forEach((name, tensor) -> {
            if (tensor == null) {
                nulls.add(name);
            }
        });
        assertEquals(new TreeSet<>(List.of("broken.png", "gray.png", "tiny.png")), nulls);

        Dataset<Row> failing = transformer.setHandleInvalid("error").transform(images);
        String message = Conv2DTransformerTest.rootMessage(assertThrows(Exception.class, failing::collectAsList));
        assertTrue(message.contains("invalid value in input column 'image' (image origin file:"), message);
        assertTrue(message.matches("(?s).*(could not be decoded|1 channel\\(s\\) but the layer's kernel expects 3"
                + "|cannot convolve an input of \\(height 2, width 2, channels 3\\)).*"), message);
    }
}
