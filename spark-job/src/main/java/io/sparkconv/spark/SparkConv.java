package io.sparkconv.spark;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.spark.TensorRows;
import java.util.List;
import java.util.Objects;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

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
    public static final String IMAGES_ACCUMULATOR = ConvolverMetrics.IMAGES_ACCUMULATOR;
    public static final int DEFAULT_BATCH_SIZE = 16;

    private final Conv2D layer;
    private final int inputChannels;
    private final Broadcast<LayerPayload> broadcast;
    private final ConvolverMetrics metrics;

    private SparkConv(JavaSparkContext sc, Conv2D layer, int inputChannels, LayerPayload payload) {
        this.layer = layer;
        this.inputChannels = inputChannels;
        this.broadcast = sc.broadcast(payload);
        this.metrics = new ConvolverMetrics(sc.sc());
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
        return new SparkConv(sc, layer, inputChannels, LayerPayload.of(layer, inputChannels, kernel,
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
     * image that cannot be convolved (alone larger than the budget, too small for the kernel, another channel
     * count) fails its task with a message naming it. The records go through the same {@link RowConvolver} as
     * tables do, as rows of {@link TensorRows#SCHEMA}.
     */
    public JavaRDD<ImageRecord> apply(JavaRDD<ImageRecord> input, int batchSize, long maxBatchBytes) {
        if (maxBatchBytes < 0) {
            throw new IllegalArgumentException("max batch bytes must be >= 0 (0: the default), got " + maxBatchBytes);
        }
        InputColumn tensor = InputColumn.resolve(TensorRows.SCHEMA, TensorRows.TENSOR, null,
                layer.spec().dataFormat(), false, layer, inputChannels, InputColumn.Wording.JOB);
        RowConvolver convolver = convolver(tensor, batchSize, maxBatchBytes, HandleInvalid.ERROR, "sparkconv",
                "Leave such records out of the input.", null);
        int outputField = TensorRows.SCHEMA.size();
        return input.map(RecordRows::toInternalRow).mapPartitions(convolver, true)
                .map(row -> RecordRows.toRecord(row, outputField));
    }

    /**
     * The partition function that convolves {@code column} of a table's internal rows with this layer, appending
     * the output tensor; it adds to this object's counters ({@link #imagesConvolved()}, ...).
     */
    public RowConvolver convolver(InputColumn column, int batchSize, long maxBatchBytes, HandleInvalid policy,
            String who, String invalidHint, RowCounters counters) {
        return convolver(column, batchSize, maxBatchBytes, policy, who, invalidHint, counters, false);
    }

    /** As the other, with the output tensor's data as little-endian float32 bytes when {@code binaryOutput}. */
    public RowConvolver convolver(InputColumn column, int batchSize, long maxBatchBytes, HandleInvalid policy,
            String who, String invalidHint, RowCounters counters, boolean binaryOutput) {
        return new RowConvolver(broadcast, column, batchSize, maxBatchBytes, policy, who, invalidHint, counters,
                metrics, binaryOutput);
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
        return metrics.imagesConvolved.value();
    }

    /** Floating-point operations of the convolutions of successful tasks so far (bias and activation aside). */
    public long flops() {
        return metrics.flops.value();
    }

    /** Nanoseconds the kernel ran in successful tasks so far, summed over tasks (task time, not wall time). */
    public long convolutionNanos() {
        return metrics.convolutionNanos.value();
    }

    /** One "pid:broadcastId" entry per executor JVM that built this layer. */
    public List<String> layerBuilds() {
        return metrics.layerBuilds.value();
    }

    /**
     * The kernel plans the executors ran, distinct: "LAYER: PLAN (input HxWxC)", e.g.
     * {@code "conv2d: vector-512 register-blocked 2x12 (input 28x28x1)"}.
     */
    public java.util.SortedSet<String> plans() {
        return new java.util.TreeSet<>(metrics.plans.value());
    }

    @Override
    public void close() {
        // Blocking (Scala's private[spark] destroy(blocking), public in bytecode): the asynchronous removal would
        // still be running when a failed job stops the session, and Spark prints its rejected futures on stderr.
        broadcast.destroy(true);
    }
}
