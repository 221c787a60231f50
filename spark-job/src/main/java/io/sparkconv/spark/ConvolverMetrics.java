package io.sparkconv.spark;

import io.sparkconv.core.conv.Conv2D;
import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * What the batch job reports of its convolutions, added by the tasks once per batch: images convolved, floating-
 * point operations, nanoseconds in the kernel, the executor JVMs that built the layer and the kernel plans run.
 */
public final class ConvolverMetrics implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Name of the accumulator that counts convolved images (seen by listeners, e.g. the progress line). */
    public static final String IMAGES_ACCUMULATOR = "sparkconv.images.convolved";
    public static final String FLOPS_ACCUMULATOR = "sparkconv.flops";
    public static final String CONVOLUTION_NANOS_ACCUMULATOR = "sparkconv.convolution.nanos";

    public final LongAccumulator imagesConvolved;
    public final LongAccumulator flops;
    public final LongAccumulator convolutionNanos;
    /** One "pid:broadcastId" entry per executor JVM that built the layer. */
    public final CollectionAccumulator<String> layerBuilds;
    /** "LAYER: PLAN (input HxWxC)" for each runner a task made. */
    public final CollectionAccumulator<String> plans;

    public ConvolverMetrics(SparkContext context) {
        this.imagesConvolved = context.longAccumulator(IMAGES_ACCUMULATOR);
        this.flops = context.longAccumulator(FLOPS_ACCUMULATOR);
        this.convolutionNanos = context.longAccumulator(CONVOLUTION_NANOS_ACCUMULATOR);
        this.layerBuilds = context.collectionAccumulator("sparkconv.layer.builds");
        this.plans = context.collectionAccumulator("sparkconv.plans");
    }

    void add(int images, long flopsPerImage, long nanos) {
        imagesConvolved.add(images);
        flops.add(images * flopsPerImage);
        convolutionNanos.add(nanos);
    }

    /** Multiply-adds of one image, counted as two operations: 2 * OH * OW * F * KH * KW * Cin / groups. */
    public static long flopsPerImage(Conv2D conv, Conv2D.Runner runner, int inputChannels) {
        var spec = conv.spec();
        long outputValues = runner.outputImageSize(); // OH * OW * F
        return 2L * outputValues * spec.kernelHeight() * spec.kernelWidth() * (inputChannels / spec.groups());
    }
}
