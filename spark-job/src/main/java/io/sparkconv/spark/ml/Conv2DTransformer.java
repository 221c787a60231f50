package io.sparkconv.spark.ml;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.spec.Conv2DSpec;
import io.sparkconv.core.keras.KerasModelFile;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.spark.HandleInvalid;
import io.sparkconv.spark.InputColumn;
import io.sparkconv.spark.LayerPayload;
import io.sparkconv.spark.RowConvolver;
import io.sparkconv.spark.RowCounters;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Function1;
import scala.Option;

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
public class Conv2DTransformer extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final String WEIGHTS_DIR = "data";

    private final String uid;
    private final Param<String> layerConfig;
    private final Param<Conv2DWeights> weights;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> dataFormat;
    private final Param<String> channelOrder;
    private final IntParam batchSize;
    private final Param<String> handleInvalid;
    private final IntArrayParam inputShape;
    private final Param<String> kerasModel;
    private final Param<String> kerasLayer;
    private final Param<String> kerasModelJson;

    public Conv2DTransformer() {
        this(Identifiable.randomUID("conv2d"));
    }

    /** With a given uid; Spark's copy and load use this constructor. */
    public Conv2DTransformer(String uid) {
        this.uid = uid;
        // The params are made here, after uid is set: a Param records its parent's uid.
        layerConfig = new Param<>(this, "layerConfig",
                "Keras Conv2D layer config JSON, {\"class_name\": \"Conv2D\", \"config\": {...}}",
                validator((String s) -> s != null && !s.isBlank()));
        weights = new Param<>(this, "weights",
                "kernel (kh, kw, Cin/groups, filters) in C order and bias (filters), or no bias when use_bias is"
                        + " false; saved as data files beside the metadata, not in it",
                validator((Conv2DWeights w) -> w != null)) {
            private static final long serialVersionUID = 1L;

            @Override
            public String jsonEncode(Conv2DWeights value) {
                throw new UnsupportedOperationException(
                        "the weights param is not JSON: the writer stores it as data files under path/data");
            }
        };
        inputCol = new Param<>(this, "inputCol", "input column name: image struct, array<float>, array<double>,"
                + " binary (little-endian float32), vector or tensor struct", validator((String s) -> s != null && !s.isEmpty()));
        outputCol = new Param<>(this, "outputCol", "output column name (a tensor struct)",
                validator((String s) -> s != null && !s.isEmpty()));
        dataFormat = new Param<>(this, "dataFormat", "layout of array, vector and tensor inputs, of inputShape and"
                + " of the output tensor: channels_last (height, width, channels) or channels_first",
                ParamValidators.inArray(List.of("channels_last", "channels_first")));
        channelOrder = new Param<>(this, "channelOrder", "channel order the layer's kernel expects from image"
                + " struct inputs, which Spark's image data source stores BGR(A): RGB reorders them, BGR keeps them;"
                + " other input types are used in their own order", ParamValidators.inArray(List.of("RGB", "BGR")));
        batchSize = new IntParam(this, "batchSize", "images convolved together in one kernel call (>= 1); large"
                + " images get smaller batches so a batch stays within the task's byte budget (a quarter of the"
                + " executor heap's share per task, as the batch job's default --max-batch-bytes)",
                ParamValidators.gtEq(1));
        handleInvalid = new Param<>(this, "handleInvalid", "how to handle rows whose input cannot be convolved:"
                + " error (fail the job), skip (drop the row) or keep (keep the row with a null output)",
                ParamValidators.inArray(List.of(HandleInvalid.NAMES)));
        inputShape = new IntArrayParam(this, "inputShape", "shape of one input image in dataFormat order, 3"
                + " positive values; required for array and vector inputs, optional for images and tensors",
                validator((int[] s) -> s != null && s.length == 3 && Arrays.stream(s).allMatch(d -> d > 0)));

        kerasModel = new Param<>(this, "kerasModel", "local path of a Keras model file (.keras archive or HDF5"
                + " .h5) holding the layer, read on the driver; an alternative to layerConfig and weights, used with"
                + " kerasLayer; saved as the path, the weights are not copied", validator(Conv2DTransformer::notBlank));
        kerasLayer = new Param<>(this, "kerasLayer", "name of the Conv2D layer to run from the kerasModel file",
                validator(Conv2DTransformer::notBlank));
        kerasModelJson = new Param<>(this, "kerasModelJson", "local path of the model config JSON for a kerasModel"
                + " that is a weights-only HDF5 file (model.to_json() beside save_weights)",
                validator(Conv2DTransformer::notBlank));

        setDefault(outputCol, uid + "__output");
        setDefault(dataFormat, DataFormat.CHANNELS_LAST.kerasName());
        setDefault(channelOrder, "RGB");
        setDefault(batchSize, 32);
        setDefault(handleInvalid, HandleInvalid.ERROR.paramValue());
    }

    /** Scala validators from Java lambdas, serializable like Spark's own. */
    private static <T> Function1<T, Object> validator(SerializablePredicate<T> predicate) {
        return (Function1<T, Object> & Serializable) predicate::test;
    }

    private static boolean notBlank(String value) {
        return value != null && !value.isBlank();
    }

    @FunctionalInterface
    private interface SerializablePredicate<T> extends Serializable {
        boolean test(T value);
    }

    // ---- params: Spark finds them by reflection on these public no-argument methods ----

    public Param<String> layerConfig() {
        return layerConfig;
    }

    public Param<Conv2DWeights> weights() {
        return weights;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> dataFormat() {
        return dataFormat;
    }

    public Param<String> channelOrder() {
        return channelOrder;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public Param<String> handleInvalid() {
        return handleInvalid;
    }

    public IntArrayParam inputShape() {
        return inputShape;
    }

    public Param<String> kerasModel() {
        return kerasModel;
    }

    public Param<String> kerasLayer() {
        return kerasLayer;
    }

    public Param<String> kerasModelJson() {
        return kerasModelJson;
    }

    // ---- setters and getters ----

    /** The layer from a Keras layer config JSON; parsed now, so a bad config fails here with core's message. */
    public Conv2DTransformer setLayerConfig(String json) {
        Conv2D.fromConfig(json);
        set(layerConfig, json);
        return this;
    }

    /** The config and weights of a built layer. */
    public Conv2DTransformer setLayer(Conv2D layer) {
        set(layerConfig, layer.toConfig());
        set(weights, new Conv2DWeights(layer.kernel(), layer.bias()));
        return this;
    }

    /** Kernel (kh, kw, Cin/groups, filters) in C order and bias (filters values, or null without bias). */
    public Conv2DTransformer setWeights(float[] kernel, float[] bias) {
        set(weights, new Conv2DWeights(kernel, bias));
        return this;
    }

    public Conv2DTransformer setWeights(Conv2DWeights value) {
        set(weights, value);
        return this;
    }

    public Conv2DTransformer setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    public Conv2DTransformer setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    /** "channels_last" or "channels_first", in any case, as Keras accepts it. */
    public Conv2DTransformer setDataFormat(String value) {
        set(dataFormat, DataFormat.fromKerasName(value).kerasName());
        return this;
    }

    /** "RGB" or "BGR", in any case. */
    public Conv2DTransformer setChannelOrder(String value) {
        set(channelOrder, value == null ? null : value.toUpperCase(Locale.ROOT));
        return this;
    }

    public Conv2DTransformer setBatchSize(int value) {
        set(batchSize, value);
        return this;
    }

    /** "error", "skip" or "keep", in any case. */
    public Conv2DTransformer setHandleInvalid(String value) {
        set(handleInvalid, value == null ? null : value.toLowerCase(Locale.ROOT));
        return this;
    }

    /** One image's shape in dataFormat order: (height, width, channels) or (channels, height, width). */
    public Conv2DTransformer setInputShape(int... value) {
        set(inputShape, value);
        return this;
    }

    /** Local path of the Keras model file (.keras or .h5) to take the layer from; read when the schema is checked. */
    public Conv2DTransformer setKerasModel(String path) {
        set(kerasModel, path);
        return this;
    }

    /** Name of the Conv2D layer in the kerasModel file, e.g. "conv2d". */
    public Conv2DTransformer setKerasLayer(String name) {
        set(kerasLayer, name);
        return this;
    }

    /** Local path of the model config JSON, for a kerasModel that is a weights-only HDF5 file. */
    public Conv2DTransformer setKerasModelJson(String path) {
        set(kerasModelJson, path);
        return this;
    }

    public String getKerasModel() {
        return getOrDefault(kerasModel);
    }

    public String getKerasLayer() {
        return getOrDefault(kerasLayer);
    }

    public String getKerasModelJson() {
        return getOrDefault(kerasModelJson);
    }

    public String getLayerConfig() {
        return getOrDefault(layerConfig);
    }

    public Conv2DWeights getWeights() {
        return getOrDefault(weights);
    }

    public String getInputCol() {
        return getOrDefault(inputCol);
    }

    public String getOutputCol() {
        return getOrDefault(outputCol);
    }

    public String getDataFormat() {
        return getOrDefault(dataFormat);
    }

    public String getChannelOrder() {
        return getOrDefault(channelOrder);
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    public String getHandleInvalid() {
        return getOrDefault(handleInvalid);
    }

    public int[] getInputShape() {
        return getOrDefault(inputShape);
    }

    // ---- Transformer ----

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public Conv2DTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return outputSchema(schema, resolve(schema));
    }

    private StructType outputSchema(StructType schema, Resolved resolved) {
        return schema.add(new StructField(getOutputCol(), TensorStruct.schema(), true, outputMetadata(resolved)));
    }

    /** The output column's metadata: the output shape of one image when the input shape is fixed. */
    private static Metadata outputMetadata(Resolved resolved) {
        if (resolved.column.outputShape() == null) {
            return Metadata.empty();
        }
        long[] shape = Arrays.stream(resolved.column.outputShape()).asLongStream().toArray();
        return new MetadataBuilder().putLongArray("shape", shape)
                .putString("dataFormat", resolved.column.dataFormat().kerasName()).build();
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        // Resolved once: a Keras model file is read once per transform(), on the driver.
        Resolved resolved = resolve(dataset.schema());
        StructType outputSchema = outputSchema(dataset.schema(), resolved);
        JavaSparkContext context = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
        Conv2DWeights values = resolved.source.weights();
        // Broadcast once per transform(); executors build the layer once per JVM (ExecutorLayerCache).
        // The layer as resolved here, on the driver (data_format from the driver's keras.json, every default
        // explicit): executors rebuild it from this config and never read a keras.json of their own.
        Broadcast<LayerPayload> layer = context.broadcast(LayerPayload.of(resolved.source.layer(),
                resolved.column.inputChannels(), values.kernelArray(), values.biasArray()));
        // skip and keep count rows, so that an action whose every row was rejected warns on the driver.
        HandleInvalid policy = HandleInvalid.fromParam(getHandleInvalid());
        RowCounters counters = policy == HandleInvalid.ERROR ? null
                : RejectionWarnings.track(context.sc(), uid, policy);
        RowConvolver convolver = new RowConvolver(layer, resolved.column, getBatchSize(), 0L, policy,
                "Conv2DTransformer", "Set handleInvalid to \"skip\" to drop such rows or \"keep\" to keep them"
                + " with a null output.", counters, null);
        // Spark's internal rows, not Rows: arrays are read and written as unsafe arrays, with no per-element
        // conversion (the Row encoder boxes every float). The new DataFrame's schema is outputSchema.
        org.apache.spark.sql.classic.Dataset<Row> input = (org.apache.spark.sql.classic.Dataset<Row>) dataset.toDF();
        RDD<InternalRow> output = input.queryExecution().toRdd().toJavaRDD().mapPartitions(convolver).rdd();
        org.apache.spark.sql.classic.SparkSession session = input.sparkSession();
        return session.internalCreateDataFrame(output, outputSchema, false)
                .withMetadata(getOutputCol(), outputMetadata(resolved));
    }

    /** What transformSchema found, for transform to hand to the executors. */
    private record Resolved(LayerSource source, InputColumn column) {
    }

    /** Every check a schema allows; throws IllegalArgumentException saying what is wrong and what was expected. */
    private Resolved resolve(StructType schema) {
        LayerSource source = layerSource();
        Conv2D layer = source.layer();
        int inputChannels = inputChannels(layer.spec(), source.weights());
        String column = required(inputCol, "setInputCol(name)");
        InputColumn input;
        try {
            input = InputColumn.resolve(schema, column, isDefined(inputShape) ? getInputShape() : null,
                    DataFormat.fromKerasName(getDataFormat()), "RGB".equals(getChannelOrder()), layer, inputChannels,
                    InputColumn.Wording.TRANSFORMER);
        } catch (IllegalArgumentException e) {
            throw fail(e.getMessage());
        }
        String output = getOutputCol();
        if (Arrays.asList(schema.fieldNames()).contains(output)) {
            throw fail("output column '" + output + "' already exists; choose another with setOutputCol(name)");
        }
        return new Resolved(source, input);
    }

    /**
     * The layer, parsed on the driver, and its weights. Executors get the layer's {@link Conv2D#toConfig()}, which
     * carries the keras_version (so they parse it with the same semantics) and the data_format resolved from
     * keras.json here.
     */
    private record LayerSource(Conv2D layer, Conv2DWeights weights) {
    }

    /** The layer from whichever source is set; both or neither set is an error saying how to set one. */
    private LayerSource layerSource() {
        boolean fromConfig = isDefined(layerConfig) || isDefined(weights);
        boolean fromFile = isDefined(kerasModel) || isDefined(kerasLayer) || isDefined(kerasModelJson);
        if (fromConfig && fromFile) {
            throw fail("the layer is given twice: by " + setNames(layerConfig, weights) + " and by "
                    + setNames(kerasModel, kerasLayer, kerasModelJson) + "; set either setLayerConfig(json) with"
                    + " setWeights(kernel, bias), or setKerasModel(path) with setKerasLayer(name), not both");
        }
        if (!fromConfig && !fromFile) {
            throw fail("no layer is set; call setLayerConfig(json) with setWeights(kernel, bias), setLayer(conv2d),"
                    + " or setKerasModel(path) with setKerasLayer(name)");
        }
        if (fromConfig) {
            String json = required(layerConfig, "setLayerConfig(json)");
            Conv2D layer;
            try {
                layer = Conv2D.fromConfig(json);
            } catch (RuntimeException e) {
                throw fail("layerConfig is not a valid Keras Conv2D layer config: " + e.getMessage());
            }
            return new LayerSource(layer, required(weights, "setWeights(kernel, bias)"));
        }
        String model = required(kerasModel, "setKerasModel(path) with the Keras model file holding kerasLayer");
        String name = required(kerasLayer, "setKerasLayer(name) with the name of a Conv2D layer in " + model);
        Conv2D layer;
        try (KerasModelFile file = isDefined(kerasModelJson)
                ? KerasModelFile.open(java.nio.file.Path.of(model), java.nio.file.Path.of(getKerasModelJson()))
                : KerasModelFile.open(java.nio.file.Path.of(model))) {
            layer = file.conv2dLayer(name).toConv2D();
        } catch (RuntimeException e) {
            throw fail("cannot take Conv2D layer '" + name + "' from kerasModel " + model + ": " + e.getMessage());
        }
        return new LayerSource(layer, new Conv2DWeights(layer.kernel(), layer.bias()));
    }

    private String setNames(Param<?>... params) {
        return Arrays.stream(params).filter(this::isDefined).map(Param::name).collect(Collectors.joining(" and "));
    }

    /** Cin, found from the kernel's size: it has kh * kw * (Cin / groups) * filters values. */
    private int inputChannels(Conv2DSpec spec, Conv2DWeights values) {
        long perChannel = (long) spec.kernelHeight() * spec.kernelWidth() * spec.filters();
        int size = values.kernelSize();
        if (size % perChannel != 0) {
            throw fail("the kernel has " + size + " values, not a multiple of kh * kw * filters = "
                    + spec.kernelHeight() + " * " + spec.kernelWidth() + " * " + spec.filters() + " = " + perChannel
                    + ": expected a kernel of shape (kh, kw, Cin/groups, filters) in C order");
        }
        int inputChannels = Math.toIntExact(size / perChannel * spec.groups());
        if (spec.useBias() && !values.hasBias()) {
            throw fail("the layer has use_bias=true but the weights have no bias: expected " + spec.filters()
                    + " bias values");
        }
        if (spec.useBias() && values.biasSize() != spec.filters()) {
            throw fail("the bias has " + values.biasSize() + " values; expected one per filter: " + spec.filters());
        }
        if (!spec.useBias() && values.hasBias()) {
            throw fail("the layer has use_bias=false but the weights have a bias of " + values.biasSize()
                    + " values: pass null as the bias");
        }
        return inputChannels;
    }

    private <T> T required(Param<T> param, String howToSet) {
        if (!isDefined(param)) {
            throw fail(param.name() + " is not set; call " + howToSet);
        }
        return getOrDefault(param);
    }

    private IllegalArgumentException fail(String message) {
        return new IllegalArgumentException("Conv2DTransformer " + uid + ": " + message);
    }

    // ---- persistence ----

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    /** The reader Spark's Pipeline loading finds by reflection (a static {@code read()}, like a Scala companion). */
    public static MLReader<Conv2DTransformer> read() {
        return new Reader();
    }

    public static Conv2DTransformer load(String path) {
        return read().load(path);
    }

    private static StructType weightsSchema() {
        return new StructType(new StructField[] {
            DataTypes.createStructField("kernel", DataTypes.createArrayType(DataTypes.FloatType, false), false),
            DataTypes.createStructField("bias", DataTypes.createArrayType(DataTypes.FloatType, false), true)
        });
    }

    /** Params as Spark ML metadata JSON (the weights left out), weights as one Parquet row under path/data. */
    private static final class Writer extends MLWriter {
        private final Conv2DTransformer instance;

        Writer(Conv2DTransformer instance) {
            this.instance = instance;
        }

        @Override
        public void saveImpl(String path) {
            Conv2DTransformer withoutWeights = instance.copy(ParamMap.empty());
            withoutWeights.clear(withoutWeights.weights());
            DefaultParamsWriter.saveMetadata(withoutWeights, path, sparkSession());
            if (instance.isDefined(instance.weights())) {
                Conv2DWeights values = instance.getWeights();
                Row row = RowFactory.create(values.kernelArray(), values.biasArray());
                sparkSession().createDataFrame(List.of(row), weightsSchema()).coalesce(1).write()
                        .parquet(new Path(path, WEIGHTS_DIR).toString());
            }
        }
    }

    private static final class Reader extends MLReader<Conv2DTransformer> {
        @Override
        public Conv2DTransformer load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(),
                    Conv2DTransformer.class.getName());
            Conv2DTransformer transformer = new Conv2DTransformer(metadata.uid());
            metadata.getAndSetParams(transformer, Option.empty());
            Path weightsPath = new Path(path, WEIGHTS_DIR);
            try {
                FileSystem fs = weightsPath.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
                if (!fs.exists(weightsPath)) {
                    return transformer;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the weights at " + weightsPath, e);
            }
            Row row = sparkSession().read().schema(weightsSchema()).parquet(weightsPath.toString()).first();
            List<Float> kernel = row.getList(0);
            List<Float> bias = row.isNullAt(1) ? null : row.getList(1);
            transformer.set(transformer.weights(), new Conv2DWeights(toArray(kernel), bias == null ? null
                    : toArray(bias)));
            return transformer;
        }

        private static float[] toArray(List<Float> values) {
            float[] array = new float[values.size()];
            for (int i = 0; i < array.length; i++) {
                array[i] = values.get(i);
            }
            return array;
        }
    }
}
