package io.sparkconv.spark;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.ImageRecord;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * The function each task runs over its partition: records are pulled from the input iterator in mini-batches
 * of at most {@code batchSize} images of one geometry, convolved together into buffers the task reuses, and
 * handed on one by one; the partition is never held whole. Each output record keeps its input's identity.
 */
final class ConvolvePartition implements FlatMapFunction<Iterator<ImageRecord>, ImageRecord> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<LayerPayload> layer;
    private final int batchSize;
    private final LongAccumulator imagesConvolved;
    private final LongAccumulator flops;
    private final CollectionAccumulator<String> layerBuilds;
    private final CollectionAccumulator<String> plans;

    ConvolvePartition(Broadcast<LayerPayload> layer, int batchSize, LongAccumulator imagesConvolved,
            LongAccumulator flops, CollectionAccumulator<String> layerBuilds, CollectionAccumulator<String> plans) {
        this.layer = layer;
        this.batchSize = batchSize;
        this.imagesConvolved = imagesConvolved;
        this.flops = flops;
        this.layerBuilds = layerBuilds;
        this.plans = plans;
    }

    @Override
    public Iterator<ImageRecord> call(Iterator<ImageRecord> input) {
        Conv2D conv = ExecutorLayerCache.layerFor(layer, layerBuilds);
        return new Batches(conv, input, batchSize, imagesConvolved, flops, plans);
    }

    /** Streams the partition batch by batch; one instance per task, so its buffers are the task's own. */
    static final class Batches implements Iterator<ImageRecord> {
        /** Distinct image sizes a task keeps runners for; image folders of mixed sizes evict older ones. */
        private static final int MAX_RUNNERS = 8;

        private final Conv2D conv;
        private final DataFormat format;
        private final Iterator<ImageRecord> input;
        private final int batchSize;
        private final LongAccumulator imagesConvolved;
        private final LongAccumulator flops;
        private final CollectionAccumulator<String> plans;
        private final Map<Geometry, SizedRunner> runners = new HashMap<>();
        private final ImageRecord[] batch;
        private ImageRecord carried;
        private float[] inBuffer = new float[0];
        private float[] outBuffer = new float[0];
        private final ImageRecord[] ready;
        private int readyCount;
        private int readyPosition;

        Batches(Conv2D conv, Iterator<ImageRecord> input, int batchSize, LongAccumulator imagesConvolved,
                LongAccumulator flops, CollectionAccumulator<String> plans) {
            this.conv = conv;
            this.format = conv.spec().dataFormat();
            this.input = input;
            this.batchSize = batchSize;
            this.imagesConvolved = imagesConvolved;
            this.flops = flops;
            this.plans = plans;
            this.batch = new ImageRecord[batchSize];
            this.ready = new ImageRecord[batchSize];
        }

        @Override
        public boolean hasNext() {
            if (readyPosition < readyCount) {
                return true;
            }
            convolveNextBatch();
            return readyPosition < readyCount;
        }

        @Override
        public ImageRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            ImageRecord r = ready[readyPosition];
            ready[readyPosition++] = null;
            return r;
        }

        private void convolveNextBatch() {
            readyCount = 0;
            readyPosition = 0;
            int n = 0;
            Geometry geometry = null;
            if (carried != null) {
                batch[n++] = carried;
                geometry = Geometry.of(carried, format);
                carried = null;
            }
            while (n < batchSize && input.hasNext()) {
                ImageRecord r = input.next();
                Geometry g = Geometry.of(r, format);
                if (geometry == null) {
                    geometry = g;
                } else if (!geometry.equals(g)) {
                    carried = r; // a batch holds one image size; this one starts the next batch
                    break;
                }
                batch[n++] = r;
            }
            if (n == 0) {
                return;
            }
            SizedRunner sized = runnerFor(geometry);
            Conv2D.Runner runner = sized.runner;
            int inSize = runner.inputImageSize();
            int outSize = runner.outputImageSize();
            if (inBuffer.length < n * inSize) {
                inBuffer = new float[batchSize * inSize];
            }
            if (outBuffer.length < n * outSize) {
                outBuffer = new float[batchSize * outSize];
            }
            for (int i = 0; i < n; i++) {
                System.arraycopy(batch[i].data(), 0, inBuffer, i * inSize, inSize);
            }
            runner.run(inBuffer, 0, n, outBuffer, 0);
            int[] outShape = sized.outputShape;
            for (int i = 0; i < n; i++) {
                ImageRecord in = batch[i];
                // copyOfRange, not new + arraycopy: the copy is the only write, the array is not zeroed first.
                float[] out = Arrays.copyOfRange(outBuffer, i * outSize, (i + 1) * outSize);
                ready[i] = new ImageRecord(in.source(), in.index(), in.ordinal(), in.label(), outShape.clone(), out);
                batch[i] = null;
            }
            readyCount = n;
            if (imagesConvolved != null) {
                imagesConvolved.add(n);
            }
            if (flops != null) {
                flops.add(n * sized.flopsPerImage);
            }
        }

        private SizedRunner runnerFor(Geometry g) {
            SizedRunner runner = runners.get(g);
            if (runner == null) {
                if (runners.size() >= MAX_RUNNERS) {
                    runners.clear();
                }
                Conv2D.Runner r = conv.newRunner(g.height, g.width, g.channels, batchSize);
                runner = new SizedRunner(r, r.outputShape(), flopsPerImage(conv, r, g.channels));
                runners.put(g, runner);
                if (plans != null) {
                    plans.add((conv.spec().name() == null ? "conv2d" : conv.spec().name()) + ": " + r.plan().name() + " (input " + g.height + "x" + g.width
                            + "x" + g.channels + ")");
                }
            }
            return runner;
        }
    }

    /** Multiply-adds of one image, counted as two operations: 2 * OH * OW * F * KH * KW * Cin / groups. */
    static long flopsPerImage(Conv2D conv, Conv2D.Runner runner, int inputChannels) {
        var spec = conv.spec();
        long outputValues = runner.outputImageSize(); // OH * OW * F
        return 2L * outputValues * spec.kernelHeight() * spec.kernelWidth() * (inputChannels / spec.groups());
    }

    /** A runner for one image size, the 3-D shape of its output images and their cost. */
    private static final class SizedRunner {
        final Conv2D.Runner runner;
        final int[] outputShape;
        final long flopsPerImage;

        SizedRunner(Conv2D.Runner runner, int[] outputShape, long flopsPerImage) {
            this.runner = runner;
            this.outputShape = outputShape;
            this.flopsPerImage = flopsPerImage;
        }
    }

    /** Height, width and channels of an image; the key of a runner. */
    static final class Geometry {
        final int height;
        final int width;
        final int channels;

        private Geometry(int height, int width, int channels) {
            this.height = height;
            this.width = width;
            this.channels = channels;
        }

        static Geometry of(ImageRecord r, DataFormat format) {
            return new Geometry(r.height(format), r.width(format), r.channels(format));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Geometry && ((Geometry) o).height == height && ((Geometry) o).width == width
                    && ((Geometry) o).channels == channels;
        }

        @Override
        public int hashCode() {
            return (height * 31 + width) * 31 + channels;
        }
    }
}
