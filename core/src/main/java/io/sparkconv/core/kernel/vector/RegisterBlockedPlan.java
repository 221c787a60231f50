package io.sparkconv.core.kernel.vector;

import static io.sparkconv.core.kernel.vector.RegisterBlocks.L;

import io.sparkconv.core.spec.ConvGeometry;
import io.sparkconv.core.kernel.ConvPath;
import io.sparkconv.core.kernel.ConvPlan;
import io.sparkconv.core.kernel.PackedWeights;

/**
 * Direct NHWC convolution in {@link RegisterBlocks} over a zero-padded copy of the image, so the hot loop has
 * no border tests: SAME padding reads zeros. Blocks run over the output pixels of a call's rows in order,
 * running on from the end of one row into the next (a column table gives each pixel's input offset), so a
 * row whose width is not a multiple of the block wastes nothing; only the call's last block can be ragged, and
 * it goes through a small tile, as do blocks of filters that are not a multiple of L. Groups run one after the
 * other.
 *
 * <p>Planned once per geometry: the block schedule, the tap offset table, the column table and the padded
 * buffer's size, which covers the rows the last block's spare pixels read.
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
    /**
     * Input offset of output column {@code j} of a row from the row's first pixel, for {@code j} up to a
     * block past the row's end: column {@code j} of the row is column {@code j % outWidth} of the row
     * {@code j / outWidth} further down.
     */
    private final int[] cols;

    RegisterBlockedPlan(String kernelName, ConvGeometry g, PackedWeights w) {
        this.g = g;
        this.w = w;
        this.schedule = w.runs();
        this.name = kernelName + " " + ConvPath.REGISTER_BLOCKED.label() + " " + RegisterBlocks.shapes(schedule);
        int ow = g.outWidth();
        this.paddedWidth = Math.max((ow - 1) * g.strideWidth() + (g.kernelWidth() - 1) * g.dilationWidth() + 1,
                g.padLeft() + g.inWidth());
        int maxPixels = RegisterBlocks.max(schedule, RegisterBlocks::pixels);
        // The last block of a call may start at the last column and run maxPixels - 1 pixels on: the rows
        // those spare pixels read must exist (their results are dropped).
        int spareRows = (ow + maxPixels - 2) / ow;
        int paddedHeight = Math.max((g.outHeight() - 1 + spareRows) * g.strideHeight()
                + (g.kernelHeight() - 1) * g.dilationHeight() + 1, g.padTop() + g.inHeight());
        this.paddedSize = Math.multiplyExact(paddedHeight * paddedWidth, g.inChannels());
        this.tileSize = RegisterBlocks.max(schedule, v -> RegisterBlocks.pixels(v) * v * L);
        int c = g.inChannels();
        this.cols = new int[ow + maxPixels - 1];
        for (int j = 0; j < cols.length; j++) {
            cols[j] = ((j / ow) * g.strideHeight() * paddedWidth + (j % ow) * g.strideWidth()) * c;
        }
        int cg = g.inChannelsPerGroup();
        this.taps = new int[g.kernelHeight() * g.kernelWidth() * cg];
        int t = 0;
        for (int i = 0; i < g.kernelHeight(); i++) {
            for (int j = 0; j < g.kernelWidth(); j++) {
                for (int ch = 0; ch < cg; ch++) {
                    taps[t++] = (i * g.dilationHeight() * paddedWidth + j * g.dilationWidth()) * c + ch;
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
        int rowStep = g.strideHeight() * paddedWidth * c;
        int cg = g.inChannelsPerGroup();
        int fg = g.filtersPerGroup();
        int tapCount = taps.length;
        int blocks = w.blocksPerGroup();
        float[] tile = buffers.tile();
        int pixelsEnd = (r1 - r0) * ow;
        for (int group = 0; group < g.groups(); group++) {
            int groupChannel = group * cg;
            int b0 = 0;
            for (int vectors : schedule) {
                int firstBlock = group * blocks + b0;                // its index in PackedWeights
                int width = Math.min(vectors * L, fg - b0 * L);
                boolean wholeFilters = width == vectors * L;
                int pixels = RegisterBlocks.pixels(vectors);
                int outFirst = outOff + r0 * ow * f + group * fg + b0 * L;
                int xRow = r0 * rowStep + groupChannel;
                int column = 0;
                for (int m = 0; m < pixelsEnd; m += pixels) {
                    int count = Math.min(pixels, pixelsEnd - m);
                    if (wholeFilters && count == pixels) {
                        RegisterBlocks.block(vectors, x, xRow, cols, column, taps, tapCount, w.kernel(), w.bias(),
                                firstBlock, out, outFirst + m * f, f);
                    } else {
                        RegisterBlocks.block(vectors, x, xRow, cols, column, taps, tapCount, w.kernel(), w.bias(),
                                firstBlock, tile, 0, vectors * L);
                        RegisterBlocks.copyTile(tile, vectors * L, count, width, out, outFirst + m * f, f);
                    }
                    column += pixels;
                    while (column >= ow) {
                        column -= ow;
                        xRow += rowStep;
                    }
                }
                b0 += vectors;
            }
        }
    }
}
