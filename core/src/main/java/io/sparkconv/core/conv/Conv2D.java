package io.sparkconv.core.conv;

import io.sparkconv.core.spec.ConvGeometry;

import io.sparkconv.core.spec.Conv2DSpec;

import io.sparkconv.core.config.KerasSemantics;

import io.sparkconv.core.activation.Activation;
import io.sparkconv.core.kernel.ConvKernel;
import io.sparkconv.core.kernel.ConvPlan;
import io.sparkconv.core.spec.FilterShape;
import io.sparkconv.core.kernel.KernelProvider;
import io.sparkconv.core.kernel.PackedWeights;
import io.sparkconv.core.spec.KerasLayerConfig;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.core.tensor.Layouts;
import io.sparkconv.core.tensor.Shapes;
import io.sparkconv.core.tensor.WeightLimit;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keras {@code Conv2D} in Java: the public face of the core module.
 *
 * <p>Forward pass, weights and runners live here; builder, config, losses, constraints and initialization
 * delegate to their packages. Weights are immutable snapshots packed lazily once per kernel, so a layer can
 * be shared by threads; each thread uses its own {@link Runner}.
 */
public final class Conv2D {

    private final Conv2DSpec spec;
    /** The current weights with their packed forms; replaced as a whole by setWeights. */
    private volatile Weights weights;

    public Conv2D(Conv2DSpec spec) {
        this.spec = spec;
    }

    /** Starts a Keras-like builder, e.g. {@code Conv2D.builder(32, 3).strides(2).padding("same").build()}. */
    public static Conv2DBuilder builder(int filters, int... kernelSize) {
        return new Conv2DBuilder(filters, kernelSize);
    }

    /** A layer from a Keras layer config JSON ({@code {"class_name": "Conv2D", "config": {...}}}). */
    public static Conv2D fromConfig(String json) {
        return new Conv2D(KerasLayerConfig.parse(json));
    }

    /** The TF 1.15 form of this layer's Keras config, key order as Keras writes it. */
    public String toConfig() {
        return KerasLayerConfig.toJson(spec);
    }

    public Conv2DSpec spec() {
        return spec;
    }

    // ---- weights, forward pass and runner (kernel owner) ----

    /**
     * Sets the weights: kernel {@code (kh, kw, Cin/groups, filters)} in C order, whose length fixes the
     * input channels, and bias {@code (filters)} (required when use_bias, else null). Both are copied.
     */
    public void setWeights(float[] kernelHWIO, float[] biasOrNull) {
        if (kernelHWIO == null) {
            throw new IllegalArgumentException("kernel is missing: expected an array of shape "
                    + kernelShapeText("Cin/groups"));
        }
        int perChannel = spec.kernelHeight() * spec.kernelWidth() * spec.filters();
        if (kernelHWIO.length == 0 || kernelHWIO.length % perChannel != 0) {
            throw new IllegalArgumentException("kernel has " + kernelHWIO.length + " values, expected shape "
                    + kernelShapeText("Cin/groups") + ", i.e. a positive multiple of " + perChannel + " values");
        }
        setWeightsChecked(kernelHWIO, kernelHWIO.length / perChannel, biasOrNull);
    }

    /** Sets the weights from tensors, checking their exact shapes: kernel {@code (kh, kw, Cin/groups, F)}, bias {@code (F)}. */
    public void setWeights(FloatTensor kernel, FloatTensor biasOrNull) {
        if (kernel == null) {
            throw new IllegalArgumentException("kernel is missing: expected a tensor of shape "
                    + kernelShapeText("Cin/groups"));
        }
        int[] ks = kernel.shape();
        if (ks.length != 4 || ks[0] != spec.kernelHeight() || ks[1] != spec.kernelWidth() || ks[2] < 1
                || ks[3] != spec.filters()) {
            throw new IllegalArgumentException("kernel has shape " + Shapes.format(ks) + ", expected "
                    + kernelShapeText("Cin/groups") + " with Cin/groups >= 1");
        }
        if (biasOrNull != null && biasOrNull.rank() != 1) {
            throw new IllegalArgumentException("bias has shape " + Shapes.format(biasOrNull.shape())
                    + ", expected (" + spec.filters() + ",)");
        }
        setWeightsChecked(kernel.data(), ks[2], biasOrNull == null ? null : biasOrNull.data());
    }

