package io.sparkconv.spark.ml;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.core.tensor.Layouts;
import java.util.Random;
import io.sparkconv.spark.SparkSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Shared set-up of the ML transformer tests: the Spark session, layer configs, random data, the core reference. */
final class MlTestSupport {
    private MlTestSupport() {
    }

    /** A local[2] session with the job's Kryo settings: our registrator and registration required. */
    static SparkSession startSpark(String appName) {
        // A session left by another test class would be returned with its own serializer settings.
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
        SparkConf conf = SparkSettings.withKryo(new SparkConf(false)
                .setMaster("local[2]")
                .setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set("spark.sql.shuffle.partitions", "2")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1"));
        return SparkSession.builder().config(conf).getOrCreate();
    }

    static void stopSpark(SparkSession spark) {
        spark.stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    /** A Keras 2 Conv2D layer config (the form with "groups"). */
    static String layerJson(int filters, int kernelHeight, int kernelWidth, int stride, String padding,
            String dataFormat, int dilation, int groups, String activation, boolean useBias) {
        return "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d\", \"trainable\": true,"
                + " \"dtype\": \"float32\", \"filters\": " + filters + ", \"kernel_size\": [" + kernelHeight + ", "
                + kernelWidth + "], \"strides\": [" + stride + ", " + stride + "], \"padding\": \"" + padding
                + "\", \"data_format\": \"" + dataFormat + "\", \"dilation_rate\": [" + dilation + ", " + dilation
                + "], \"groups\": " + groups + ", \"activation\": \"" + activation + "\", \"use_bias\": " + useBias
                + ", \"kernel_initializer\": {\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": null}},"
                + " \"bias_initializer\": {\"class_name\": \"Zeros\", \"config\": {}},"
                + " \"kernel_regularizer\": null, \"bias_regularizer\": null, \"activity_regularizer\": null,"
                + " \"kernel_constraint\": null, \"bias_constraint\": null}}";
    }

    /** Uniform values in [-1, 1) without zeros, reproducible from the seed. */
    static float[] randomFloats(int count, long seed) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            float v;
            do {
                v = random.nextFloat() * 2f - 1f;
            } while (v == 0f);
            values[i] = v;
        }
        return values;
    }

    /**
     * The core layer's forward pass on one image given in {@code imageFormat} order, the result returned in the
     * same order: the reference the Spark results must equal.
     */
    static FloatTensor coreForward(String layerJson, float[] kernel, float[] bias, float[] image, int[] shape,
            DataFormat imageFormat) {
        Conv2D layer = Conv2D.fromConfig(layerJson);
        layer.setWeights(kernel, bias);
        DataFormat layerFormat = layer.spec().dataFormat();
        FloatTensor x = new FloatTensor(image.clone(), 1, shape[0], shape[1], shape[2]);
        if (imageFormat != layerFormat) {
            x = imageFormat == DataFormat.CHANNELS_LAST ? Layouts.toChannelsFirst(x) : Layouts.toChannelsLast(x);
        }
        FloatTensor y = layer.forward(x);
        if (imageFormat != layerFormat) {
            y = imageFormat == DataFormat.CHANNELS_LAST ? Layouts.toChannelsLast(y) : Layouts.toChannelsFirst(y);
        }
        int[] s = y.shape();
        return new FloatTensor(y.data(), s[1], s[2], s[3]);
    }
}
