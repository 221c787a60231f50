package io.sparkconv.core.kernel.vector;

import io.sparkconv.core.conv.ConvGeometry;
import io.sparkconv.core.kernel.PackedWeights;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The path for few filters (at most half a vector, e.g. 8 filters in 16 lanes; groups = 1, stride 1 along
 * the width), where a vector of filters would leave lanes idle: one vector holds P = L/G neighbouring output
 * pixels x G filters (G = filters rounded up to a power of two). When G equals the filter count that is
 * exactly the NHWC output layout, so results are stored without a transpose. The image is expanded once so
 * each value appears G times in a row ([row][channel][column][G], zero borders), which makes every tap one
 * contiguous vector load and one FMA with the tap's G weights repeated P times; 16 such vectors of
 * accumulators stay in registers over the whole receptive field.
 */
final class PackedFilterConv {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Vectors of accumulators per micro-kernel call. */
    private static final int VECTORS = 16;
    /** EXPAND[log2 G][q]: lanes of a vector of L inputs that fill expanded vector q (each input G times). */
    private static final VectorShuffle<Float>[][] EXPAND = expandShuffles();

    private PackedFilterConv() {
    }

    static boolean applies(ConvGeometry g) {
        return g.groups() == 1 && g.filters() <= L / 2 && g.strideWidth() == 1;
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[][] expandShuffles() {
        int levels = Integer.numberOfTrailingZeros(L);
        VectorShuffle<Float>[][] all = new VectorShuffle[levels][];
        for (int level = 0; level < levels; level++) {
            int group = 1 << level;
            int perVector = L / group;
            all[level] = new VectorShuffle[group];
            for (int q = 0; q < group; q++) {
                int[] lanes = new int[L];
                for (int i = 0; i < L; i++) {
                    lanes[i] = q * perVector + i / group;
                }
                all[level][q] = VectorShuffle.fromArray(S, lanes, 0);
            }
        }
        return all;
    }

    static void convolve(ConvGeometry g, PackedWeights w, float[] in, int inOffset, int batch, float[] out,
                         int outOffset, Scratch scratch) {
        int f = g.filters();
        int c = g.inChannels();
        int group = Integer.highestOneBit(f) == f ? f : Integer.highestOneBit(f) << 1;
        int perVector = L / group;
        int blockPixels = VECTORS * perVector;
        int taps = g.kernelHeight() * g.kernelWidth() * c;
        // The tap weights repeated for each pixel of a vector (a few hundred values: rebuilt per call).
        float[] k = w.kernel();
        float[] weights = scratch.weights(taps * L);
        for (int t = 0; t < taps; t++) {
            for (int p = 0; p < perVector; p++) {
                System.arraycopy(k, t * L, weights, t * L + p * group, group);
            }
        }
        FloatVector bias = null;
        if (w.bias() != null) {
            float[] lanes = scratch.small(L);
            for (int p = 0; p < perVector; p++) {
                System.arraycopy(w.bias(), 0, lanes, p * group, group);
            }
            bias = FloatVector.fromArray(S, lanes, 0);
        }
        int paddedHeight = Math.max((g.outHeight() - 1) * g.strideHeight()
                + (g.kernelHeight() - 1) * g.dilationHeight() + 1, g.padTop() + g.inHeight());
        int rowLength = roundUp(g.inWidth(), L);
        int paddedWidth = Math.max(roundUp(g.outWidth(), blockPixels) + (g.kernelWidth() - 1) * g.dilationWidth(),
                g.padLeft() + rowLength);
        float[] x = scratch.padded(g, paddedHeight * c * paddedWidth * group);
        float[] row = scratch.row(rowLength);
        Arrays.fill(row, g.inWidth(), rowLength, 0f);
        float[] tile = scratch.tile(blockPixels * group);
        VectorShuffle<Float>[] expand = EXPAND[Integer.numberOfTrailingZeros(group)];
        int channelStep = paddedWidth * group;
        // Offset of every tap (kh, kw, c) in the expanded image: one flat loop (see RegisterBlockedConv).
        int tapCount = g.kernelHeight() * g.kernelWidth() * c;
        int[] tapOffsets = scratch.taps(tapCount);
        int t = 0;
        for (int i = 0; i < g.kernelHeight(); i++) {
            for (int j = 0; j < g.kernelWidth(); j++) {
                for (int ch = 0; ch < c; ch++) {
                    tapOffsets[t++] = i * g.dilationHeight() * c * channelStep + j * g.dilationWidth() * group
                            + ch * channelStep;
                }
            }
        }
        int ow = g.outWidth();
        boolean direct = f == group;
        for (int n = 0; n < batch; n++) {
            expand(g, in, inOffset + n * g.inputImageSize(), row, x, paddedWidth, group, expand);
            int outImage = outOffset + n * g.outputImageSize();
            for (int oh = 0; oh < g.outHeight(); oh++) {
                int xRow = oh * g.strideHeight() * c * channelStep;
                int outRow = outImage + oh * ow * f;
                for (int ow0 = 0; ow0 < ow; ow0 += blockPixels) {
                    int xOff = xRow + ow0 * group;
                    if (direct && ow0 + blockPixels <= ow) {
                        block16(x, xOff, tapOffsets, tapCount, weights, bias, out, outRow + ow0 * f);
                    } else {
                        block16(x, xOff, tapOffsets, tapCount, weights, bias, tile, 0);
                        int pixels = Math.min(blockPixels, ow - ow0);
                        for (int p = 0; p < pixels; p++) {
                            System.arraycopy(tile, p * group, out, outRow + (ow0 + p) * f, f);
                        }
                    }
                }
            }
        }
    }

    /** Writes the image into [row][channel][column][G], every value repeated G times; borders stay zero. */
    private static void expand(ConvGeometry g, float[] in, int inOff, float[] row, float[] x, int paddedWidth,
                               int group, VectorShuffle<Float>[] expand) {
        int c = g.inChannels();
        int w = g.inWidth();
        int perVector = L / group;
        for (int ih = 0; ih < g.inHeight(); ih++) {
            int src = inOff + ih * w * c;
            for (int ch = 0; ch < c; ch++) {
                if (c == 1) {
                    System.arraycopy(in, src, row, 0, w);
                } else {
                    for (int iw = 0; iw < w; iw++) {
                        row[iw] = in[src + iw * c + ch];
                    }
                }
                // row is zero past w, so the whole vectors below only add zeros to the right border.
                int dst = (((ih + g.padTop()) * c + ch) * paddedWidth + g.padLeft()) * group;
                for (int iw = 0; iw < w; iw += L) {
                    FloatVector v = FloatVector.fromArray(S, row, iw);
                    for (int q = 0; q < group; q++) {
                        v.rearrange(expand[q]).intoArray(x, dst + (iw + q * perVector) * group);
                    }
                }
            }
        }
    }

    static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    /** 16 vectors of (pixel, filter) lanes stay in registers over every tap. */
    private static void block16(float[] xe, int xOff, int[] taps, int tapCount, float[] w, FloatVector bias,
            float[] out, int outOff) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero, a8 = zero, a9 = zero, a10 = zero, a11 = zero, a12 = zero, a13 = zero, a14 = zero, a15 = zero;
        for (int t = 0; t < tapCount; t++) {
            int xo = xOff + taps[t];
            FloatVector wv = FloatVector.fromArray(S, w, t * L);
            a0 = FloatVector.fromArray(S, xe, xo).fma(wv, a0);
            a1 = FloatVector.fromArray(S, xe, xo + 1 * L).fma(wv, a1);
            a2 = FloatVector.fromArray(S, xe, xo + 2 * L).fma(wv, a2);
            a3 = FloatVector.fromArray(S, xe, xo + 3 * L).fma(wv, a3);
            a4 = FloatVector.fromArray(S, xe, xo + 4 * L).fma(wv, a4);
            a5 = FloatVector.fromArray(S, xe, xo + 5 * L).fma(wv, a5);
            a6 = FloatVector.fromArray(S, xe, xo + 6 * L).fma(wv, a6);
            a7 = FloatVector.fromArray(S, xe, xo + 7 * L).fma(wv, a7);
            a8 = FloatVector.fromArray(S, xe, xo + 8 * L).fma(wv, a8);
            a9 = FloatVector.fromArray(S, xe, xo + 9 * L).fma(wv, a9);
            a10 = FloatVector.fromArray(S, xe, xo + 10 * L).fma(wv, a10);
            a11 = FloatVector.fromArray(S, xe, xo + 11 * L).fma(wv, a11);
            a12 = FloatVector.fromArray(S, xe, xo + 12 * L).fma(wv, a12);
            a13 = FloatVector.fromArray(S, xe, xo + 13 * L).fma(wv, a13);
            a14 = FloatVector.fromArray(S, xe, xo + 14 * L).fma(wv, a14);
            a15 = FloatVector.fromArray(S, xe, xo + 15 * L).fma(wv, a15);
        }
        if (bias != null) {
            a0 = a0.add(bias); a1 = a1.add(bias); a2 = a2.add(bias); a3 = a3.add(bias); a4 = a4.add(bias); a5 = a5.add(bias); a6 = a6.add(bias); a7 = a7.add(bias); a8 = a8.add(bias); a9 = a9.add(bias); a10 = a10.add(bias); a11 = a11.add(bias); a12 = a12.add(bias); a13 = a13.add(bias); a14 = a14.add(bias); a15 = a15.add(bias);
        }
        a0.intoArray(out, outOff);
        a1.intoArray(out, outOff + 1 * L);
        a2.intoArray(out, outOff + 2 * L);
        a3.intoArray(out, outOff + 3 * L);
        a4.intoArray(out, outOff + 4 * L);
        a5.intoArray(out, outOff + 5 * L);
        a6.intoArray(out, outOff + 6 * L);
        a7.intoArray(out, outOff + 7 * L);
        a8.intoArray(out, outOff + 8 * L);
        a9.intoArray(out, outOff + 9 * L);
        a10.intoArray(out, outOff + 10 * L);
        a11.intoArray(out, outOff + 11 * L);
        a12.intoArray(out, outOff + 12 * L);
        a13.intoArray(out, outOff + 13 * L);
        a14.intoArray(out, outOff + 14 * L);
        a15.intoArray(out, outOff + 15 * L);
    }
}
