package io.sparkconv.core.kernel.vector;

import io.sparkconv.core.conv.ConvGeometry;
import io.sparkconv.core.kernel.ConvKernel;
import io.sparkconv.core.kernel.FilterShape;
import io.sparkconv.core.kernel.PackedWeights;
import io.sparkconv.core.kernel.Taps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
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
 * clipped the same way, so padding is never materialized. A partial last filter block is stored with a mask.
 *
 * <p>Only loaded (reflectively, by {@code KernelProvider}) when the module {@code jdk.incubator.vector} is
 * present.
 */
public final class VectorConvKernel implements ConvKernel {

    public static final String NAME = "vector";
    static final int PIXELS = 4;

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private final int lanes;
    /** tailMasks[k]: the first k lanes set, for the partial last filter block. */
    private final VectorMask<Float>[] tailMasks;

    @SuppressWarnings("unchecked")
    public VectorConvKernel() {
        lanes = SPECIES.length();
        if (lanes < 4) {
            throw new UnsupportedOperationException("the preferred float vector has only " + lanes
                    + " lanes on this CPU");
        }
        tailMasks = new VectorMask[lanes + 1];
        for (int k = 0; k <= lanes; k++) {
            tailMasks[k] = SPECIES.indexInRange(0, k);
        }
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
        final float[] bias = weights.bias();
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
                        final VectorMask<Float> mask = tailMasks[Math.min(lanes, fg - b * lanes)];
                        final FloatVector biasVector = bias == null
                                ? null : FloatVector.fromArray(SPECIES, bias, block * lanes);
                        final int wBlock = block * blockSize;
                        final int inGroup = image + gr * g.inChannelsPerGroup();
                        int ow = 0;
                        for (; ow < interiorStart; ow++) {
                            pixel(g, weights.kernel(), wBlock, in, inGroup, top, i0, i1, ow, out,
                                    outRow + ow * filters + firstFilter, biasVector, mask);
                        }
                        for (; ow + PIXELS <= interiorEnd; ow += PIXELS) {
                            fourPixels(g, weights.kernel(), wBlock, in, inGroup, top, i0, i1, ow, out,
                                    outRow + ow * filters + firstFilter, biasVector, mask);
                        }
                        for (; ow < outW; ow++) {
                            pixel(g, weights.kernel(), wBlock, in, inGroup, top, i0, i1, ow, out,
                                    outRow + ow * filters + firstFilter, biasVector, mask);
                        }
                    }
                }
            }
        }
    }

    /** One output pixel, one filter block; visits only the kernel taps inside the image. */
    private void pixel(ConvGeometry g, float[] w, int wBlock, float[] in, int inGroup, int top, int i0, int i1,
                       int ow, float[] out, int o, FloatVector biasVector, VectorMask<Float> mask) {
        final int inW = g.inWidth(), inC = g.inChannels(), cg = g.inChannelsPerGroup();
        final int kw = g.kernelWidth(), dh = g.dilationHeight(), dw = g.dilationWidth();
        final int left = ow * g.strideWidth() - g.padLeft();
        final int j0 = Taps.first(left, dw), j1 = Taps.end(left, dw, kw, inW);
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int i = i0; i < i1; i++) {
            final int row = inGroup + (top + i * dh) * inW * inC;
            for (int j = j0; j < j1; j++) {
                final int x = row + (left + j * dw) * inC;
                final int wk = wBlock + (i * kw + j) * cg * lanes;
                for (int c = 0; c < cg; c++) {
                    acc = FloatVector.fromArray(SPECIES, w, wk + c * lanes)
                            .fma(FloatVector.broadcast(SPECIES, in[x + c]), acc);
                }
            }
        }
        store(acc, biasVector, out, o, mask);
    }

    /** {@value #PIXELS} neighbouring interior output pixels (every kernel column inside the image), one filter block. */
    private void fourPixels(ConvGeometry g, float[] w, int wBlock, float[] in, int inGroup, int top, int i0,
                            int i1, int ow, float[] out, int o, FloatVector biasVector, VectorMask<Float> mask) {
        final int inW = g.inWidth(), inC = g.inChannels(), cg = g.inChannelsPerGroup();
        final int kw = g.kernelWidth(), dh = g.dilationHeight(), dw = g.dilationWidth();
        final int left = ow * g.strideWidth() - g.padLeft();
        final int step = g.strideWidth() * inC;         // input distance between neighbouring output pixels
        FloatVector acc0 = FloatVector.zero(SPECIES), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int i = i0; i < i1; i++) {
            final int row = inGroup + (top + i * dh) * inW * inC;
            for (int j = 0; j < kw; j++) {
                final int x = row + (left + j * dw) * inC;
                final int wk = wBlock + (i * kw + j) * cg * lanes;
                for (int c = 0; c < cg; c++) {
                    final FloatVector wv = FloatVector.fromArray(SPECIES, w, wk + c * lanes);
                    final int xc = x + c;
                    acc0 = wv.fma(FloatVector.broadcast(SPECIES, in[xc]), acc0);
                    acc1 = wv.fma(FloatVector.broadcast(SPECIES, in[xc + step]), acc1);
                    acc2 = wv.fma(FloatVector.broadcast(SPECIES, in[xc + 2 * step]), acc2);
                    acc3 = wv.fma(FloatVector.broadcast(SPECIES, in[xc + 3 * step]), acc3);
                }
            }
        }
        final int filters = g.filters();
        store(acc0, biasVector, out, o, mask);
        store(acc1, biasVector, out, o + filters, mask);
        store(acc2, biasVector, out, o + 2 * filters, mask);
        store(acc3, biasVector, out, o + 3 * filters, mask);
    }

    /** Adds the bias after the convolution (a separate op in TF) and stores the block's valid lanes. */
    private void store(FloatVector acc, FloatVector biasVector, float[] out, int o, VectorMask<Float> mask) {
        FloatVector result = biasVector == null ? acc : acc.add(biasVector);
        if (mask.allTrue()) {
            result.intoArray(out, o);
        } else {
            result.intoArray(out, o, mask);
        }
    }
}
