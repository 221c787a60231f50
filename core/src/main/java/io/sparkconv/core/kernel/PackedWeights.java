package io.sparkconv.core.kernel;

import io.sparkconv.core.spec.FilterShape;

import java.util.Objects;

/**
 * A kernel repacked once into filter blocks, the layout both built-in kernels read.
 *
 * <p>Filters of each group are split into blocks of {@link #blockWidth()} filters (the last block of a group
 * is zero-padded). Index of kernel value {@code (g, block b, row i, column j, input channel c, lane l)}:
 * <pre>
 *   ((((g * blocksPerGroup + b) * kh + i) * kw + j) * Cg + c) * blockWidth + l
 * </pre>
 * where {@code Cg = Cin/groups}, and lane {@code l} of block {@code b} is output channel
 * {@code g * F/groups + b * blockWidth + l}. So the {@code blockWidth} weights that one input value multiplies
 * are contiguous (one vector load), and a block's whole kernel is contiguous (it stays in cache while the
 * kernel sweeps an image row). The bias, when present, is packed the same way: index
 * {@code (g * blocksPerGroup + b) * blockWidth + l}, padded lanes zero.
 *
 * <p>The scalar kernel uses one block per group ({@code blockWidth = F/groups}); the vector kernel uses the
 * vector length, and {@link #interleaved} lays the blocks it reads together side by side.
 */
public final class PackedWeights {

    private final FilterShape shape;
    private final int blockWidth;
    private final int blocksPerGroup;
    private final float[] kernel;
    private final float[] bias;
    /** Blocks per run, in order over each group's blocks, when {@link #interleaved}; else null. */
    private final int[] runs;

    private PackedWeights(FilterShape shape, int blockWidth, float[] kernel, float[] bias, int[] runs) {
        this.shape = shape;
        this.blockWidth = blockWidth;
        this.blocksPerGroup = (shape.filtersPerGroup() + blockWidth - 1) / blockWidth;
        this.kernel = kernel;
        this.bias = bias;
        this.runs = runs;
    }

    /**
     * Packs a Keras kernel {@code (kh, kw, Cin/groups, F)} and optional bias {@code (F)} into blocks of
     * {@code blockWidth} filters. Lengths are checked here, once.
     */
    public static PackedWeights pack(FilterShape shape, float[] kernelHWIO, float[] biasOrNull, int blockWidth) {
        Objects.requireNonNull(kernelHWIO, "kernel");
        if (blockWidth < 1) {
            throw new IllegalArgumentException("blockWidth=" + blockWidth + ": expected >= 1");
        }
        int expected = shape.kernelSize();
        if (kernelHWIO.length != expected) {
            throw new IllegalArgumentException("kernel has " + kernelHWIO.length + " values, expected " + expected
                    + " for shape (" + shape.height() + ", " + shape.width() + ", " + shape.inChannelsPerGroup()
                    + ", " + shape.filters() + ")");
        }
        if (biasOrNull != null && biasOrNull.length != shape.filters()) {
            throw new IllegalArgumentException("bias has " + biasOrNull.length + " values, expected "
                    + shape.filters());
        }
        int kh = shape.height(), kw = shape.width(), cg = shape.inChannelsPerGroup(), f = shape.filters();
        int groups = shape.groups(), fg = shape.filtersPerGroup();
        int blocks = (fg + blockWidth - 1) / blockWidth;
        int blockSize = Math.multiplyExact(Math.multiplyExact(kh * kw, cg), blockWidth);
        float[] packed = new float[Math.multiplyExact(Math.multiplyExact(groups, blocks), blockSize)];
        for (int g = 0; g < groups; g++) {
            for (int b = 0; b < blocks; b++) {
                int lanes = Math.min(blockWidth, fg - b * blockWidth);
                int firstFilter = g * fg + b * blockWidth;
                int base = (g * blocks + b) * blockSize;
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        for (int c = 0; c < cg; c++) {
                            int src = ((i * kw + j) * cg + c) * f + firstFilter;
                            int dst = base + ((i * kw + j) * cg + c) * blockWidth;
                            System.arraycopy(kernelHWIO, src, packed, dst, lanes);
                        }
                    }
                }
            }
        }
        float[] packedBias = null;
        if (biasOrNull != null) {
            packedBias = new float[groups * blocks * blockWidth];
            for (int g = 0; g < groups; g++) {
                for (int b = 0; b < blocks; b++) {
                    int lanes = Math.min(blockWidth, fg - b * blockWidth);
                    System.arraycopy(biasOrNull, g * fg + b * blockWidth, packedBias,
                            (g * blocks + b) * blockWidth, lanes);
                }
            }
        }
        return new PackedWeights(shape, blockWidth, packed, packedBias, null);
    }

    /**
     * These weights with each group's blocks split into runs of {@code runs[0], runs[1], ...} consecutive
     * blocks (summing to {@link #blocksPerGroup()}), each run interleaved tap by tap: the V blocks of a run
     * starting at block {@code b0} hold value (tap {@code t}, block {@code b0 + v}, lane {@code l}) at
     * <pre>
     *   (g * blocksPerGroup + b0) * blockSize + (t * V + v) * blockWidth + l
     * </pre>
     * so the V vectors one input value multiplies are adjacent, and a run starts where its first block did.
     * A run of one block is laid out as before. The bias is unchanged.
     */
    public PackedWeights interleaved(int[] runs) {
        if (this.runs != null || java.util.Arrays.stream(runs).sum() != blocksPerGroup) {
            throw new IllegalArgumentException("runs " + java.util.Arrays.toString(runs) + " for "
                    + blocksPerGroup + " plain blocks per group");
        }
        float[] interleaved = new float[kernel.length];
        int blockSize = blockSize();
        int taps = blockSize / blockWidth;
        for (int g = 0; g < shape.groups(); g++) {
            int b0 = 0;
            for (int run : runs) {
                int base = (g * blocksPerGroup + b0) * blockSize;
                for (int v = 0; v < run; v++) {
                    for (int t = 0; t < taps; t++) {
                        System.arraycopy(kernel, base + v * blockSize + t * blockWidth, interleaved,
                                base + (t * run + v) * blockWidth, blockWidth);
                    }
                }
                b0 += run;
            }
        }
        return new PackedWeights(shape, blockWidth, interleaved, bias, runs.clone());
    }

    /** The runs of {@link #interleaved} blocks (do not modify), or null for the plain layout. */
    public int[] runs() {
        return runs;
    }

    public FilterShape shape() {
        return shape;
    }

    /** Filters per block (the number of lanes). */
    public int blockWidth() {
        return blockWidth;
    }

    /** Blocks per group: {@code ceil((F/groups) / blockWidth)}. */
    public int blocksPerGroup() {
        return blocksPerGroup;
    }

    /** Values per block: {@code kh * kw * Cg * blockWidth}. */
    public int blockSize() {
        return shape.height() * shape.width() * shape.inChannelsPerGroup() * blockWidth;
    }

    /** The packed kernel (shared; do not modify). */
    public float[] kernel() {
        return kernel;
    }

    /** The packed bias, or null when the layer has none (shared; do not modify). */
    public float[] bias() {
        return bias;
    }
}
