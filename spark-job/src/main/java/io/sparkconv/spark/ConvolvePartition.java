package io.sparkconv.spark;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.ImageRecord;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.SparkEnv;
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
    private final long maxBatchBytes;
    private final LongAccumulator imagesConvolved;
    private final LongAccumulator flops;
    private final LongAccumulator convolutionNanos;
    private final CollectionAccumulator<String> layerBuilds;
    private final CollectionAccumulator<String> plans;

    /**
     * @param maxBatchBytes the task's batch byte budget ({@link BatchBudget}); 0: the executor's default
     * @param convolutionNanos time spent in the kernel itself (the summary's convolution speed), or null
     */
    ConvolvePartition(Broadcast<LayerPayload> layer, int batchSize, long maxBatchBytes,
            LongAccumulator imagesConvolved, LongAccumulator flops, LongAccumulator convolutionNanos,
            CollectionAccumulator<String> layerBuilds, CollectionAccumulator<String> plans) {
        this.layer = layer;
        this.batchSize = batchSize;
        this.maxBatchBytes = maxBatchBytes;
        this.imagesConvolved = imagesConvolved;
        this.flops = flops;
        this.convolutionNanos = convolutionNanos;
        this.layerBuilds = layerBuilds;
        this.plans = plans;
    }

    @Override
    public Iterator<ImageRecord> call(Iterator<ImageRecord> input) {
        Conv2D conv = ExecutorLayerCache.layerFor(layer, layerBuilds);
        long budget = maxBatchBytes > 0 ? maxBatchBytes : BatchBudget.defaultBytes(SparkEnv.get().conf());
        return new Batches(conv, input, batchSize, budget, imagesConvolved, flops, convolutionNanos, plans);
    }

    /**
     * Streams the partition batch by batch; one instance per task, so its buffers are the task's own. A batch
     * holds images of one geometry, as many as the byte budget allows (at most batchSize); its buffers are sized
     * by what it holds. A batch of one image convolves the record's own array into the output record's array,
     * with no buffer at all.
     */
    static final class Batches implements Iterator<ImageRecord> {
        /** Distinct image sizes a task keeps runners for; image folders of mixed sizes evict older ones. */
        private static final int MAX_RUNNERS = 8;

        private final Conv2D conv;
        private final DataFormat format;
        private final Iterator<ImageRecord> input;
        private final int batchSize;
        private final long budget;
        private final LongAccumulator imagesConvolved;
        private final LongAccumulator flops;
        private final LongAccumulator convolutionNanos;
        private final CollectionAccumulator<String> plans;
        private final Map<Geometry, SizedRunner> runners = new HashMap<>();
        private ImageRecord[] batch;
        private ImageRecord carried;
        private float[] inBuffer = new float[0];
        private float[] outBuffer = new float[0];
        private ImageRecord[] ready;
        private int readyCount;
        private int readyPosition;

        Batches(Conv2D conv, Iterator<ImageRecord> input, int batchSize, long budget,
                LongAccumulator imagesConvolved, LongAccumulator flops, LongAccumulator convolutionNanos,
                CollectionAccumulator<String> plans) {
            this.conv = conv;
            this.format = conv.spec().dataFormat();
            this.input = input;
            this.batchSize = batchSize;
            this.budget = budget;
            this.imagesConvolved = imagesConvolved;
            this.flops = flops;
            this.convolutionNanos = convolutionNanos;
            this.plans = plans;
            int slots = (int) Math.min(batchSize, 1024); // grown on demand for larger batches of small images
            this.batch = new ImageRecord[slots];
            this.ready = new ImageRecord[slots];
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
            SizedRunner sized = null;
            ImageRecord first = carried != null ? carried : input.hasNext() ? input.next() : null;
            carried = null;
            if (first == null) {
                return;
            }
            geometry = Geometry.of(first, format);
            sized = runnerFor(geometry, first);
            batch = ensure(batch, 1);
            batch[n++] = first;
            while (n < sized.capacity && input.hasNext()) {
                ImageRecord r = input.next();
                if (!geometry.equals(Geometry.of(r, format))) {
                    carried = r; // a batch holds one image size; this one starts the next batch
                    break;
                }
                batch = ensure(batch, n + 1);
                batch[n++] = r;
            }
            Conv2D.Runner runner = sized.runner;
            int inSize = runner.inputImageSize();
            int outSize = runner.outputImageSize();
            int[] outShape = sized.outputShape;
            ready = ensure(ready, n);
            if (n == 1) {
                float[] out = new float[outSize];
                long started = System.nanoTime();
                runner.run(batch[0].data(), 0, 1, out, 0);
                addNanos(started);
                ImageRecord in = batch[0];
                ready[0] = new ImageRecord(in.source(), in.index(), in.ordinal(), in.label(), outShape.clone(), out);
                batch[0] = null;
            } else {
                if (inBuffer.length < n * inSize) {
                    inBuffer = new float[n * inSize];
                }
                if (outBuffer.length < n * outSize) {
                    outBuffer = new float[n * outSize];
                }
                for (int i = 0; i < n; i++) {
                    System.arraycopy(batch[i].data(), 0, inBuffer, i * inSize, inSize);
                }
                long started = System.nanoTime();
                runner.run(inBuffer, 0, n, outBuffer, 0);
                addNanos(started);
                for (int i = 0; i < n; i++) {
                    ImageRecord in = batch[i];
                    // copyOfRange, not new + arraycopy: the copy is the only write, the array is not zeroed first.
                    float[] out = Arrays.copyOfRange(outBuffer, i * outSize, (i + 1) * outSize);
                    ready[i] = new ImageRecord(in.source(), in.index(), in.ordinal(), in.label(), outShape.clone(),
                            out);
                    batch[i] = null;
                }
            }
            readyCount = n;
            if (imagesConvolved != null) {
                imagesConvolved.add(n);
            }
            if (flops != null) {
                flops.add(n * sized.flopsPerImage);
            }
        }

        private void addNanos(long started) {
            if (convolutionNanos != null) {
                convolutionNanos.add(System.nanoTime() - started);
            }
        }

        private static ImageRecord[] ensure(ImageRecord[] a, int size) {
            return a.length >= size ? a : Arrays.copyOf(a, Math.max(size, a.length * 2));
        }

        /** The runner of the record's geometry, made for as many images as the budget holds. */
        private SizedRunner runnerFor(Geometry g, ImageRecord record) {
            SizedRunner runner = runners.get(g);
            if (runner == null) {
                if (runners.size() >= MAX_RUNNERS) {
                    runners.clear();
                }
                long outElements = 1;
                try {
                    for (int d : conv.outputShape(new int[] {1, record.shape()[0], record.shape()[1],
                            record.shape()[2]})) {
                        outElements *= d;
                    }
                } catch (IllegalArgumentException e) {
                    throw DatasetException.record(record.source(), record.index(), e.getMessage());
                }
                long imageBytes = BatchBudget.imageBytes(record.data().length, outElements,
                        format == DataFormat.CHANNELS_FIRST);
                if (imageBytes > budget) {
                    throw DatasetException.record(record.source(), record.index(), "a " + g.height + "x" + g.width
                            + "x" + g.channels + " image needs " + BatchBudget.text(imageBytes) + " for its input "
                            + "and output, more than the batch budget of " + BatchBudget.text(budget)
                            + ": raise --max-batch-bytes (and the executor heap)");
                }
                int capacity = BatchBudget.capacity(budget, imageBytes, batchSize);
                // Drop the buffers of another geometry: the next batch sizes its own.
                inBuffer = new float[0];
                outBuffer = new float[0];
                Conv2D.Runner r = conv.newRunner(g.height, g.width, g.channels, capacity);
                warmUpOnce(r);
                runner = new SizedRunner(r, r.outputShape(), flopsPerImage(conv, r, g.channels), capacity);
                runners.put(g, runner);
                if (plans != null) {
                    String layerName = conv.spec().name() == null ? "conv2d" : conv.spec().name();
                    plans.add(layerName + ": " + r.plan().name() + " (input " + g.height + "x" + g.width + "x"
                            + g.channels + ")");
                }
            }
            return runner;
        }
    }

    /** Plans this JVM has warmed up (the JIT compiles a plan's code once per JVM, whatever the image size). */
    private static final java.util.Set<String> WARMED_PLANS = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** How long a plan runs on a zero image before its first timed batch. */
    static final long WARM_UP_NANOS = 300_000_000L;

    /**
     * Runs a plan new to this JVM on a zero image for {@link #WARM_UP_NANOS}, so the JIT has compiled the kernel
     * before the timed batches: the summary's convolution speed is then the kernel's own, comparable with the
     * benchmark, and not the interpreter's. The warm-up is part of the task time, not of the convolution time.
     */
    static void warmUpOnce(Conv2D.Runner runner) {
        if (!WARMED_PLANS.add(runner.plan().name())) {
            return;
        }
        float[] in = new float[runner.inputImageSize()];
        float[] out = new float[runner.outputImageSize()];
        long end = System.nanoTime() + WARM_UP_NANOS;
        do {
            runner.run(in, 0, 1, out, 0);
        } while (System.nanoTime() < end);
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
        /** Images per batch: the batch size, or fewer when the byte budget holds fewer. */
        final int capacity;

        SizedRunner(Conv2D.Runner runner, int[] outputShape, long flopsPerImage, int capacity) {
            this.runner = runner;
            this.outputShape = outputShape;
            this.flopsPerImage = flopsPerImage;
            this.capacity = capacity;
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
