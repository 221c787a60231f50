package io.sparkconv.spark.ml;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.spec.Conv2DSpec;
import io.sparkconv.core.keras.KerasModelFile;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.spark.InputColumn;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * {@link Conv2DTransformer}'s schema: every check a schema allows, made on the driver by transformSchema (and again
 * by transform), so a wrong pipeline fails before a job runs; and the output column it appends.
 */
final class Conv2DTransformerSchema {
    private Conv2DTransformerSchema() {
    }

    static StructType outputSchema(Conv2DTransformer t, StructType schema, Resolved resolved) {
        return schema.add(new StructField(t.getOutputCol(), TensorStruct.schema(), true, outputMetadata(resolved)));
    }

    /** The output column's metadata: the output shape of one image when the input shape is fixed. */
    static Metadata outputMetadata(Resolved resolved) {
        if (resolved.column.outputShape() == null) {
            return Metadata.empty();
        }
        long[] shape = Arrays.stream(resolved.column.outputShape()).asLongStream().toArray();
        return new MetadataBuilder().putLongArray("shape", shape)
                .putString("dataFormat", resolved.column.dataFormat().kerasName()).build();
    }

    /** What transformSchema found, for transform to hand to the executors. */
    record Resolved(LayerSource source, InputColumn column) {
    }

    /** Every check a schema allows; throws IllegalArgumentException saying what is wrong and what was expected. */
    static Resolved resolve(Conv2DTransformer t, StructType schema) {
        LayerSource source = layerSource(t);
        Conv2D layer = source.layer();
        int inputChannels = inputChannels(t, layer.spec(), source.weights());
        String column = required(t, t.inputCol(), "setInputCol(name)");
        InputColumn input;
        try {
            input = InputColumn.resolve(schema, column, t.isDefined(t.inputShape()) ? t.getInputShape() : null,
                    DataFormat.fromKerasName(t.getDataFormat()), "RGB".equals(t.getChannelOrder()), layer, inputChannels,
                    InputColumn.Wording.TRANSFORMER);
        } catch (IllegalArgumentException e) {
            throw fail(t, e.getMessage());
        }
        String output = t.getOutputCol();
        if (Arrays.asList(schema.fieldNames()).contains(output)) {
            throw fail(t, "output column '" + output + "' already exists; choose another with setOutputCol(name)");
        }
        return new Resolved(source, input);
    }

    /**
     * The layer, parsed on the driver, and its weights. Executors get the layer's {@link Conv2D#toConfig()}, which
     * carries the keras_version (so they parse it with the same semantics) and the data_format resolved from
     * keras.json here.
     */
    record LayerSource(Conv2D layer, Conv2DWeights weights) {
    }

    /** The layer from whichever source is set; both or neither set is an error saying how to set one. */
    private static LayerSource layerSource(Conv2DTransformer t) {
        boolean fromConfig = t.isDefined(t.layerConfig()) || t.isDefined(t.weights());
        boolean fromFile = t.isDefined(t.kerasModel()) || t.isDefined(t.kerasLayer()) || t.isDefined(t.kerasModelJson());
        if (fromConfig && fromFile) {
            throw fail(t, "the layer is given twice: by " + setNames(t, t.layerConfig(), t.weights()) + " and by "
                    + setNames(t, t.kerasModel(), t.kerasLayer(), t.kerasModelJson()) + "; set either setLayerConfig(json) with"
                    + " setWeights(kernel, bias), or setKerasModel(path) with setKerasLayer(name), not both");
        }
        if (!fromConfig && !fromFile) {
            throw fail(t, "no layer is set; call setLayerConfig(json) with setWeights(kernel, bias), setLayer(conv2d),"
                    + " or setKerasModel(path) with setKerasLayer(name)");
        }
        if (fromConfig) {
            String json = required(t, t.layerConfig(), "setLayerConfig(json)");
            Conv2D layer;
            try {
                layer = Conv2D.fromConfig(json);
            } catch (RuntimeException e) {
                throw fail(t, "layerConfig is not a valid Keras Conv2D layer config: " + e.getMessage());
            }
            return new LayerSource(layer, required(t, t.weights(), "setWeights(kernel, bias)"));
        }
        String model = required(t, t.kerasModel(), "setKerasModel(path) with the Keras model file holding kerasLayer");
        String name = required(t, t.kerasLayer(), "setKerasLayer(name) with the name of a Conv2D layer in " + model);
        Conv2D layer;
        try (KerasModelFile file = t.isDefined(t.kerasModelJson())
                ? KerasModelFile.open(java.nio.file.Path.of(model), java.nio.file.Path.of(t.getKerasModelJson()))
                : KerasModelFile.open(java.nio.file.Path.of(model))) {
            layer = file.conv2dLayer(name).toConv2D();
        } catch (RuntimeException e) {
            throw fail(t, "cannot take Conv2D layer '" + name + "' from kerasModel " + model + ": " + e.getMessage());
        }
        return new LayerSource(layer, new Conv2DWeights(layer.kernel(), layer.bias()));
    }

    private static String setNames(Conv2DTransformer t, Param<?>... params) {
        return Arrays.stream(params).filter(t::isDefined).map(Param::name).collect(Collectors.joining(" and "));
    }

    /** Cin, found from the kernel's size: it has kh * kw * (Cin / groups) * filters values. */
    private static int inputChannels(Conv2DTransformer t, Conv2DSpec spec, Conv2DWeights values) {
        long perChannel = (long) spec.kernelHeight() * spec.kernelWidth() * spec.filters();
        int size = values.kernelSize();
        if (size % perChannel != 0) {
            throw fail(t, "the kernel has " + size + " values, not a multiple of kh * kw * filters = "
                    + spec.kernelHeight() + " * " + spec.kernelWidth() + " * " + spec.filters() + " = " + perChannel
                    + ": expected a kernel of shape (kh, kw, Cin/groups, filters) in C order");
        }
        int inputChannels = Math.toIntExact(size / perChannel * spec.groups());
        if (spec.useBias() && !values.hasBias()) {
            throw fail(t, "the layer has use_bias=true but the weights have no bias: expected " + spec.filters()
                    + " bias values");
        }
        if (spec.useBias() && values.biasSize() != spec.filters()) {
            throw fail(t, "the bias has " + values.biasSize() + " values; expected one per filter: " + spec.filters());
        }
        if (!spec.useBias() && values.hasBias()) {
            throw fail(t, "the layer has use_bias=false but the weights have a bias of " + values.biasSize()
                    + " values: pass null as the bias");
        }
        return inputChannels;
    }

    private static <T> T required(Conv2DTransformer t, Param<T> param, String howToSet) {
        if (!t.isDefined(param)) {
            throw fail(t, param.name() + " is not set; call " + howToSet);
        }
        return t.getOrDefault(param);
    }

    static IllegalArgumentException fail(Conv2DTransformer t, String message) {
        return new IllegalArgumentException("Conv2DTransformer " + t.uid() + ": " + message);
    }

    // ---- persistence ----

}
