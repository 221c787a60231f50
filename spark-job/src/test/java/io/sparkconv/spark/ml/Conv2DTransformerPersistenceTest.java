package io.sparkconv.spark.ml;

import static io.sparkconv.spark.ml.MlTestSupport.coreForward;
import static io.sparkconv.spark.ml.MlTestSupport.layerJson;
import static io.sparkconv.spark.ml.MlTestSupport.randomFloats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.core.tensor.FloatTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.param.Param;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Save and load of the transformer alone and inside a Pipeline; a wrong pipeline fails before any job. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Conv2DTransformerPersistenceTest {
    private static final int IMAGES = 5;
    private static final String FIRST = layerJson(4, 3, 3, 1, "same", "channels_last", 1, 1, "relu", true);
    private static final float[] FIRST_KERNEL = randomFloats(3 * 3 * 3 * 4, 91);
    private static final float[] FIRST_BIAS = randomFloats(4, 92);
    private static final String SECOND = layerJson(2, 2, 2, 2, "valid", "channels_last", 1, 2, "linear", false);
    private static final float[] SECOND_KERNEL = randomFloats(2 * 2 * 2 * 2, 93);

    private SparkSession spark;
    @TempDir
    Path dir;

    @BeforeAll
    void startSpark() {
        spark = MlTestSupport.startSpark("Conv2DTransformerPersistenceTest");
    }

    @AfterAll
    void stopSpark() {
        MlTestSupport.stopSpark(spark);
    }

    private static float[] image(int index) {
        return randomFloats(6 * 4 * 3, 300 + index);
    }

    private Dataset<Row> images() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            float[] values = image(i);
            Float[] boxed = new Float[values.length];
            for (int j = 0; j < values.length; j++) {
                boxed[j] = values[j];
            }
            rows.add(RowFactory.create(i, boxed));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("pixels", DataTypes.createArrayType(DataTypes.FloatType, false));
        return spark.createDataFrame(rows, schema);
    }

    private static Conv2DTransformer first() {
        return new Conv2DTransformer().setLayerConfig(FIRST).setWeights(FIRST_KERNEL, FIRST_BIAS)
                .setInputCol("pixels").setOutputCol("hidden").setInputShape(6, 4, 3).setBatchSize(2)
                .setHandleInvalid("keep").setChannelOrder("BGR");
    }

    private static Conv2DTransformer second() {
        return new Conv2DTransformer().setLayerConfig(SECOND).setWeights(SECOND_KERNEL, null).setInputCol("hidden")
                .setOutputCol("features").setBatchSize(3);
    }

    private static float[][] outputs(Dataset<Row> result, String column) {
        return Conv2DTransformerTest.outputsById(result, column, IMAGES, null);
    }

    private static String metadataJson(Path modelPath) throws IOException {
        try (Stream<Path> files = Files.list(modelPath.resolve("metadata"))) {
            List<Path> parts = files.filter(p -> p.getFileName().toString().startsWith("part-")).toList();
            assertEquals(1, parts.size(), parts.toString());
            return Files.readString(parts.get(0));
        }
    }

    private static void assertSameParams(Conv2DTransformer expected, Conv2DTransformer actual) {
        assertEquals(expected.uid(), actual.uid());
        assertEquals(expected.params().length, actual.params().length);
        for (Param<?> param : expected.params()) {
            Param<Object> loaded = actual.getParam(param.name());
            assertEquals(expected.isSet(param), actual.isSet(loaded), param.name());
            assertEquals(expected.isDefined(param), actual.isDefined(loaded), param.name());
            if (expected.isDefined(param)) {
                assertTrue(Objects.deepEquals(expected.getOrDefault(param), actual.getOrDefault(loaded)),
                        param.name());
            }
        }
    }

    @Test
    void saveAndLoadKeepEveryParamAndTheWeightsOutsideTheJson() throws IOException {
        Conv2DTransformer original = first().setDataFormat("channels_last");
        Path path = dir.resolve("conv");
        original.write().save(path.toString());

        String json = metadataJson(path);
        assertTrue(json.contains("\"class\":\"" + Conv2DTransformer.class.getName() + "\""), json);
        for (String name : new String[] {"layerConfig", "inputCol", "outputCol", "inputShape", "batchSize",
                "handleInvalid", "channelOrder", "dataFormat"}) {
            assertTrue(json.contains("\"" + name + "\""), name + " missing from " + json);
        }
        assertFalse(json.contains("\"weights\""), json);
        assertFalse(json.contains(Float.toString(FIRST_KERNEL[0])), json);
        assertFalse(json.contains(Double.toString(FIRST_KERNEL[0])), json);
        assertTrue(json.length() < 3000, "metadata of " + json.length() + " characters");
        try (Stream<Path> files = Files.list(path.resolve("data"))) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().endsWith(".parquet")));
        }

        Conv2DTransformer loaded = Conv2DTransformer.load(path.toString());
        assertSameParams(original, loaded);
        assertEquals(original.getWeights(), loaded.getWeights());
        assertArrayEquals(FIRST_KERNEL, loaded.getWeights().kernel());
        assertArrayEquals(FIRST_BIAS, loaded.getWeights().bias());

        float[][] before = outputs(original.transform(images()), "hidden");
        float[][] after = outputs(loaded.transform(images()), "hidden");
        for (int i = 0; i < IMAGES; i++) {
            assertArrayEquals(before[i], after[i], "image " + i);
            assertArrayEquals(coreForward(FIRST, FIRST_KERNEL, FIRST_BIAS, image(i), new int[] {6, 4, 3},
                    DataFormat.CHANNELS_LAST).data(), after[i], "image " + i);
        }

        assertThrows(IOException.class, () -> original.write().save(path.toString()), "saved over without overwrite");
        Conv2DTransformer withoutBias = second();
        withoutBias.write().overwrite().save(path.toString());
        Conv2DTransformer replaced = Conv2DTransformer.load(path.toString());
        assertSameParams(withoutBias, replaced);
        assertNull(replaced.getWeights().bias());
    }

    @Test
    void aTransformerWithoutWeightsLoadsWithoutWeights() throws IOException {
        Conv2DTransformer unfinished = new Conv2DTransformer().setLayerConfig(FIRST).setInputCol("pixels");
        Path path = dir.resolve("unfinished");
        unfinished.write().save(path.toString());
        Conv2DTransformer loaded = Conv2DTransformer.read().load(path.toString());
        assertSameParams(unfinished, loaded);
        assertFalse(loaded.isDefined(loaded.weights()));
    }

    @Test
    void aPipelineOfTwoConvolutionsRunsSavesAndLoads() throws IOException {
        SQLTransformer select = new SQLTransformer().setStatement("SELECT id, features FROM __THIS__");
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {first(), second(), select});
        PipelineModel model = pipeline.fit(images());
        Dataset<Row> result = model.transform(images());
        assertEquals(List.of("id", "features"), List.of(result.columns()));
        float[][] outputs = outputs(result, "features");
        for (int i = 0; i < IMAGES; i++) {
            FloatTensor hidden = coreForward(FIRST, FIRST_KERNEL, FIRST_BIAS, image(i), new int[] {6, 4, 3},
                    DataFormat.CHANNELS_LAST);
            assertArrayEquals(coreForward(SECOND, SECOND_KERNEL, null, hidden.data(), hidden.shape(),
                    DataFormat.CHANNELS_LAST).data(), outputs[i], "image " + i);
        }

        Path modelPath = dir.resolve("model");
        model.write().save(modelPath.toString());
        PipelineModel loadedModel = PipelineModel.load(modelPath.toString());
        assertInstanceOf(Conv2DTransformer.class, loadedModel.stages()[0]);
        assertSameParams((Conv2DTransformer) model.stages()[1], (Conv2DTransformer) loadedModel.stages()[1]);
        float[][] reloaded = outputs(loadedModel.transform(images()), "features");
        for (int i = 0; i < IMAGES; i++) {
            assertArrayEquals(outputs[i], reloaded[i], "image " + i);
        }

        Path pipelinePath = dir.resolve("pipeline");
        pipeline.write().save(pipelinePath.toString());
        Pipeline loadedPipeline = Pipeline.load(pipelinePath.toString());
        assertSameParams((Conv2DTransformer) pipeline.getStages()[0],
                (Conv2DTransformer) loadedPipeline.getStages()[0]);
        assertEquals(((Conv2DTransformer) pipeline.getStages()[0]).getWeights(),
                ((Conv2DTransformer) loadedPipeline.getStages()[0]).getWeights());
    }

    @Test
    void aWrongPipelineFailsBeforeAnyJobRuns() throws Exception {
        AtomicInteger jobs = new AtomicInteger();
        SparkListener counter = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart jobStart) {
                jobs.incrementAndGet();
            }
        };
        Dataset<Row> input = images();
        spark.sparkContext().addSparkListener(counter);
        try {
            // The second stage reads "hidden" as tensors, but it is given a name the first stage does not write.
            Pipeline wrong = new Pipeline().setStages(new PipelineStage[] {first(), second().setInputCol("hiden")});
            String message = assertThrows(IllegalArgumentException.class, () -> wrong.fit(input)).getMessage();
            assertTrue(message.contains("input column 'hiden' does not exist"), message);
            Conv2DTransformer channels = first().setInputShape(6, 4, 1);
            message = assertThrows(IllegalArgumentException.class, () -> channels.transform(input)).getMessage();
            assertTrue(message.contains("has 1 channels but the layer's kernel"), message);
            spark.sparkContext().listenerBus().waitUntilEmpty();
            assertEquals(0, jobs.get(), "jobs started by a pipeline that cannot run");

            first().transform(input).count();
            spark.sparkContext().listenerBus().waitUntilEmpty();
            assertTrue(jobs.get() > 0, "the listener sees jobs");
        } finally {
            spark.sparkContext().removeSparkListener(counter);
        }
    }
}
