package io.sparkconv.spark.ml;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.keras.KerasModelFile;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.spark.HandleInvalid;
import io.sparkconv.spark.InternalRows;
import io.sparkconv.spark.LayerPayload;
import io.sparkconv.spark.RowConvolver;
import io.sparkconv.spark.RowCounters;
import java.util.Arrays;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A Keras {@code Conv2D} layer as a Spark ML {@link Transformer}: appends to each row the convolution of one image
 * column, as a {@link TensorStruct} ({@code struct<shape: array<int>, data: array<float>>}).
 *
 * <p>Input column types: the struct of Spark's image data source ({@code spark.read().format("image")}, BGR(A)
 * bytes 0..255 used as they are, reordered to RGB unless {@code channelOrder} is "BGR"); {@code array<float>},
 * {@code array<double>}, {@code binary} (raw little-endian float32) and ML vectors with {@code inputShape}; and the
 * tensor struct itself, so transformers
 * chain. Arrays, vectors, tensors and the output are laid out in {@code dataFormat} order; the layer computes
 * in its own {@code data_format} and the values are transposed when the two differ.
 *
 * <p>Every check a schema allows is made in {@link #transformSchema}, so a wrong pipeline fails before a job
 * runs. What only the rows can tell (a null, an image of another channel count, a VALID input smaller than the
 * kernel, an array of the wrong length) follows {@code handleInvalid}: "error" fails the job naming the row,
 * "skip" drops the row, "keep" keeps it with a null output. Under skip and keep, an action in which every row
 * the transform processed was invalid logs one WARN line on the driver with the count and the first reason.
 *
 * <p>The layer comes from exactly one of two sources: {@code layerConfig} with {@code weights} (or
 * {@link #setLayer(Conv2D)}), or a Keras model file: {@code kerasModel} (a local .keras/.h5 path, read on the
 * driver with {@link KerasModelFile}, so the file's Keras version picks the layer's semantics) and
 * {@code kerasLayer} (the Conv2D layer's name), plus {@code kerasModelJson} for a weights-only HDF5 file whose
 * model config is a separate JSON file. Giving both sources, or neither, fails in {@link #transformSchema}.
 *
 * <p>Persistence: {@code write().save(path)} stores the params as Spark ML metadata JSON and the weights as a
 * Parquet file under {@code path/data}, never inside the JSON; {@link #load(String)} reads both back. A layer
 * from a Keras model file is saved as its params only (the paths and the layer name): the model file stays the
 * source of the weights, so it must still be there, at the same path, when the loaded transformer runs.
 */
public class Conv2DTransformer extends Conv2DTransformerParams implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    public Conv2DTransformer() {
        this(Identifiable.randomUID("conv2d"));
    }

    /** With a given uid; Spark's copy and load use this constructor. */
    public Conv2DTransformer(String uid) {
        super(uid);
    }

    // ---- setters ----

    // ---- setters and getters ----

    /** The layer from a Keras layer config JSON; parsed now, so a bad config fails here with core's message. */
    public Conv2DTransformer setLayerConfig(String json) {
        Conv2D.fromConfig(json);
        set(layerConfig(), json);
        return this;
    }

    /** The config and weights of a built layer. */
    public Conv2DTransformer setLayer(Conv2D layer) {
        set(layerConfig(), layer.toConfig());
        set(weights(), new Conv2DWeights(layer.kernel(), layer.bias()));
        return this;
    }

    /** Kernel (kh, kw, Cin/groups, filters) in C order and bias (filters values, or null without bias). */
    public Conv2DTransformer setWeights(float[] kernel, float[] bias) {
        set(weights(), new Conv2DWeights(kernel, bias));
        return this;
    }

    public Conv2DTransformer setWeights(Conv2DWeights value) {
        set(weights(), value);
        return this;
    }

    public Conv2DTransformer setInputCol(String value) {
        set(inputCol(), value);
        return this;
    }

    public Conv2DTransformer setOutputCol(String value) {
        set(outputCol(), value);
        return this;
    }

    /** "channels_last" or "channels_first", in any case, as Keras accepts it. */
    public Conv2DTransformer setDataFormat(String value) {
        set(dataFormat(), DataFormat.fromKerasName(value).kerasName());
        return this;
    }

    /** "RGB" or "BGR", in any case. */
    public Conv2DTransformer setChannelOrder(String value) {
        set(channelOrder(), value == null ? null : value.toUpperCase(Locale.ROOT));
        return this;
    }

    public Conv2DTransformer setBatchSize(int value) {
        set(batchSize(), value);
        return this;
    }

    /** "error", "skip" or "keep", in any case. */
    public Conv2DTransformer setHandleInvalid(String value) {
        set(handleInvalid(), value == null ? null : value.toLowerCase(Locale.ROOT));
        return this;
    }

    /** One image's shape in dataFormat order: (height, width, channels) or (channels, height, width). */
    public Conv2DTransformer setInputShape(int... value) {
        set(inputShape(), value);
        return this;
    }

    /** Local path of the Keras model file (.keras or .h5) to take the layer from; read when the schema is checked. */
    public Conv2DTransformer setKerasModel(String path) {
        set(kerasModel(), path);
        return this;
    }

    /** Name of the Conv2D layer in the kerasModel file, e.g. "conv2d". */
    public Conv2DTransformer setKerasLayer(String name) {
        set(kerasLayer(), name);
        return this;
    }

    /** Local path of the model config JSON, for a kerasModel that is a weights-only HDF5 file. */
    public Conv2DTransformer setKerasModelJson(String path) {
        set(kerasModelJson(), path);
        return this;
    }

    // ---- Transformer ----

    @Override
    public Conv2DTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return Conv2DTransformerSchema.outputSchema(this, schema, Conv2DTransformerSchema.resolve(this, schema));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        // Resolved once: a Keras model file is read once per transform(), on the driver.
        Conv2DTransformerSchema.Resolved resolved = Conv2DTransformerSchema.resolve(this, dataset.schema());
        StructType outputSchema = Conv2DTransformerSchema.outputSchema(this, dataset.schema(), resolved);
        JavaSparkContext context = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        Conv2DWeights values = resolved.source().weights();
        // Broadcast once per transform(); executors build the layer once per JVM (ExecutorLayerCache).
        // The layer as resolved here, on the driver (data_format from the driver's keras.json, every default
        // explicit): executors rebuild it from this config and never read a keras.json of their own.
        Broadcast<LayerPayload> layer = context.broadcast(LayerPayload.of(resolved.source().layer(),
                resolved.column().inputChannels(), values.kernelArray(), values.biasArray()));
        // skip and keep count rows, so that an action whose every row was rejected warns on the driver.
        HandleInvalid policy = HandleInvalid.fromParam(getHandleInvalid());
        RowCounters counters = policy == HandleInvalid.ERROR ? null
                : RejectionWarnings.track(context.sc(), uid(), policy);
        RowConvolver convolver = new RowConvolver(layer, resolved.column(), getBatchSize(), 0L, policy,
                "Conv2DTransformer", "Set handleInvalid to \"skip\" to drop such rows or \"keep\" to keep them"
                + " with a null output.", counters, null);
        // Spark's internal rows, not Rows: arrays are read and written as unsafe arrays, with no per-element
        // conversion (the Row encoder boxes every float). The new DataFrame's schema is outputSchema.
        // InternalRows: the same calls on Spark 4 and 3.5.
        RDD<InternalRow> output = InternalRows.of(dataset.toDF()).toJavaRDD().mapPartitions(convolver, true).rdd();
        return InternalRows.toDataFrame(dataset.sparkSession(), output, outputSchema)
                .withMetadata(getOutputCol(), Conv2DTransformerSchema.outputMetadata(resolved));
    }

    // ---- persistence (Conv2DTransformerPersistence) ----

    @Override
    public MLWriter write() {
        return new Conv2DTransformerPersistence.Writer(this);
    }

    /** The reader Spark's Pipeline loading finds by reflection (a static {@code read()}, like a Scala companion). */
    public static MLReader<Conv2DTransformer> read() {
        return new Conv2DTransformerPersistence.Reader();
    }

    public static Conv2DTransformer load(String path) {
        return read().load(path);
    }
}
