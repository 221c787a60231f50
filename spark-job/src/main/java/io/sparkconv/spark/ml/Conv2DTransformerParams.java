package io.sparkconv.spark.ml;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.spark.HandleInvalid;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import scala.Function1;

/**
 * The params of {@link Conv2DTransformer}, each with its validator and default: what a layer, its input column
 * and its output are. Spark finds them by reflection on the public no-argument methods returning a Param.
 */
public abstract class Conv2DTransformerParams extends Transformer {
    private static final long serialVersionUID = 1L;

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

    /** Makes the params of the transformer {@code uid}, with their defaults. */
    protected Conv2DTransformerParams(String uid) {
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
                + " kerasLayer; saved as the path, the weights are not copied", validator(Conv2DTransformerParams::notBlank));
        kerasLayer = new Param<>(this, "kerasLayer", "name of the Conv2D layer to run from the kerasModel file",
                validator(Conv2DTransformerParams::notBlank));
        kerasModelJson = new Param<>(this, "kerasModelJson", "local path of the model config JSON for a kerasModel"
                + " that is a weights-only HDF5 file (model.to_json() beside save_weights)",
                validator(Conv2DTransformerParams::notBlank));

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

    // ---- getters ----

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

    @Override
    public String uid() {
        return uid;
    }
}
