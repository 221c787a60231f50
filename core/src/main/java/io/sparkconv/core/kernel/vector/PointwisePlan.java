package io.sparkconv.core.kernel.vector;

import static io.sparkconv.core.kernel.vector.RegisterBlocks.L;

import io.sparkconv.core.spec.ConvGeometry;
import io.sparkconv.core.kernel.ConvPath;
import io.sparkconv.core.kernel.ConvPlan;
import io.sparkconv.core.kernel.PackedWeights;
import java.util.Arrays;

/**
 * A 1x1 stride-1 layer as a blocked matrix product over all pixels of the batch, in {@link RegisterBlocks}:
 * the input is read in place (no padding exists), in chunks of pixels small enough to stay in L2 while every
 * filter block passes over them. The last pixels of a call, fewer than a block, are read from a zero-filled
 * copy, never past the caller's input.
 */
final class PointwisePlan implements ConvPlan {

    /** Pixels per chunk: a multiple of every block's pixel count, small enough for L2. */
    private static final int CHUNK = 240;
    /** A pixel's taps are its channels, one after the other ({@link RegisterBlocks#block}'s null table). */
    private static final int[] CONSECUTIVE_TAPS = null;

    private final String name;
    private final ConvGeometry g;
    private final PackedWeights w;
    private final int[] schedule;
    /** Input offset of each pixel of a block from its first: pixels are consecutive. */
    private final int[] cols;
    private final int tailSize;
    private final int tileSize;

    PointwisePlan(String kernelName, ConvGeometry g, PackedWeights w) {
        this.g = g;
        this.w = w;
        this.schedule = w.runs();
        this.name = kernelName + " " + ConvPath.POINTWISE.label() + " " + RegisterBlocks.shapes(schedule);
        this.cols = new int[RegisterBlocks.MAX_PIXELS];
        Arrays.setAll(cols, p -> p * g.inChannels());
        this.tailSize = RegisterBlocks.max(schedule, RegisterBlocks::pixels) * g.inChannels();
        this.tileSize = RegisterBlocks.max(schedule, v -> RegisterBlocks.pixels(v) * v * L);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ConvPath path() {
        return ConvPath.POINTWISE;
    }

    @Override
    public ConvGeometry geometry() {
        return g;
    }

    private record Buffers(float[] tail, float[] tile) implements Workspace {
    }

    @Override
    public Workspace newWorkspace() {
        return new Buffers(new float[tailSize], new float[tileSize]);
    }

    @Override
    public void execute(float[] in, int inOffset, float[] out, int outOffset, int firstRow, int endRow,
                        Workspace workspace) {
        Buffers buffers = (Buffers) workspace;
        int c = g.inChannels();
        int f = g.filters();
        int cg = g.inChannelsPerGroup();
        int fg = g.filtersPerGroup();
        int blocks = w.blocksPerGroup();
        int pixelsEnd = endRow * g.outWidth();
        for (int m0 = firstRow * g.outWidth(); m0 < pixelsEnd; m0 += CHUNK) {
            int mEnd = Math.min(pixelsEnd, m0 + CHUNK);
            for (int group = 0; group < g.groups(); group++) {
                int b0 = 0;
                for (int vectors : schedule) {
                    int firstBlock = group * blocks + b0;
                    int f0 = group * fg + b0 * L;
                    int width = Math.min(vectors * L, fg - b0 * L);
                    boolean wholeFilters = width == vectors * L;
                    int pixels = RegisterBlocks.pixels(vectors);
                    for (int m = m0; m < mEnd; m += pixels) {
                        int count = Math.min(pixels, mEnd - m);
                        float[] x = in;
                        int xOff = inOffset + m * c;
                        if (count < pixels) {
                            x = buffers.tail();
                            Arrays.fill(x, 0, pixels * c, 0f);
                            System.arraycopy(in, xOff, x, 0, count * c);
                            xOff = 0;
                        }
                        xOff += group * cg;
                        if (wholeFilters && count == pixels) {
                            RegisterBlocks.block(vectors, x, xOff, cols, 0, CONSECUTIVE_TAPS, cg, w.kernel(), w.bias(),
                                    firstBlock, out, outOffset + m * f + f0, f);
                        } else {
                            RegisterBlocks.block(vectors, x, xOff, cols, 0, CONSECUTIVE_TAPS, cg, w.kernel(), w.bias(),
                                    firstBlock, buffers.tile(), 0, vectors * L);
                            RegisterBlocks.copyTile(buffers.tile(), vectors * L, count, width, out,
                                    outOffset + m * f + f0, f);
                        }
                    }
                    b0 += vectors;
                }
            }
        }
    }
}