    private void setWeightsChecked(float[] kernelHWIO, int inChannelsPerGroup, float[] biasOrNull) {
        if (spec.useBias() && biasOrNull == null) {
            throw new IllegalArgumentException("use_bias=True: a bias of shape (" + spec.filters()
                    + ",) is required");
        }
        if (!spec.useBias() && biasOrNull != null) {
            throw new IllegalArgumentException("use_bias=False, but a bias of " + biasOrNull.length
                    + " values was given: expected none");
        }
        if (biasOrNull != null && biasOrNull.length != spec.filters()) {
            throw new IllegalArgumentException("bias has " + biasOrNull.length + " values, expected shape ("
                    + spec.filters() + ",) (filters=" + spec.filters() + ")");
        }
        FilterShape shape = new FilterShape(spec.kernelHeight(), spec.kernelWidth(), inChannelsPerGroup,
                spec.filters(), spec.groups());
        weights = new Weights(shape, kernelHWIO.clone(), biasOrNull == null ? null : biasOrNull.clone());
    }

    private String kernelShapeText(String inChannels) {
        return "(" + spec.kernelHeight() + ", " + spec.kernelWidth() + ", " + inChannels + ", " + spec.filters()
                + ")";
    }

    /** Whether weights were set. */
    public boolean hasWeights() {
        return weights != null;
    }

    /** The kernel {@code (kh, kw, Cin/groups, F)} in C order (a copy). */
    public float[] kernel() {
        return requireWeights().kernel.clone();
    }

    /** The bias {@code (F)} (a copy), or null when the layer has no bias. */
    public float[] bias() {
        Weights w = requireWeights();
        return w.bias == null ? null : w.bias.clone();
    }

    /** The kernel's shape {@code (kh, kw, Cin/groups, F)}. */
    public int[] kernelShape() {
        FilterShape s = requireWeights().shape;
        return new int[] {s.height(), s.width(), s.inChannelsPerGroup(), s.filters()};
    }

    /** Input channels the weights expect ({@code Cin}), or -1 before weights are set. */
    public int inputChannels() {
        Weights w = weights;
        return w == null ? -1 : w.shape.inChannelsPerGroup() * spec.groups();
    }

    /**
     * The output shape (4-D, in the layer's data format) for a 4-D input shape; checks the input (rank,
     * channels against groups and the kernel when set, VALID input at least the dilated kernel).
     */
    public int[] outputShape(int[] inputShape) {
        Weights w = weights;
        ConvGeometry g = ConvGeometry.of(spec, inputShape, w == null ? -1 : w.shape.inChannelsPerGroup());
        int[] out = g.outputShape(inputShape[0]);
        Shapes.size(out);
        return out;
    }

    /** The geometry for a 4-D input shape in the layer's data format, checked as {@link #outputShape}. */
    public ConvGeometry geometry(int[] inputShape) {
        Weights w = weights;
        return ConvGeometry.of(spec, inputShape, w == null ? -1 : w.shape.inChannelsPerGroup());
    }

    /** Convolution, bias and activation of a 4-D batch in the layer's data format, on the JVM's kernel. */
    public FloatTensor forward(FloatTensor x) {
        return forward(x, KernelProvider.get());
    }

    /** As {@link #forward(FloatTensor)} on the given kernel (tests and benchmarks compare kernels). */
    public FloatTensor forward(FloatTensor x, ConvKernel kernel) {
        Objects.requireNonNull(kernel, "kernel");
        if (x == null) {
            throw new IllegalArgumentException("input is missing: expected a 4-D tensor");
        }
        Weights w = requireWeights();
        ConvGeometry g = ConvGeometry.of(spec, x.shape(), w.shape.inChannelsPerGroup());
        int batch = x.dim(0);
        FloatTensor y = FloatTensor.zeros(g.outputShape(batch));
        if (batch > 0) {
            new Runner(this, g, batch, kernel, 1).run(x.data(), 0, batch, y.data(), 0);
        }
        return y;
    }

