package io.sparkconv.core.keras;

import io.sparkconv.core.spec.KerasLayerConfig;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.config.KerasJsonDefaults;
import io.sparkconv.core.config.KerasSemantics;
import io.sparkconv.core.tensor.FloatTensor;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

/**
 * A Conv2D layer read from a Keras model file: its config as stored and its weights as Keras would load them.
 *
 * <p>{@link #kernel()} is laid out (kh, kw, Cin/groups, F) in C order, after Keras' loading conversions
 * (Theano-backend kernels are flipped spatially, as {@code preprocess_weights_for_loading} does);
 * {@link #kernelAsStored()} is the array exactly as the file holds it.
 */
public final class KerasConv2DLayer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Path file;
    private final String layerJson;
    private final String configJson;
    private final String kerasVersion;
    private final String backend;
    private final KerasSemantics semantics;
    private final int[] kernelShape;
    private final float[] kernel;
    private final float[] kernelAsStored;
    private final int[] storedKernelShape;
    private final float[] bias;
    private final List<Integer> inputShape;
    private final List<Integer> outputShape;
    private final String conversion;

    KerasConv2DLayer(String name, Path file, String layerJson, String configJson, String kerasVersion, String backend,
                     KerasSemantics semantics, int[] kernelShape, float[] kernel, int[] storedKernelShape,
                     float[] kernelAsStored, float[] bias, List<Integer> inputShape, List<Integer> outputShape,
                     String conversion) {
        this.name = name;
        this.file = file;
        this.layerJson = layerJson;
        this.configJson = configJson;
        this.kerasVersion = kerasVersion;
        this.backend = backend;
        this.semantics = semantics;
        this.kernelShape = kernelShape;
        this.kernel = kernel;
        this.storedKernelShape = storedKernelShape;
        this.kernelAsStored = kernelAsStored;
        this.bias = bias;
        this.inputShape = inputShape == null ? null : Collections.unmodifiableList(inputShape);
        this.outputShape = outputShape == null ? null : Collections.unmodifiableList(outputShape);
        this.conversion = conversion;
    }

    public String name() {
        return name;
    }

    /**
     * The layer entry as Keras serializes it, {@code {"class_name": "Conv2D", "config": {...}}} (plus
     * {@code module}/{@code registered_name} for new-style entries), with the file's {@code keras_version} at
     * the root so that {@code Conv2D.fromConfig(layerJson())} follows the same semantics as {@link #toConv2D()}.
     */
    public String layerJson() {
        return layerJson;
    }

    /** Only the inner {@code config} object, exactly as stored (key order kept). */
    public String configJson() {
        return configJson;
    }

    /** The {@code keras_version} recorded in the file, or {@code null} when the file has none. */
    public String kerasVersion() {
        return kerasVersion;
    }

    /** The {@code backend} recorded in the file, or {@code null}. */
    public String backend() {
        return backend;
    }

    /** The semantics the recorded Keras version implies (spec "policy" section). */
    public KerasSemantics semantics() {
        return semantics;
    }

    /** (kh, kw, Cin/groups, F). */
    public int[] kernelShape() {
        return kernelShape.clone();
    }

    /** The kernel as Keras loads it, (kh, kw, Cin/groups, F) in C order. A copy. */
    public float[] kernel() {
        return kernel.clone();
    }

    /** The kernel exactly as stored in the file (same array as {@link #kernel()} when no conversion applied). */
    public float[] kernelAsStored() {
        return kernelAsStored.clone();
    }

    public int[] storedKernelShape() {
        return storedKernelShape.clone();
    }

    /** The bias (F,), or {@code null} when {@code use_bias} is false. A copy. */
    public float[] bias() {
        return bias == null ? null : bias.clone();
    }

    public int filters() {
        return kernelShape[3];
    }

    /** The layer's input shape with batch axis where the file tells it, else {@code null}. */
    public List<Integer> inputShape() {
        return inputShape;
    }

    public List<Integer> outputShape() {
        return outputShape;
    }

    /** The loading conversion applied to the stored kernel ({@code "none"}, or e.g. the Theano flip). */
    public String kernelConversion() {
        return conversion;
    }

    /**
     * A core {@link Conv2D} with this layer's config (parsed with {@link #semantics()}; a missing data_format
     * comes from keras.json as in Keras) and its weights set.
     *
     * @throws KerasFileException when the config is not one sparkconv accepts, naming the layer and file
     */
    public Conv2D toConv2D() {
        try {
            Conv2D conv = new Conv2D(KerasLayerConfig.parse(JSON.readTree(layerJson), semantics,
                    KerasJsonDefaults.fromSystem()));
            conv.setWeights(new FloatTensor(kernel, kernelShape),
                    bias == null ? null : new FloatTensor(bias, bias.length));
            return conv;
        } catch (JsonProcessingException e) {
            throw new KerasFileException("Conv2D layer '" + name + "' in " + file + ": " + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new KerasFileException("Conv2D layer '" + name + "' in " + file + ": " + e.getMessage(), e);
        }
    }
}
