package io.sparkconv.core.kernel.vector;

import static io.sparkconv.core.kernel.vector.RegisterBlocks.L;

import io.sparkconv.core.spec.ConvGeometry;
import io.sparkconv.core.kernel.ConvPath;
import io.sparkconv.core.kernel.ConvPlan;
import io.sparkconv.core.kernel.PackedWeights;

/**
 * Direct NHWC convolution in {@link RegisterBlocks} over a zero-padded copy of the image, so the hot loop has
 * no border tests: SAME padding and the ragged right end of a row (computed up to a whole block, then
 * dropped) read zeros. Groups run one after the other. Whole blocks are stored straight into the output;
 * ragged ones (last pixels of a row, filters not a multiple of L) go through a small tile.
 *
 * <p>Planned once per geometry: the block schedule, the tap offset table and the padded buffer's size, which
 * covers every column the widest-reaching block of the schedule reads.
 */
final class RegisterBlockedPlan implements ConvPlan {

    private final String name;
    private final ConvGeometry g;
    private final PackedWeights w;
    /** Filter vectors of each micro-kernel call over one group's blocks. */
    private final int[] schedule;
    private final int paddedWidth;
    private final int paddedSize;
    private final int tileSize;
    /** Input offset of every tap (kh, kw, c of a group) from a pixel's first channel of the group. */
    private final int[] taps;

    RegisterBlockedPlan(String kernelName, ConvGeometry g, PackedWeights w) {
        this.g = g;
        this.w = w;
        this.schedule = RegisterBlocks.schedule(w.blocksPerGroup());
        this.name = kernelName + " " + ConvPath.REGISTER_BLOCKED.label() + " " + RegisterBlocks.shapes(schedule);
        // Each call computes a whole block of pixels, so a row is computed up to its width rounded up to the
        // block of every shape the schedule uses; the padded image must hold every column those read.
        int computedWidth = RegisterBlocks.max(schedule, v -> RegisterBlocks.roundUp(g.outWidth(),
                RegisterBlocks.pixels(v)));
        int paddedHeight = Math.max((g.outHeight() - 1) * g.strideHeight()
                + (g.kernelHeight() - 1) * g.dilationHeight() + 1, g.padTop() + g.inHeight());
        this.paddedWidth = Math.max((computedWidth - 1) * g.strideWidth()
                + (g.kernelWidth() - 1) * g.dilationWidth() + 1, g.padLeft() + g.inWidth());
        this.paddedSize = Math.multiplyExact(paddedHeight * paddedWidth, g.inChannels());
        this.tileSize = RegisterBlocks.max(schedule, v -> RegisterBlocks.pixels(v) * v * L);
        int cg = g.inChannelsPerGroup();
        this.taps = new int[g.kernelHeight() * g.kernelWidth() * cg];
        int t = 0;
        for (int i = 0; i < g.kernelHeight(); i++) {
            for (int j = 0; j < g.kernelWidth(); j++) {
                for (int ch = 0; ch < cg; ch++) {
                    taps[t++] = (i * g.dilationHeight() * paddedWidth + j * g.dilationWidth()) * g.inChannels() + ch;
                }
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ConvPath path() {
        return ConvPath.REGISTER_BLOCKED;
    }

    @Override
    public ConvGeometry geometry() {
        return g;
    }

    /** The zero-padded image (its borders are never written, so they stay zero) and the tile. */
    private record Buffers(float[] padded, float[] tile) implements Workspace {
    }

    @Override
    public Workspace newWorkspace() {
        return new Buffers(new float[paddedSize], new float[tileSize]);
    }

    @Override
    public void execute(float[] in, int inOffset, float[] out, int outOffset, int firstRow, int endRow,
                        Workspace workspace) {
        Buffers buffers = (Buffers) workspace;
        int outH = g.outHeight();
        for (int row = firstRow; row < endRow; ) {
            int n = row / outH;
            int r0 = row % outH;
            int r1 = Math.min(outH, r0 + endRow - row);
            rows(in, inOffset + n * g.inputImageSize(), buffers, out, outOffset + n * g.outputImageSize(), r0, r1);
            row += r1 - r0;
        }
    }

    /** Output rows {@code [r0, r1)} of one image: copies the input rows they read, then runs the blocks. */
    private void rows(float[] in, int inOff, Buffers buffers, float[] out, int outOff, int r0, int r1) {
        float[] x = buffers.padded();
        int c = g.inChannels();
        int rowLength = g.inWidth() * c;
        int firstInput = Math.max(0, r0 * g.strideHeight() - g.padTop());
        int endInput = Math.min(g.inHeight(), (r1 - 1) * g.strideHeight() + (g.kernelHeight() - 1)
                * g.dilationHeight() + 1 - g.padTop());
        for (int ih = firstInput; ih < endInput; ih++) {
            System.arraycopy(in, inOff + ih * rowLength, x, ((ih + g.padTop()) * paddedWidth + g.padLeft()) * c,
                    rowLength);
        }
        int f = g.filters();
        int ow = g.outWidth();
        int pixelStride = g.strideWidth() * c;
        int cg = g.inChannelsPerGroup();
        int fg = g.filtersPerGroup();
        int tapCount = taps.length;
        int blocks = w.blocksPerGroup();
        float[] tile = buffers.tile();
        for (int group = 0; group < g.groups(); group++) {
            int groupChannel = group * cg;
            int b0 = 0;
            for (int vectors : schedule) {
                int firstBlock = group * blocks + b0;                // its index in PackedWeights
                int f0 = group * fg + b0 * L;
                int width = Math.min(vectors * L, fg - b0 * L);
                boolean wholeFilters = width == vectors * L;
                int pixels = RegisterBlocks.pixels(vectors);
                for (int oh = r0; oh < r1; oh++) {
                    int xRow = oh * g.strideHeight() * paddedWidth * c + groupChannel;
                    int outRow = outOff + oh * ow * f + f0;
                    for (int ow0 = 0; ow0 < ow; ow0 += pixels) {
                        int xOff = xRow + ow0 * pixelStride;
                        if (wholeFilters && ow0 + pixels <= ow) {
                            RegisterBlocks.block(vectors, x, xOff, pixelStride, taps, tapCount, w, firstBlock, out,
                                    outRow + ow0 * f, f);
                        } else {
                            RegisterBlocks.block(vectors, x, xOff, pixelStride, taps, tapCount, w, firstBlock, tile,
                                    0, vectors * L);
                            RegisterBlocks.copyTile(tile, vectors * L, Math.min(pixels, ow - ow0), width, out,
                                    outRow + ow0 * f, f);
                        }
                    }
                }
                b0 += vectors;
            }
        }
    }
}
