package io.sparkconv.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.config.KerasJsonDefaults;
import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.spark.ExecutorLayerCache;
import io.sparkconv.spark.LayerPayload;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.spark.SparkTestSupport;
import io.sparkconv.spark.ml.Conv2DTransformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layer is resolved on the driver: executors in other JVMs whose KERAS_HOME holds a keras.json with the
 * other image_data_format build the layer with the driver's data_format from the broadcast, and the
 * transformer's output equals local mode's, for a layer config that leaves data_format to keras.json.
 */
class ExecutorKerasJsonIT {
    private static final String LAYER_WITHOUT_DATA_FORMAT = "{\"class_name\": \"Conv2D\", \"config\": {\"name\":"
            + " \"conv2d\", \"filters\": 3, \"kernel_size\": [3, 3], \"strides\": [1, 1], \"padding\": \"valid\","
            + " \"activation\": \"linear\", \"use_bias\": true}}";

    @TempDir
    Path dir;

    @Test
    void executorsWithAnotherKerasJsonComputeTheDriversLayer() throws IOException {
        MultiJvmSupport.sparkHome();
        DataFormat driverFormat = KerasJsonDefaults.fromSystem().imageDataFormat();
        DataFormat other = driverFormat == DataFormat.CHANNELS_LAST ? DataFormat.CHANNELS_FIRST
                : DataFormat.CHANNELS_LAST;
        Path executorKerasHome = Files.createDirectories(dir.resolve("executor-keras"));
        Files.writeString(executorKerasHome.resolve("keras.json"), "{\"image_data_format\": \"" + other.kerasName()
                + "\", \"backend\": \"tensorflow\", \"floatx\": \"float32\", \"epsilon\": 1e-07}");

        SplittableRandom random = new SplittableRandom(15);
        float[] kernel = floats(random, 3 * 3 * 2 * 3);
        float[] bias = floats(random, 3);
        List<Row> rows = new ArrayList<>();
        for (long id = 0; id < 12; id++) {
            rows.add(RowFactory.create(id, floats(random, 7 * 6 * 2)));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("image", DataTypes.createArrayType(DataTypes.FloatType, false), false);

        List<Row> local = convolve(SparkTestSupport.conf("local[2]", "ExecutorKerasJsonIT-local"), rows, schema,
                kernel, bias);
        SparkConf cluster = SparkTestSupport.conf("local-cluster[2,1,1024]", "ExecutorKerasJsonIT")
                .set("spark.executor.extraClassPath", MultiJvmSupport.testClassPath())
                .set("spark.executor.extraJavaOptions", MultiJvmSupport.jvmOptionsLine())
                .set("spark.executor.memory", "512m")
                .set("spark.executorEnv.KERAS_HOME", executorKerasHome.toString());
        List<String> executorView = executorView(cluster, kernel, bias);
        List<Row> clustered = convolve(cluster, rows, schema, kernel, bias);

        // The setup takes effect: an executor resolving by itself would get the other format ...
        assertTrue(executorView.stream().allMatch(v -> v.startsWith(other.kerasName() + " ")), executorView.toString());
        // ... yet the layer it builds from the broadcast has the driver's.
        assertTrue(executorView.stream().allMatch(v -> v.endsWith(" " + driverFormat.kerasName())),
                executorView.toString());
        assertFalse(executorView.isEmpty());

        assertEquals(12, local.size());
        assertEquals(local.size(), clustered.size());
        for (int i = 0; i < local.size(); i++) {
            assertEquals(local.get(i).getLong(0), clustered.get(i).getLong(0));
            Row a = local.get(i).getStruct(2);
            Row b = clustered.get(i).getStruct(2);
            assertEquals(a.getList(0), b.getList(0), "output shape of row " + i);
            assertEquals(a.getList(1), b.getList(1), "output values of row " + i);
        }
        assertFalse(local.get(0).getStruct(2).getList(1).isEmpty());
    }

    /** Per partition: the data_format keras.json gives in the executor JVM, then that of the broadcast layer. */
    private static List<String> executorView(SparkConf conf, float[] kernel, float[] bias) {
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Conv2D layer = Conv2D.fromConfig(LAYER_WITHOUT_DATA_FORMAT);
            Broadcast<LayerPayload> payload = sc.broadcast(LayerPayload.of(layer, 2, kernel, bias));
            return sc.parallelize(List.of(1, 2, 3, 4), 4).map(i -> KerasJsonDefaults.fromSystem().imageDataFormat()
                    .kerasName() + " " + ExecutorLayerCache.layerFor(payload, null).spec().dataFormat().kerasName())
                    .collect();
        } finally {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
    }

    private static List<Row> convolve(SparkConf conf, List<Row> rows, StructType schema, float[] kernel,
            float[] bias) {
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        try {
            Dataset<Row> input = spark.createDataFrame(rows, schema).repartition(4);
            Conv2DTransformer conv = new Conv2DTransformer().setLayerConfig(LAYER_WITHOUT_DATA_FORMAT)
                    .setWeights(kernel, bias).setInputCol("image").setOutputCol("features").setInputShape(7, 6, 2);
            return conv.transform(input).orderBy("id").collectAsList();
        } finally {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
    }

    private static float[] floats(SplittableRandom random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextDouble(-1, 1);
        }
        return values;
    }
}
