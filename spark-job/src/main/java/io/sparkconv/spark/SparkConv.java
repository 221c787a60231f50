package io.sparkconv.spark;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.datasets.ImageRecord;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * A Conv2D layer applied to an RDD of image records with {@code mapPartitions}. The layer config and weights are
 * broadcast once when this object is made; every executor JVM builds the layer from the broadcast once and its
 * tasks convolve their partitions in mini-batches. The result does not depend on partitioning or batch size.
 *
 * <pre>{@code
 * try (SparkConv conv = SparkConv.broadcast(jsc, layer, inputChannels)) {
 *     JavaRDD<ImageRecord> maps = conv.apply(images, 16);
 *     ...
 * }
 * }</pre>
 * Close it (which destroys the broadcast) only after the last action that uses its output.
 */
public final class SparkConv implements AutoCloseable {
    /** Name of the accumulator that counts convolved images (seen by listeners, e.g. the progress line). */
    public static final String IMAGES_ACCUMULATOR = "sparkconv.images.convolved";
    /** Name of the accumulator of floating-point operations (2 per multiply-add). */
    public static final String FLOPS_ACCUMULATOR = "sparkconv.flops";
    /** Name of the accumulator of nanoseconds spent in the kernel (the convolution alone, no reading or writing). */
    public static final String CONVOLUTION_NANOS_ACCUMULATOR = "sparkconv.convolution.nanos";
    public static final int DEFAULT_BATCH_SIZE = 16;

    private final Conv2D layer;
    private final Broadcast<LayerPayload> broadcast;
    private final LongAccumulator imagesConvolved;
    private final LongAccumulator flops;
    private final LongAccumulator convolutionNanos;
    private final CollectionAccumulator<String> layerBuilds;
    private final CollectionAccumulator<String> plans;

    private SparkConv(JavaSparkContext sc, Conv2D layer, LayerPayload payload) {
        this.layer = layer;
        this.broadcast = sc.broadcast(payload);
        this.imagesConvolved = sc.sc().longAccumulator(IMAGES_ACCUMULATOR);
        this.flops = sc.sc().longAccumulator(FLOPS_ACCUMULATOR);
        this.convolutionNanos = sc.sc().longAccumulator(CONVOLUTION_NANOS_ACCUMULATOR);
        this.layerBuilds = sc.sc().collectionAccumulator("sparkconv.layer.builds");
        this.plans = sc.sc().collectionAccumulator("sparkconv.plans");
    }

    /**
     * Broadcasts {@code layer} with its current weights.
     *
     * @param inputChannels channel count of the input images, which the kernel's shape must fit
     */
    public static SparkConv broadcast(JavaSparkContext sc, Conv2D layer, int inputChannels) {
        Objects.requireNonNull(layer, "layer");
        float[] kernel = layer.kernel();
        if (kernel == null) {
            throw new IllegalArgumentException("the layer has no weights: set or initialize them before broadcasting");
        }
        return new SparkConv(sc, layer, LayerPayload.of(layer, inputChannels, kernel,
                layer.spec().useBias() ? layer.bias() : null));
    }

    /**
     * The convolved records, lazily (nothing runs until an action). Each output record has the source, index,
     * ordinal and label of its input and the 3-D output shape in the layer's data format.
     *
     * @param batchSize images convolved together by a task, at most (the default byte budget may batch fewer)
     */
    public JavaRDD<ImageRecord> apply(JavaRDD<ImageRecord> input, int batchSize) {
        return apply(input, batchSize, 0);
    }

    /**
     * As {@link #apply(JavaRDD, int)}, with a task's batch buffers bounded by {@code maxBatchBytes} (input plus
     * output floats of the images batched; see {@link BatchBudget}); 0 derives it from the executor heap. An
     * image that alone needs more fails its task with a message naming it.
     */
    public JavaRDD<ImageRecord> apply(JavaRDD<ImageRecord> input, int batchSize, long maxBatchBytes) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (maxBatchBytes < 0) {
            throw new IllegalArgumentException("max batch bytes must be >= 0 (0: the default), got " + maxBatchBytes);
        }
        return input.mapPartitions(new ConvolvePartition(broadcast, batchSize, maxBatchBytes, imagesConvolved, flops,
                convolutionNanos, layerBuilds, plans), true);
    }

    public Conv2D layer() {
        return layer;
    }

    /** Id of the weights' broadcast (the key of {@link ExecutorLayerCache}). */
    public long broadcastId() {
        return broadcast.id();
    }

    /** Images convolved by successful tasks so far. */
    public long imagesConvolved() {
        return imagesConvolved.value();
    }

    /** Floating-point operations of the convolutions of successful tasks so far (bias and activation aside). */
    public long flops() {
        return flops.value();
    }

    /** Nanoseconds the kernel ran in successful tasks so far, summed over tasks (task time, not wall time). */
    public long convolutionNanos() {
        return convolutionNanos.value();
    }

    /** One "pid:broadcastId" entry per executor JVM that built this layer. */
    public List<String> layerBuilds() {
        return layerBuilds.value();
    }

    /**
     * The kernel plans the executors ran, distinct: "LAYER: PLAN (input HxWxC)", e.g.
     * {@code "conv2d: vector-512 register-blocked 2x12 (input 28x28x1)"}.
     */
    public java.util.SortedSet<String> plans() {
        return new java.util.TreeSet<>(plans.value());
    }

    @Override
    public void close() {
        // Blocking (Scala's private[spark] destroy(blocking), public in bytecode): the asynchronous removal would
        // still be running when a failed job stops the session, and Spark prints its rejected futures on stderr.
        broadcast.destroy(true);
    }
}
