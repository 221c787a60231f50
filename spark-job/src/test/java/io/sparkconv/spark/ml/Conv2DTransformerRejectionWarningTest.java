package io.sparkconv.spark.ml;

import static io.sparkconv.spark.ml.MlTestSupport.layerJson;
import static io.sparkconv.spark.ml.MlTestSupport.randomFloats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * handleInvalid skip and keep: an action in which every row was rejected logs one WARN line on the driver with the
 * count and the first reason; an action in which some row passed logs none. The driver's real log4j2 output is
 * captured by an appender on the transformer's logger.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Conv2DTransformerRejectionWarningTest {
    private static final String SAME = layerJson(2, 3, 3, 1, "same", "channels_last", 1, 1, "linear", true);
    private static final float[] RGB_KERNEL = randomFloats(3 * 3 * 3 * 2, 71);
    private static final float[] GRAY_KERNEL = randomFloats(3 * 3 * 2, 72);
    private static final float[] BIAS = randomFloats(2, 73);
    private static final int HEIGHT = 4;
    private static final int WIDTH = 4;

    private SparkSession spark;
    private CapturingAppender appender;
    private Logger logger;
    private Level level;
    @TempDir
    Path dir;

    /** Keeps the formatted message of every event logged through it. */
    private static final class CapturingAppender extends AbstractAppender {
        final List<String> messages = Collections.synchronizedList(new ArrayList<>());

        CapturingAppender() {
            super("rejection-warnings", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            messages.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
        }
    }

    @BeforeAll
    void startSpark() {
        spark = MlTestSupport.startSpark("Conv2DTransformerRejectionWarningTest");
    }

    @AfterAll
    void stopSpark() {
        MlTestSupport.stopSpark(spark);
    }

    @BeforeEach
    void captureLog() {
        appender = new CapturingAppender();
        appender.start();
        logger = (Logger) LogManager.getLogger(Conv2DTransformer.class);
        logger.addAppender(appender);
        level = logger.getLevel();
        logger.setLevel(Level.INFO);
    }

    @AfterEach
    void stopCapturing() {
        logger.removeAppender(appender);
        logger.setLevel(level);
        appender.stop();
    }

    /** The warnings logged so far, once the listener has seen every event of the actions run. */
    private List<String> warnings() throws java.util.concurrent.TimeoutException {
        spark.sparkContext().listenerBus().waitUntilEmpty();
        synchronized (appender.messages) {
            return appender.messages.stream().filter(m -> m.startsWith("WARN ")).toList();
        }
    }

    /** Rows (id, pixels): a (4, 4, 3) image as 48 floats, or 5 floats where {@code invalid} says so. */
    private Dataset<Row> arrays(int rows, int partitions, java.util.function.IntPredicate invalid) {
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("pixels", DataTypes.createArrayType(DataTypes.FloatType, false));
        List<Row> data = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            float[] values = randomFloats(invalid.test(i) ? 5 : HEIGHT * WIDTH * 3, i);
            List<Float> boxed = new ArrayList<>();
            for (float v : values) {
                boxed.add(v);
            }
            data.add(RowFactory.create(i, boxed.toArray(new Float[0])));
        }
        return spark.createDataFrame(data, schema).repartition(partitions).sortWithinPartitions("id");
    }

    private static Conv2DTransformer rgbTransformer(String handleInvalid) {
        return new Conv2DTransformer().setLayerConfig(SAME).setWeights(RGB_KERNEL, BIAS).setInputCol("pixels")
                .setOutputCol("features").setInputShape(HEIGHT, WIDTH, 3).setBatchSize(4)
                .setHandleInvalid(handleInvalid);
    }

    @Test
    void skipRejectingEveryRowWarnsOnceWithTheCountAndTheFirstReason() throws Exception {
        Dataset<Row> result = rgbTransformer("skip").transform(arrays(32, 1, i -> true));
        assertEquals(0, result.count());
        List<String> warnings = warnings();
        assertEquals(1, warnings.size(), warnings.toString());
        String warning = warnings.get(0);
        assertTrue(warning.matches("WARN Conv2DTransformer conv2d_\\w+: rejected all 32 rows of the action"
                + " \\(handleInvalid skip: none is in the output\\); first: partition 0, row 0: the array<float>"
                + " has 5 values but inputShape \\[4, 4, 3\\] needs 48"), warning);
        assertEquals(1, warning.lines().count(), warning);
    }

    @Test
    void anActionOfSeveralJobsWarnsOnceForAllItsRows() throws Exception {
        // take(1) finds no row in the first partition and runs a second job over the other three: one action.
        Dataset<Row> result = rgbTransformer("skip").transform(arrays(32, 4, i -> true));
        assertEquals(0, result.takeAsList(1).size());
        List<String> warnings = warnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(": rejected all 32 rows of the action (handleInvalid skip"),
                warnings.get(0));
        // Each action is checked by itself: a second one warns again.
        assertEquals(0, result.count());
        assertEquals(2, warnings().size());
    }

    @Test
    void keepWarnsWhenEveryOutputIsNull() throws Exception {
        Dataset<Row> result = rgbTransformer("keep").transform(arrays(20, 2, i -> true));
        assertEquals(20, result.filter("features is null").count());
        List<String> warnings = warnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(": rejected all 20 rows of the action (handleInvalid keep: every output"
                + " is null); first: partition 0, row 0: the array<float> has 5 values"), warnings.get(0));
    }

    @Test
    void noWarningWhenSomeRowPasses() throws Exception {
        // One valid row in 32; the others are rejected.
        Dataset<Row> skipped = rgbTransformer("skip").transform(arrays(32, 4, i -> i != 31));
        assertEquals(1, skipped.count());
        Dataset<Row> kept = rgbTransformer("keep").transform(arrays(32, 4, i -> i != 31));
        assertEquals(31, kept.filter("features is null").count());
        List<Row> rows = kept.collectAsList();
        assertEquals(32, rows.size());
        assertEquals(List.of(), warnings());
    }

    @Test
    void rgbImagesWithAGrayKernelWarnNamingTheImageAndBothChannelCounts() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("rgb"));
        for (int i = 0; i < 3; i++) {
            BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
            image.setRGB(i, i, 0x336699);
            ImageIO.write(image, "png", folder.resolve("img" + i + ".png").toFile());
        }
        Dataset<Row> images = spark.read().format("image").load(folder.toString()).coalesce(1);
        Conv2DTransformer gray = new Conv2DTransformer().setLayerConfig(SAME).setWeights(GRAY_KERNEL, BIAS)
                .setInputCol("image").setOutputCol("features").setHandleInvalid("skip");
        assertEquals(List.of(), gray.transform(images).collectAsList());
        List<String> warnings = warnings();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).matches("WARN Conv2DTransformer conv2d_\\w+: rejected all 3 rows of the action"
                + " \\(handleInvalid skip: none is in the output\\); first: partition 0, row 0 \\(image origin"
                + " file:\\S+/img\\d\\.png\\): the input has 3 channel\\(s\\) but the layer's kernel expects 1"),
                warnings.get(0));
    }
}