    /**
     * A reusable runner for images of {@code height x width x channels} and batches of at most
     * {@code maxBatch}, on the JVM's kernel. The geometry is checked here, once; the weights are packed once
     * per layer and kernel.
     */
    public Runner newRunner(int height, int width, int channels, int maxBatch) {
        return newRunner(height, width, channels, maxBatch, KernelProvider.get());
    }

    /** As {@link #newRunner(int, int, int, int)} on the given kernel. */
    public Runner newRunner(int height, int width, int channels, int maxBatch, ConvKernel kernel) {
        return newRunner(height, width, channels, maxBatch, kernel, 1);
    }

    /**
     * As {@link #newRunner(int, int, int, int, ConvKernel)}, splitting each batch by images over
     * {@code threads} threads: the calling thread and {@code threads - 1} daemon threads the runner starts on
     * its first multi-image call. Close the runner to stop them. Within Spark keep the default of 1 (Spark
     * runs one task per core already).
     */
    public Runner newRunner(int height, int width, int channels, int maxBatch, ConvKernel kernel, int threads) {
        Objects.requireNonNull(kernel, "kernel");
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch=" + maxBatch + ": expected >= 1");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads=" + threads + ": expected >= 1");
        }
        Weights w = requireWeights();
        ConvGeometry g = ConvGeometry.of(spec, height, width, channels, w.shape.inChannelsPerGroup());
        return new Runner(this, g, maxBatch, kernel, threads);
    }

    // ---- initialization, penalties and constraints (spec owner) ----

    /**
     * Sets fresh weights for inputs with {@code inputChannels} channels, drawn by the layer's Keras initializers
     * (kernel {@code (kh, kw, Cin/groups, F)}, then bias {@code (F)} when use_bias). The same seed gives the same
     * weights on every machine and JDK; an initializer with its own {@code seed} uses that instead.
     */
    public void initializeWeights(int inputChannels, long seed) {
        if (inputChannels <= 0) {
            throw new IllegalArgumentException("inputChannels=" + inputChannels + ": expected a positive channel count");
        }
        if (inputChannels % spec.groups() != 0) {
            throw new IllegalArgumentException("inputChannels=" + inputChannels + " is not divisible by groups="
                    + spec.groups() + ": input channels must be a multiple of groups");
        }
        int[] kernelShape = spec.kernelShape(inputChannels);
        WeightLimit.check("the kernel " + Shapes.format(kernelShape) + " to initialize", WeightLimit.kernelElements(
                kernelShape[0], kernelShape[1], kernelShape[2], kernelShape[3]));
        float[] kernel = new float[Shapes.size(kernelShape)];
        java.util.SplittableRandom root = new java.util.SplittableRandom(seed);
        java.util.SplittableRandom kernelRandom = root.split();
        java.util.SplittableRandom biasRandom = root.split();
        fillWeight("kernel_initializer", spec.kernelInitializer(), kernel, kernelShape, kernelRandom);
        float[] bias = null;
        if (spec.useBias()) {
            bias = new float[spec.filters()];
            fillWeight("bias_initializer", spec.biasInitializer(), bias, new int[] {spec.filters()}, biasRandom);
        }
        setWeightsChecked(kernel, inputChannels / spec.groups(), bias);
    }

    private static void fillWeight(String argument, io.sparkconv.core.initializer.Initializer initializer,
            float[] target, int[] shape, java.util.SplittableRandom layerRandom) {
        java.util.SplittableRandom random = initializer.seed() == null ? layerRandom
                : new java.util.SplittableRandom(initializer.seed());
        try {
            initializer.fill(target, shape, random);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(argument + ": " + e.getMessage(), e);
        }
    }

    /** The kernel_regularizer penalty of the current kernel (0 without a regularizer); never divided (spec §6.2). */
    public float kernelRegularizationLoss() {
        io.sparkconv.core.regularizer.Regularizer r = spec.kernelRegularizer();
        if (r == null) {
            return 0f;
        }
        float[] kernel = requireWeights().kernel;
        return r.penalty(kernel, 0, kernel.length);
    }

    /** The bias_regularizer penalty of the current bias (0 without a regularizer or bias). */
    public float biasRegularizationLoss() {
        io.sparkconv.core.regularizer.Regularizer r = spec.biasRegularizer();
        float[] bias = requireWeights().bias;
        if (r == null || bias == null) {
            return 0f;
        }
        return r.penalty(bias, 0, bias.length);
    }

    /**
     * The activity_regularizer penalty of an output batch of this layer (post-activation, spec §3.3), divided by
     * the batch size where the layer's semantics divide (spec §6.3): TF 1.15 by plain division (an empty batch
     * gives NaN, as in TF), Keras 2 and Keras 3.14+ by divide_no_nan (0 for an empty batch), Keras 3.0-3.13 not
     * at all. 0 without a regularizer.
     */
    public float activityRegularizationLoss(FloatTensor output) {
        if (output == null || output.rank() < 1) {
            throw new IllegalArgumentException("output is " + (output == null ? "missing" : "a scalar")
                    + ": expected the layer's output batch (batch first)");
        }
        io.sparkconv.core.regularizer.Regularizer r = spec.activityRegularizer();
        if (r == null) {
            return 0f;
        }
        float[] data = output.data();
        float penalty = r.penalty(data, 0, data.length);
        if (!spec.semantics().dividesActivityPenaltyByBatchSize()) {
            return penalty;
        }
        float batch = output.dim(0);
        if (spec.semantics() != KerasSemantics.TF_1_15 && batch == 0f) {
            return 0f;
        }
        return penalty / batch;
    }

    /**
     * Projects the current weights with the layer's kernel and bias constraints, as an optimizer does after each
     * update (spec §7.2). Never called by the forward pass; without constraints the weights stay as they are.
     */
    public void applyConstraints() {
        Weights w = requireWeights();
        io.sparkconv.core.constraint.Constraint kc = spec.kernelConstraint();
        io.sparkconv.core.constraint.Constraint bc = spec.biasConstraint();
        if (kc == null && (bc == null || w.bias == null)) {
            return;
        }
        float[] kernel = w.kernel.clone();
        if (kc != null) {
            kc.apply(kernel, kernelShape());
        }
        float[] bias = w.bias == null ? null : w.bias.clone();
        if (bc != null && bias != null) {
            bc.apply(bias, new int[] {bias.length});
        }
        setWeightsChecked(kernel, w.shape.inChannelsPerGroup(), bias);
    }

    private Weights requireWeights() {
        Weights w = weights;
        if (w == null) {
            throw new IllegalStateException("layer " + (spec.name() == null ? "conv2d" : spec.name())
                    + " has no weights yet: call setWeights(kernel, bias) or initializeWeights(channels, seed)");
        }
        return w;
    }

    /** Immutable weights plus their packed forms, one per kernel, made lazily and only once. */
    private static final class Weights {
        final FilterShape shape;
        final float[] kernel;
        final float[] bias;
        private final ConcurrentHashMap<ConvKernel, PackedWeights> packed = new ConcurrentHashMap<>(4);

        Weights(FilterShape shape, float[] kernel, float[] bias) {
            this.shape = shape;
            this.kernel = kernel;
            this.bias = bias;
        }

        PackedWeights packedFor(ConvKernel k) {
            PackedWeights p = packed.get(k);           // the common case: no lock, no allocation
            return p != null ? p : packed.computeIfAbsent(k, kk -> kk.pack(shape, kernel, bias));
        }
    }

    /**
     * Runs the layer (conv, bias, activation) on batches of one image size, reusing its buffers: no
     * allocation per call (with {@code threads > 1}, only the few task objects of the hand-off). Not
     * thread-safe: use one runner per thread (they share the packed weights). A runner follows later
     * {@link #setWeights} calls as long as the input channels stay the same.
     */
    public static final class Runner implements AutoCloseable {
        /** Parts of a multi-threaded call per thread, taken in turn: a slowed core does fewer of them. */
        private static final int PARTS_PER_THREAD = 4;

        private final Conv2D layer;
        private final ConvGeometry geometry;
        private final ConvKernel kernel;
        private final int maxBatch;
        private final Activation activation;
        private final float[] nhwcIn;
        private final float[] nhwcOut;
        private final int threads;
        private final Future<?>[] pending;
        private ExecutorService pool;                   // started on the first call that uses several threads
        private Weights plannedFor;
        private ConvPlan plan;
        private ConvPlan.Workspace[] workspaces;        // one per thread, sized by the plan

        Runner(Conv2D layer, ConvGeometry geometry, int maxBatch, ConvKernel kernel, int threads) {
            this.layer = layer;
            this.threads = threads;
            this.pending = new Future<?>[threads];
            this.geometry = geometry;
            this.kernel = kernel;
            this.maxBatch = maxBatch;
            this.activation = layer.spec.activation();
            int[] batchShape = geometry.inputShape(maxBatch);
            Shapes.size(batchShape);
            Shapes.size(geometry.outputShape(maxBatch));
            boolean transpose = geometry.dataFormat() == DataFormat.CHANNELS_FIRST;
            this.nhwcIn = transpose ? new float[maxBatch * geometry.inputImageSize()] : null;
            this.nhwcOut = transpose ? new float[maxBatch * geometry.outputImageSize()] : null;
            planFor(layer.requireWeights());
        }

        /** Plans the layer for this geometry (once, and again only when the layer's weights are replaced). */
        private ConvPlan planFor(Weights w) {
            if (w != plannedFor) {
                plan = kernel.plan(geometry, w.packedFor(kernel));
                workspaces = new ConvPlan.Workspace[threads];
                for (int t = 0; t < threads; t++) {
                    workspaces[t] = plan.newWorkspace();
                }
                plannedFor = w;
            }
            return plan;
        }

        /**
         * Computes {@code batch} images from {@code in[inOffset..]} into {@code out[outOffset..]}, both in the
         * layer's data format, {@link #inputImageSize()} and {@link #outputImageSize()} values per image.
         */
        public void run(float[] in, int inOffset, int batch, float[] out, int outOffset) {
            if (batch < 0 || batch > maxBatch) {
                throw new IllegalArgumentException("batch=" + batch + " is outside this runner's range 0.."
                        + maxBatch + " (maxBatch)");
            }
            Objects.requireNonNull(in, "in");
            Objects.requireNonNull(out, "out");
            int inSize = batch * geometry.inputImageSize();
            int outSize = batch * geometry.outputImageSize();
            Objects.checkFromIndexSize(inOffset, inSize, in.length);
            Objects.checkFromIndexSize(outOffset, outSize, out.length);
            if (batch == 0) {
                return;
            }
            Weights w = layer.requireWeights();
            if (w.shape.inChannelsPerGroup() != geometry.inChannelsPerGroup()) {
                throw new IllegalStateException("the layer's weights now expect " + w.shape.inChannelsPerGroup()
                        * geometry.groups() + " input channels, but this runner was made for "
                        + geometry.inChannels() + ": make a new runner");
            }
            ConvPlan p = planFor(w);
            if (nhwcIn == null) {
                convolve(p, in, inOffset, batch, out, outOffset);
            } else {                                    // channels_first: NHWC conv between two transposes (spec §3.4)
                Layouts.nchwToNhwc(in, inOffset, nhwcIn, 0, batch, geometry.inChannels(), geometry.inHeight(),
                        geometry.inWidth());
                convolve(p, nhwcIn, 0, batch, nhwcOut, 0);
                Layouts.nhwcToNchw(nhwcOut, 0, out, outOffset, batch, geometry.filters(), geometry.outHeight(),
                        geometry.outWidth());
            }
            if (activation != null) {                  // on the final layout: softmax's last axis is W for channels_first
                activation.apply(out, outOffset, outSize, geometry.outputLastAxis());
            }
        }

        /**
         * The plan over the batch's output rows: on this thread alone, or cut into equal parts (a few per
         * thread, so a batch of one large image is shared too) that this thread and the pool's take in turn.
         */
        private void convolve(ConvPlan p, float[] x, int xOff, int batch, float[] y, int yOff) {
            int rows = batch * geometry.outHeight();
            int parts = Math.min(rows, threads * PARTS_PER_THREAD);
            if (threads == 1 || parts < 2) {
                p.execute(x, xOff, y, yOff, 0, rows, workspaces[0]);
                return;
            }
            if (pool == null) {
                pool = Executors.newFixedThreadPool(threads - 1, daemonThreads());
            }
            AtomicInteger next = new AtomicInteger();
            int helpers = Math.min(threads, parts) - 1;
            for (int h = 1; h <= helpers; h++) {
                ConvPlan.Workspace ws = workspaces[h];
                pending[h] = pool.submit(() -> parts(p, x, xOff, y, yOff, rows, parts, next, ws));
            }
            RuntimeException failure = null;
            try {
                parts(p, x, xOff, y, yOff, rows, parts, next, workspaces[0]);
            } catch (RuntimeException e) {
                failure = e;
                next.set(parts);                        // the helpers stop after their current part
            }
            for (int h = 1; h <= helpers; h++) {
                try {
                    pending[h].get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure = failure != null ? failure
                            : new IllegalStateException("interrupted while waiting for the convolution threads", e);
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    failure = failure != null ? failure : cause instanceof RuntimeException r ? r
                            : new IllegalStateException("a convolution thread failed", cause);
                } finally {
                    pending[h] = null;
                }
            }
            if (failure != null) {
                throw failure;
            }
        }

        private static void parts(ConvPlan p, float[] x, int xOff, float[] y, int yOff, int rows, int parts,
                                  AtomicInteger next, ConvPlan.Workspace ws) {
            for (int part; (part = next.getAndIncrement()) < parts; ) {
                int first = (int) ((long) rows * part / parts);
                int end = (int) ((long) rows * (part + 1) / parts);
                p.execute(x, xOff, y, yOff, first, end, ws);
            }
        }

        /** The plan this runner executes: its {@link ConvPlan#name()} says which path runs. */
        public ConvPlan plan() {
            return planFor(layer.requireWeights());
        }

        private static ThreadFactory daemonThreads() {
            AtomicInteger number = new AtomicInteger();
            return task -> {
                Thread t = new Thread(task, "sparkconv-conv-" + number.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
        }

        /** Stops this runner's threads, if it started any. */
        @Override
        public void close() {
            if (pool != null) {
                pool.shutdown();
                pool = null;
            }
        }

        /** Threads a call may use. */
        public int threads() {
            return threads;
        }

        /** The checked geometry this runner computes. */
        public ConvGeometry geometry() {
            return geometry;
        }

        public ConvKernel kernel() {
            return kernel;
        }

        public int maxBatch() {
            return maxBatch;
        }

        /** Shape of one output image in the layer's data format: {@code (outH, outW, F)} or {@code (F, outH, outW)}. */
        public int[] outputShape() {
            int[] s = geometry.outputShape(1);
            return new int[] {s[1], s[2], s[3]};
        }

        /** Shape of one input image in the layer's data format. */
        public int[] inputShape() {
            int[] s = geometry.inputShape(1);
            return new int[] {s[1], s[2], s[3]};
        }

        /** Values per input image. */
        public int inputImageSize() {
            return geometry.inputImageSize();
        }

        /** Values per output image. */
        public int outputImageSize() {
            return geometry.outputImageSize();
        }
    }
}
