package io.sparkconv.core.tile;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.kernel.ConvKernel;
import io.sparkconv.core.kernel.KernelProvider;
import io.sparkconv.core.spec.Conv2DSpec;
import io.sparkconv.core.spec.Padding;
import io.sparkconv.core.tensor.DataFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Convolves the tiles of a {@link TilePlan}, bit for bit as the layer convolves the whole image.
 *
 * <p>Why the bits agree: each tile is the layer with VALID padding applied to the tile's window, in which the
 * image's SAME padding is present as explicit zeros. The kernel path depends on kernel size, stride, filters and
 * groups only (never on the image size or padding), every path pads by copying the image into a zeroed buffer
 * and sums each output value over its taps in a fixed order that does not depend on its neighbours, and the
 * activation is applied per pixel. So a tile's output value is computed from the same products in the same order
 * as in the whole image. {@code TileConvolverTest} checks the bits over paddings, strides, dilations, kernel
 * sizes, tile sizes and every kernel width.
 *
 * <p>Windows and tile outputs are channels-last ({@code (height, width, channels)}) in every data format: a
 * channels_first layer runs as channels_last (it computes in NHWC between two transposes anyway), which is why
 * an axis-wise activation (softmax over the width for channels_first) is refused: it is not local to a tile.
 * Not thread-safe: one convolver per task or thread.
 */
public final class TileConvolver implements AutoCloseable {
    private final TilePlan plan;
    private final Conv2D windowLayer;
    private final ConvKernel kernel;
    private final int channels;
    /** Runners by window size: at most four sizes occur (inner, last row, last column, corner). */
    private final Map<Long, Conv2D.Runner> runners = new HashMap<>();

    /** A convolver on the JVM's kernel. */
    public TileConvolver(Conv2D layer, TilePlan plan) {
        this(layer, plan, KernelProvider.get());
    }

    /**
     * A convolver for {@code layer} (with weights) and {@code plan} (made for that layer's geometry) on the
     * given kernel.
     */
    public TileConvolver(Conv2D layer, TilePlan plan, ConvKernel kernel) {
        Objects.requireNonNull(layer, "layer");
        this.plan = Objects.requireNonNull(plan, "plan");
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        checkTileable(layer.spec());
        if (!layer.hasWeights()) {
            throw new IllegalStateException("layer '" + layer.spec().name() + "' has no weights: set them first");
        }
        this.channels = plan.geometry().inChannels();
        if (layer.inputChannels() != channels) {
            throw new IllegalArgumentException("the tile plan is for " + channels + " input channels but layer '"
                    + layer.spec().name() + "' has weights for " + layer.inputChannels());
        }
        this.windowLayer = new Conv2D(windowSpec(layer.spec()));
        this.windowLayer.setWeights(layer.kernel(), layer.bias());
    }

    /**
     * Refuses layers whose output is not a function of each output pixel's own receptive field: an axis-wise
     * activation over the width (softmax with channels_first). Checked on the driver before tiling.
     */
    public static void checkTileable(Conv2DSpec spec) {
        if (spec.dataFormat() == DataFormat.CHANNELS_FIRST && spec.activation() != null
                && !spec.activation().isElementwise()) {
            throw new IllegalArgumentException("layer '" + spec.name() + "' has activation '"
                    + spec.activation().kerasName() + "' with data_format='channels_first', which normalizes over "
                    + "the whole image width and cannot be computed tile by tile: expected an element-wise "
                    + "activation or channels_last");
        }
    }

    /** The layer that convolves one window: the same layer, VALID padding, channels_last, no fixed input shape. */
    static Conv2DSpec windowSpec(Conv2DSpec s) {
        return new Conv2DSpec(s.name(), s.trainable(), s.dtype(), null, s.filters(), s.kernelHeight(),
                s.kernelWidth(), s.strideHeight(), s.strideWidth(), Padding.VALID, DataFormat.CHANNELS_LAST,
                s.dilationHeight(), s.dilationWidth(), s.groups(), s.activation(), s.useBias(),
                s.kernelInitializer(), s.biasInitializer(), s.kernelRegularizer(), s.biasRegularizer(),
                s.activityRegularizer(), s.kernelConstraint(), s.biasConstraint(), s.semantics());
    }

    public TilePlan plan() {
        return plan;
    }

    /** Values of the largest window, for sizing a reusable buffer. */
    public int maxWindowValues() {
        return windowValues(plan.tile(0));
    }

    /** Values of the largest tile output, for sizing a reusable buffer. */
    public int maxOutputValues() {
        return outputValues(plan.tile(0));
    }

    /** Values of a tile's window, {@code windowHeight * windowWidth * channels}. */
    public int windowValues(Tile t) {
        return t.windowHeight() * t.windowWidth() * channels;
    }

    /** Values of a tile's output, {@code outHeight * outWidth * filters}. */
    public int outputValues(Tile t) {
        return t.outHeight() * t.outWidth() * plan.geometry().filters();
    }

    /**
     * Convolves one tile: {@code window} holds the tile's window ({@link #windowValues} values from offset 0,
     * channels-last, zeros outside the image), {@code out} receives {@link #outputValues} values from offset 0,
     * channels-last.
     */
    public void convolve(Tile t, float[] window, float[] out) {
        long key = ((long) t.windowHeight() << 32) | t.windowWidth();
        Conv2D.Runner runner = runners.get(key);
        if (runner == null) {
            // One runner at a time: a runner's workspace is sized for its window (about 100 MB for a 1024 tile on
            // the packed-filters path), and a task meets up to four window sizes (interior, right, bottom, corner).
            for (Conv2D.Runner previous : runners.values()) {
                previous.close();
            }
            runners.clear();
            runner = windowLayer.newRunner(t.windowHeight(), t.windowWidth(), channels, 1, kernel);
            runners.put(key, runner);
        }
        runner.run(window, 0, 1, out, 0);
    }

    /** The plan name (which kernel path runs) of the window runners used so far, e.g. for the job summary. */
    public String planName() {
        return runners.isEmpty() ? "" : runners.values().iterator().next().plan().name();
    }

    @Override
    public void close() {
        for (Conv2D.Runner r : runners.values()) {
            r.close();
        }
        runners.clear();
    }
}
