package io.sparkconv.core.kernel.vector;

import io.sparkconv.core.conv.ConvGeometry;
import io.sparkconv.core.kernel.ConvKernel;
import io.sparkconv.core.kernel.FilterShape;
import io.sparkconv.core.kernel.PackedWeights;
import io.sparkconv.core.kernel.Taps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct convolution on the Vector API, register-blocked as one vector of filters (the lanes) times
 * {@value #PIXELS} neighbouring output pixels of a row: each weight vector loaded is used {@value #PIXELS}
 * times, each input value is broadcast once per filter block. Weights are {@link PackedWeights} with
 * {@code blockWidth} = the vector length, so a block's weights for one input value are one aligned load.
 *
 * <p>Loop order per image row: group, filter block (its weights stay in cache), then output pixels: the
 * interior of the row (every kernel column inside the image) in blocks of {@value #PIXELS}, single pixels for
 * the rest and for the borders, which visit only the taps inside the image (see {@link Taps}). Rows are
 * clipped the same way, so padding is never materialized. A partial last filter block is staged whole in a
 * per-thread block and its valid lanes copied out.
 * The bias is added after the convolution (zeros when the layer has none), as TF's separate bias_add.
 *
 * <p>Only loaded (reflectively, by {@code KernelProvider}) when the module {@code jdk.incubator.vector} is
 * present.
 */
public final class VectorConvKernel implements ConvKernel {

    public static final String NAME = "vector";
    static final int PIXELS = 4;

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private final int lanes;
    private final float[] zeroLanes;
    /**
     * Per-thread staging for a partial last filter block: stored whole here, then its valid lanes copied out.
     * (On JDK 17 a masked store or lane extraction is not compiled to vector code and boxes the accumulators.)
     */
    private final ThreadLocal<float[]> partialBlock;

    public VectorConvKernel() {
        lanes = SPECIES.length();
        if (lanes < 4) {
            throw new UnsupportedOperationException("the preferred float vector has only " + lanes
                    + " lanes on this CPU");
        }
        zeroLanes = new float[lanes];
        partialBlock = ThreadLocal.withInitial(() -> new float[lanes]);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** Vector length in floats (filters per block). */
    public int lanes() {
        return lanes;
    }

    @Override
    public PackedWeights pack(FilterShape shape, float[] kernelHWIO, float[] biasOrNull) {
        return PackedWeights.pack(shape, kernelHWIO, biasOrNull, lanes);
    }

    @Override
    public void convolve(ConvGeometry g, PackedWeights weights, float[] in, int inOffset, int batch,
                         float[] out, int outOffset) {
        if (FastPaths.convolve(g, weights, in, inOffset, batch, out, outOffset)) {
            return;
        }
        final int inH = g.inHeight(), inW = g.inWidth(), inC = g.inChannels();
        final int outH = g.outHeight(), outW = g.outWidth(), filters = g.filters();
        final int kw = g.kernelWidth(), kh = g.kernelHeight();
        final int sh = g.strideHeight(), sw = g.strideWidth(), dh = g.dilationHeight(), dw = g.dilationWidth();
        final int groups = g.groups(), fg = g.filtersPerGroup();
        final int blocks = weights.blocksPerGroup(), blockSize = weights.blockSize();
        // Without a bias the kernel adds zeros: a conditional add after the loop nest would make C2 box the
        // accumulators (JDK 17), and x + 0 == x.
        final float[] bias = weights.bias() != null ? weights.bias() : zeroLanes;
        final float[] partial = partialBlock.get();
        // Output columns whose whole kernel row lies inside the image: [interiorStart, interiorEnd).
        final int interiorStart = Math.min(outW, (g.padLeft() + sw - 1) / sw);
        final int lastStart = inW - 1 - (kw - 1) * dw + g.padLeft();    // largest valid ow * sw
        final int interiorEnd = Math.max(interiorStart, lastStart < 0 ? 0 : Math.min(outW, lastStart / sw + 1));

        for (int n = 0; n < batch; n++) {
            final int image = inOffset + n * inH * inW * inC;
            for (int oh = 0; oh < outH; oh++) {
                final int top = oh * sh - g.padTop();
                final int i0 = Taps.first(top, dh), i1 = Taps.end(top, dh, kh, inH);
                final int outRow = outOffset + (n * outH + oh) * outW * filters;
                for (int gr = 0; gr < groups; gr++) {
                    for (int b = 0; b < blocks; b++) {
                        final int block = gr * blocks + b;
                        final int firstFilter = gr * fg + b * lanes;
                        final int valid = Math.min(lanes, fg - b * lanes);     // filters in this block
                        final int biasAt = weights.bias() == null ? 0 : block * lanes;
                        final int wBlock = block * blockSize;
                        final int inGroup = image + gr * g.inChannelsPerGroup();
                        int ow = 0;
                        for (; ow < interiorStart; ow++) {
                            pixel(g, weights.kernel(), wBlock, in, inGroup, top, i0, i1, ow, out,
                                    outRow + ow * filters + firstFilter, bias, biasAt, valid, partial);
                        }
                        for (; ow + PIXELS <= interiorEnd; ow += PIXELS) {
                            fourPixels(g, weights.kernel(), wBlock, in, inGroup, top, i0, i1, ow, out,
                                    outRow + ow * filters + firstFilter, bias, biasAt, valid, partial);
                        }
                        for (; ow < outW; ow++) {
                            pixel(g, weights.kernel(), wBlock, in, inGroup, top, i0, i1, ow, out,
                                    outRow + ow * filters + firstFilter, bias, biasAt, valid, partial);
                        }
                    }
                }
            }
        }
    }

    // Both loops below walk the taps (kernel row i, column j, input channel c) as ONE flat loop with
    // counters, not as three nested loops: on JDK 17, C2 boxes vector accumulators carried through nested
    // loops (an allocation per FMA), while a single loop keeps them in registers.

    /** One output pixel, one filter block; visits only the kernel taps inside the image. */
    private void pixel(ConvGeometry g, float[] w, int wBlock, float[] in, int inGroup, int top, int i0, int i1,
                       int ow, float[] out, int o, float[] bias, int biasAt, int valid, float[] partial) {
        final int inW = g.inWidth(), inC = g.inChannels(), cg = g.inChannelsPerGroup();
        final int kw = g.kernelWidth(), dh = g.dilationHeight(), dw = g.dilationWidth();
        final int left = ow * g.strideWidth() - g.padLeft();
        final int j0 = Taps.first(left, dw), j1 = Taps.end(left, dw, kw, inW);
        final int columns = Math.max(0, j1 - j0);
        final int taps = Math.max(0, i1 - i0) * columns * cg;
        final int nextColumn = dw * inC;
        final int nextRow = dh * inW * inC - columns * nextColumn;  // from past the last column to the next row
        final int skipWeights = (kw - columns) * cg * lanes;       // weights of the columns outside the image
        int x = inGroup + (top + i0 * dh) * inW * inC + (left + j0 * dw) * inC;
        int wk = wBlock + (i0 * kw + j0) * cg * lanes;
        int c = 0, j = 0;
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int t = 0; t < taps; t++) {
            acc = FloatVector.fromArray(SPECIES, w, wk).fma(FloatVector.broadcast(SPECIES, in[x + c]), acc);
            wk += lanes;
            if (++c == cg) {
                c = 0;
                x += nextColumn;
                if (++j == columns) {
                    j = 0;
                    x += nextRow;
                    wk += skipWeights;
                }
            }
        }
        acc = acc.add(FloatVector.fromArray(SPECIES, bias, biasAt));   // after the conv, as TF's bias_add
        if (valid == lanes) {
            acc.intoArray(out, o);
        } else {
            acc.intoArray(partial, 0);
            System.arraycopy(partial, 0, out, o, valid);
        }
    }

    /** {@value #PIXELS} neighbouring interior output pixels (every kernel column inside the image), one filter block. */
    private void fourPixels(ConvGeometry g, float[] w, int wBlock, float[] in, int inGroup, int top, int i0,
                            int i1, int ow, float[] out, int o, float[] bias, int biasAt, int valid, float[] partial) {
        final int inW = g.inWidth(), inC = g.inChannels(), cg = g.inChannelsPerGroup();
        final int kw = g.kernelWidth(), dh = g.dilationHeight(), dw = g.dilationWidth();
        final int left = ow * g.strideWidth() - g.padLeft();
        final int step = g.strideWidth() * inC;         // input distance between neighbouring output pixels
        final int taps = Math.max(0, i1 - i0) * kw * cg;
        final int nextColumn = dw * inC;
        final int nextRow = dh * inW * inC - kw * nextColumn;
        int x = inGroup + (top + i0 * dh) * inW * inC + left * inC;
        int wk = wBlock + i0 * kw * cg * lanes;          // all columns are inside: the block's weights are contiguous
        int c = 0, j = 0;
        FloatVector acc0 = FloatVector.zero(SPECIES), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int t = 0; t < taps; t++) {
            final FloatVector wv = FloatVector.fromArray(SPECIES, w, wk);
            final int xc = x + c;
            acc0 = wv.fma(FloatVector.broadcast(SPECIES, in[xc]), acc0);
            acc1 = wv.fma(FloatVector.broadcast(SPECIES, in[xc + step]), acc1);
            acc2 = wv.fma(FloatVector.broadcast(SPECIES, in[xc + 2 * step]), acc2);
            acc3 = wv.fma(FloatVector.broadcast(SPECIES, in[xc + 3 * step]), acc3);
            wk += lanes;
            if (++c == cg) {
                c = 0;
                x += nextColumn;
                if (++j == kw) {
                    j = 0;
                    x += nextRow;
                }
            }
        }
        final FloatVector b = FloatVector.fromArray(SPECIES, bias, biasAt);  // after the conv, as TF's bias_add
        acc0 = acc0.add(b);
        acc1 = acc1.add(b);
        acc2 = acc2.add(b);
        acc3 = acc3.add(b);
        final int filters = g.filters();
        if (valid == lanes) {
            acc0.intoArray(out, o);
            acc1.intoArray(out, o + filters);
            acc2.intoArray(out, o + 2 * filters);
            acc3.intoArray(out, o + 3 * filters);
        } else {
            acc0.intoArray(partial, 0);
            System.arraycopy(partial, 0, out, o, valid);
            acc1.intoArray(partial, 0);
            System.arraycopy(partial, 0, out, o + filters, valid);
            acc2.intoArray(partial, 0);
            System.arraycopy(partial, 0, out, o + 2 * filters, valid);
            acc3.intoArray(partial, 0);
            System.arraycopy(partial, 0, out, o + 3 * filters, valid);
        }
    }
}
