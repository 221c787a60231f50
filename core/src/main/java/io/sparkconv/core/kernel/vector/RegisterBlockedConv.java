package io.sparkconv.core.kernel.vector;

import io.sparkconv.core.conv.ConvGeometry;
import io.sparkconv.core.kernel.PackedWeights;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Direct NHWC convolution register-blocked as R output pixels x V filter vectors: the R x V
 * accumulators (about 24 of the 32 vector registers) stay in registers over the whole receptive field,
 * each tap loads V weight vectors and broadcasts one input value per pixel, so every load feeds R or V
 * FMAs. Weights are the kernel's {@link PackedWeights} (blocks of L filters, [kh][kw][c][L]); the V
 * vectors of a tap are V consecutive blocks, one block size apart.
 *
 * <p>The image is first copied into a zero-padded buffer, so the hot loop has no border tests: SAME
 * padding and the ragged right end of a row (computed up to a whole block, then dropped) read zeros.
 * The taps (kh, kw, c) run as one flat loop over a table of input offsets: on JDK 17, C2 keeps vectors
 * in registers only in a single loop, nested loops box every accumulator on each pass. A 1x1 stride-1 layer
 * needs no copy and runs as a blocked GEMM over all pixels of the batch, chunked so the chunk stays in L2.
 * Whole blocks are stored straight into the output; ragged ones (last pixels, filters not a multiple of
 * L) go through a small tile. Bias is added after the sum, as TensorFlow's separate BiasAdd does.
 */
final class RegisterBlockedConv {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Pixels per micro-kernel call, by filter vectors per call. */
    private static final int[] PIXELS = {0, 12, 12, 8, 6};
    private static final int MAX_PIXELS = 12;
    /** Pixels per chunk of the 1x1 path: a multiple of every PIXELS entry, small enough for L2. */
    private static final int POINTWISE_CHUNK = 240;

    private RegisterBlockedConv() {
    }

    static boolean pointwise(ConvGeometry g) {
        return g.kernelHeight() == 1 && g.kernelWidth() == 1 && g.strideHeight() == 1 && g.strideWidth() == 1;
    }

    static void convolve(ConvGeometry g, PackedWeights w, float[] in, int inOffset, int batch, float[] out,
                         int outOffset, Scratch scratch) {
        if (pointwise(g)) {
            pointwise(g, w, in, inOffset, batch * g.inHeight() * g.inWidth(), out, outOffset, scratch);
            return;
        }
        int paddedHeight = Math.max((g.outHeight() - 1) * g.strideHeight()
                + (g.kernelHeight() - 1) * g.dilationHeight() + 1, g.padTop() + g.inHeight());
        int computedWidth = roundUp(g.outWidth(), MAX_PIXELS);
        int paddedWidth = Math.max((computedWidth - 1) * g.strideWidth()
                + (g.kernelWidth() - 1) * g.dilationWidth() + 1, g.padLeft() + g.inWidth());
        float[] x = scratch.padded(g, paddedHeight * paddedWidth * g.inChannels());
        float[] tile = scratch.tile(MAX_PIXELS * 4 * L);
        // Input offset of every tap (kh, kw, c of a group) from a pixel's first channel of the group: one flat
        // loop in the micro-kernels.
        int c = g.inChannels();
        int cg = g.inChannelsPerGroup();
        int[] taps = scratch.taps(g.kernelHeight() * g.kernelWidth() * cg);
        int t = 0;
        for (int i = 0; i < g.kernelHeight(); i++) {
            for (int j = 0; j < g.kernelWidth(); j++) {
                for (int ch = 0; ch < cg; ch++) {
                    taps[t++] = (i * g.dilationHeight() * paddedWidth + j * g.dilationWidth()) * c + ch;
                }
            }
        }
        for (int n = 0; n < batch; n++) {
            image(g, w, in, inOffset + n * g.inputImageSize(), x, paddedWidth, taps, tile, out,
                    outOffset + n * g.outputImageSize());
        }
    }

    private static void image(ConvGeometry g, PackedWeights w, float[] in, int inOff, float[] x, int paddedWidth,
                              int[] taps, float[] tile, float[] out, int outOff) {
        int c = g.inChannels();
        int rowLength = g.inWidth() * c;
        for (int ih = 0; ih < g.inHeight(); ih++) {
            System.arraycopy(in, inOff + ih * rowLength, x, ((ih + g.padTop()) * paddedWidth + g.padLeft()) * c,
                    rowLength);
        }
        int f = g.filters();
        int ow = g.outWidth();
        int pixelStride = g.strideWidth() * c;
        int cg = g.inChannelsPerGroup();
        int fg = g.filtersPerGroup();
        int tapCount = g.kernelHeight() * g.kernelWidth() * cg;
        int blocks = w.blocksPerGroup();
        for (int group = 0; group < g.groups(); group++) {
            int groupChannel = group * cg;
            for (int b0 = 0; b0 < blocks; ) {
                int vectors = vectorsAt(b0, blocks);
                int firstBlock = group * blocks + b0;                // its index in PackedWeights
                int f0 = group * fg + b0 * L;
                int width = Math.min(vectors * L, fg - b0 * L);
                boolean wholeFilters = width == vectors * L;
                int pixels = PIXELS[vectors];
                for (int oh = 0; oh < g.outHeight(); oh++) {
                    int xRow = oh * g.strideHeight() * paddedWidth * c + groupChannel;
                    int outRow = outOff + oh * ow * f + f0;
                    for (int ow0 = 0; ow0 < ow; ow0 += pixels) {
                        int xOff = xRow + ow0 * pixelStride;
                        if (wholeFilters && ow0 + pixels <= ow) {
                            block(vectors, x, xOff, pixelStride, taps, tapCount, w, firstBlock, out,
                                    outRow + ow0 * f, f);
                        } else {
                            block(vectors, x, xOff, pixelStride, taps, tapCount, w, firstBlock, tile, 0,
                                    vectors * L);
                            copyTile(tile, vectors * L, Math.min(pixels, ow - ow0), width, out, outRow + ow0 * f,
                                    f);
                        }
                    }
                }
                b0 += vectors;
            }
        }
    }

    private static void pointwise(ConvGeometry g, PackedWeights w, float[] in, int inOff, int pixelsTotal,
                                  float[] out, int outOff, Scratch scratch) {
        int c = g.inChannels();
        int f = g.filters();
        int cg = g.inChannelsPerGroup();
        int fg = g.filtersPerGroup();
        int blocks = w.blocksPerGroup();
        float[] tile = scratch.tile(MAX_PIXELS * 4 * L);
        int[] taps = scratch.taps(cg);
        for (int ch = 0; ch < cg; ch++) {
            taps[ch] = ch;
        }
        for (int m0 = 0; m0 < pixelsTotal; m0 += POINTWISE_CHUNK) {
            int mEnd = Math.min(pixelsTotal, m0 + POINTWISE_CHUNK);
            for (int group = 0; group < g.groups(); group++) {
                for (int b0 = 0; b0 < blocks; ) {
                    int vectors = vectorsAt(b0, blocks);
                    int firstBlock = group * blocks + b0;
                    int f0 = group * fg + b0 * L;
                    int width = Math.min(vectors * L, fg - b0 * L);
                    boolean wholeFilters = width == vectors * L;
                    int pixels = PIXELS[vectors];
                    for (int m = m0; m < mEnd; m += pixels) {
                        int count = Math.min(pixels, mEnd - m);
                        float[] x = in;
                        int xOff = inOff + m * c;
                        if (count < pixels) {
                            // The batch's last pixels: read a zero-filled copy, never past the caller's input.
                            x = scratch.small(pixels * c);
                            Arrays.fill(x, 0, pixels * c, 0f);
                            System.arraycopy(in, xOff, x, 0, count * c);
                            xOff = 0;
                        }
                        xOff += group * cg;
                        if (wholeFilters && count == pixels) {
                            block(vectors, x, xOff, c, taps, cg, w, firstBlock, out, outOff + m * f + f0, f);
                        } else {
                            block(vectors, x, xOff, c, taps, cg, w, firstBlock, tile, 0, vectors * L);
                            copyTile(tile, vectors * L, count, width, out, outOff + m * f + f0, f);
                        }
                    }
                    b0 += vectors;
                }
            }
        }
    }

    /** Filter vectors of the call starting at block {@code b0}: fours, never leaving a lone vector after a four. */
    private static int vectorsAt(int b0, int blocks) {
        int left = blocks - b0;
        if (left >= 6 || left == 4) {
            return 4;
        }
        return left == 5 ? 3 : left;
    }

    static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    private static void copyTile(float[] tile, int tileStride, int pixels, int width, float[] out, int outOff,
                                 int outStride) {
        for (int p = 0; p < pixels; p++) {
            System.arraycopy(tile, p * tileStride, out, outOff + p * outStride, width);
        }
    }

    private static void block(int vectors, float[] x, int xOff, int pixelStride, int[] taps, int tapCount,
                              PackedWeights w, int firstBlock, float[] out, int outOff, int outPixelStride) {
        float[] k = w.kernel();
        int stride = w.blockSize();
        int wOff = firstBlock * stride;
        float[] bias = w.bias();
        int biasOff = firstBlock * L;
        switch (vectors) {
            case 4 -> block4x6(x, xOff, pixelStride, taps, tapCount, k, wOff, stride, bias, biasOff, out, outOff,
                    outPixelStride);
            case 3 -> block3x8(x, xOff, pixelStride, taps, tapCount, k, wOff, stride, bias, biasOff, out, outOff,
                    outPixelStride);
            case 2 -> block2x12(x, xOff, pixelStride, taps, tapCount, k, wOff, stride, bias, biasOff, out, outOff,
                    outPixelStride);
            default -> block1x12(x, xOff, pixelStride, taps, tapCount, k, wOff, stride, bias, biasOff, out, outOff,
                    outPixelStride);
        }
    }

    /** 6 output pixels x 4 filter vectors: 24 accumulators stay in registers over every tap. */
    static void block4x6(float[] x, int xOff, int pixelStride, int[] taps, int tapCount, float[] w,
            int wOff, int blockStride, float[] bias, int biasOff, float[] out, int outOff, int outPixelStride) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector a0_0 = zero, a0_1 = zero, a0_2 = zero, a0_3 = zero;
        FloatVector a1_0 = zero, a1_1 = zero, a1_2 = zero, a1_3 = zero;
        FloatVector a2_0 = zero, a2_1 = zero, a2_2 = zero, a2_3 = zero;
        FloatVector a3_0 = zero, a3_1 = zero, a3_2 = zero, a3_3 = zero;
        FloatVector a4_0 = zero, a4_1 = zero, a4_2 = zero, a4_3 = zero;
        FloatVector a5_0 = zero, a5_1 = zero, a5_2 = zero, a5_3 = zero;
        for (int t = 0; t < tapCount; t++) {
            int xo = xOff + taps[t];
            int wo = wOff + t * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + 1 * blockStride);
            FloatVector w2 = FloatVector.fromArray(S, w, wo + 2 * blockStride);
            FloatVector w3 = FloatVector.fromArray(S, w, wo + 3 * blockStride);
            FloatVector b = FloatVector.broadcast(S, x[xo]);
            a0_0 = w0.fma(b, a0_0); a0_1 = w1.fma(b, a0_1); a0_2 = w2.fma(b, a0_2); a0_3 = w3.fma(b, a0_3);
            b = FloatVector.broadcast(S, x[xo + 1 * pixelStride]);
            a1_0 = w0.fma(b, a1_0); a1_1 = w1.fma(b, a1_1); a1_2 = w2.fma(b, a1_2); a1_3 = w3.fma(b, a1_3);
            b = FloatVector.broadcast(S, x[xo + 2 * pixelStride]);
            a2_0 = w0.fma(b, a2_0); a2_1 = w1.fma(b, a2_1); a2_2 = w2.fma(b, a2_2); a2_3 = w3.fma(b, a2_3);
            b = FloatVector.broadcast(S, x[xo + 3 * pixelStride]);
            a3_0 = w0.fma(b, a3_0); a3_1 = w1.fma(b, a3_1); a3_2 = w2.fma(b, a3_2); a3_3 = w3.fma(b, a3_3);
            b = FloatVector.broadcast(S, x[xo + 4 * pixelStride]);
            a4_0 = w0.fma(b, a4_0); a4_1 = w1.fma(b, a4_1); a4_2 = w2.fma(b, a4_2); a4_3 = w3.fma(b, a4_3);
            b = FloatVector.broadcast(S, x[xo + 5 * pixelStride]);
            a5_0 = w0.fma(b, a5_0); a5_1 = w1.fma(b, a5_1); a5_2 = w2.fma(b, a5_2); a5_3 = w3.fma(b, a5_3);
        }
        if (bias != null) {
            FloatVector bias0 = FloatVector.fromArray(S, bias, biasOff);
            FloatVector bias1 = FloatVector.fromArray(S, bias, biasOff + 1 * L);
            FloatVector bias2 = FloatVector.fromArray(S, bias, biasOff + 2 * L);
            FloatVector bias3 = FloatVector.fromArray(S, bias, biasOff + 3 * L);
            a0_0 = a0_0.add(bias0); a0_1 = a0_1.add(bias1); a0_2 = a0_2.add(bias2); a0_3 = a0_3.add(bias3);
            a1_0 = a1_0.add(bias0); a1_1 = a1_1.add(bias1); a1_2 = a1_2.add(bias2); a1_3 = a1_3.add(bias3);
            a2_0 = a2_0.add(bias0); a2_1 = a2_1.add(bias1); a2_2 = a2_2.add(bias2); a2_3 = a2_3.add(bias3);
            a3_0 = a3_0.add(bias0); a3_1 = a3_1.add(bias1); a3_2 = a3_2.add(bias2); a3_3 = a3_3.add(bias3);
            a4_0 = a4_0.add(bias0); a4_1 = a4_1.add(bias1); a4_2 = a4_2.add(bias2); a4_3 = a4_3.add(bias3);
            a5_0 = a5_0.add(bias0); a5_1 = a5_1.add(bias1); a5_2 = a5_2.add(bias2); a5_3 = a5_3.add(bias3);
        }
        a0_0.intoArray(out, outOff); a0_1.intoArray(out, outOff + 1 * L); a0_2.intoArray(out, outOff + 2 * L); a0_3.intoArray(out, outOff + 3 * L);
        a1_0.intoArray(out, outOff + 1 * outPixelStride); a1_1.intoArray(out, outOff + 1 * outPixelStride + 1 * L); a1_2.intoArray(out, outOff + 1 * outPixelStride + 2 * L); a1_3.intoArray(out, outOff + 1 * outPixelStride + 3 * L);
        a2_0.intoArray(out, outOff + 2 * outPixelStride); a2_1.intoArray(out, outOff + 2 * outPixelStride + 1 * L); a2_2.intoArray(out, outOff + 2 * outPixelStride + 2 * L); a2_3.intoArray(out, outOff + 2 * outPixelStride + 3 * L);
        a3_0.intoArray(out, outOff + 3 * outPixelStride); a3_1.intoArray(out, outOff + 3 * outPixelStride + 1 * L); a3_2.intoArray(out, outOff + 3 * outPixelStride + 2 * L); a3_3.intoArray(out, outOff + 3 * outPixelStride + 3 * L);
        a4_0.intoArray(out, outOff + 4 * outPixelStride); a4_1.intoArray(out, outOff + 4 * outPixelStride + 1 * L); a4_2.intoArray(out, outOff + 4 * outPixelStride + 2 * L); a4_3.intoArray(out, outOff + 4 * outPixelStride + 3 * L);
        a5_0.intoArray(out, outOff + 5 * outPixelStride); a5_1.intoArray(out, outOff + 5 * outPixelStride + 1 * L); a5_2.intoArray(out, outOff + 5 * outPixelStride + 2 * L); a5_3.intoArray(out, outOff + 5 * outPixelStride + 3 * L);
    }

    /** 8 output pixels x 3 filter vectors: 24 accumulators stay in registers over every tap. */
    static void block3x8(float[] x, int xOff, int pixelStride, int[] taps, int tapCount, float[] w,
            int wOff, int blockStride, float[] bias, int biasOff, float[] out, int outOff, int outPixelStride) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector a0_0 = zero, a0_1 = zero, a0_2 = zero;
        FloatVector a1_0 = zero, a1_1 = zero, a1_2 = zero;
        FloatVector a2_0 = zero, a2_1 = zero, a2_2 = zero;
        FloatVector a3_0 = zero, a3_1 = zero, a3_2 = zero;
        FloatVector a4_0 = zero, a4_1 = zero, a4_2 = zero;
        FloatVector a5_0 = zero, a5_1 = zero, a5_2 = zero;
        FloatVector a6_0 = zero, a6_1 = zero, a6_2 = zero;
        FloatVector a7_0 = zero, a7_1 = zero, a7_2 = zero;
        for (int t = 0; t < tapCount; t++) {
            int xo = xOff + taps[t];
            int wo = wOff + t * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + 1 * blockStride);
            FloatVector w2 = FloatVector.fromArray(S, w, wo + 2 * blockStride);
            FloatVector b = FloatVector.broadcast(S, x[xo]);
            a0_0 = w0.fma(b, a0_0); a0_1 = w1.fma(b, a0_1); a0_2 = w2.fma(b, a0_2);
            b = FloatVector.broadcast(S, x[xo + 1 * pixelStride]);
            a1_0 = w0.fma(b, a1_0); a1_1 = w1.fma(b, a1_1); a1_2 = w2.fma(b, a1_2);
            b = FloatVector.broadcast(S, x[xo + 2 * pixelStride]);
            a2_0 = w0.fma(b, a2_0); a2_1 = w1.fma(b, a2_1); a2_2 = w2.fma(b, a2_2);
            b = FloatVector.broadcast(S, x[xo + 3 * pixelStride]);
            a3_0 = w0.fma(b, a3_0); a3_1 = w1.fma(b, a3_1); a3_2 = w2.fma(b, a3_2);
            b = FloatVector.broadcast(S, x[xo + 4 * pixelStride]);
            a4_0 = w0.fma(b, a4_0); a4_1 = w1.fma(b, a4_1); a4_2 = w2.fma(b, a4_2);
            b = FloatVector.broadcast(S, x[xo + 5 * pixelStride]);
            a5_0 = w0.fma(b, a5_0); a5_1 = w1.fma(b, a5_1); a5_2 = w2.fma(b, a5_2);
            b = FloatVector.broadcast(S, x[xo + 6 * pixelStride]);
            a6_0 = w0.fma(b, a6_0); a6_1 = w1.fma(b, a6_1); a6_2 = w2.fma(b, a6_2);
            b = FloatVector.broadcast(S, x[xo + 7 * pixelStride]);
            a7_0 = w0.fma(b, a7_0); a7_1 = w1.fma(b, a7_1); a7_2 = w2.fma(b, a7_2);
        }
        if (bias != null) {
            FloatVector bias0 = FloatVector.fromArray(S, bias, biasOff);
            FloatVector bias1 = FloatVector.fromArray(S, bias, biasOff + 1 * L);
            FloatVector bias2 = FloatVector.fromArray(S, bias, biasOff + 2 * L);
            a0_0 = a0_0.add(bias0); a0_1 = a0_1.add(bias1); a0_2 = a0_2.add(bias2);
            a1_0 = a1_0.add(bias0); a1_1 = a1_1.add(bias1); a1_2 = a1_2.add(bias2);
            a2_0 = a2_0.add(bias0); a2_1 = a2_1.add(bias1); a2_2 = a2_2.add(bias2);
            a3_0 = a3_0.add(bias0); a3_1 = a3_1.add(bias1); a3_2 = a3_2.add(bias2);
            a4_0 = a4_0.add(bias0); a4_1 = a4_1.add(bias1); a4_2 = a4_2.add(bias2);
            a5_0 = a5_0.add(bias0); a5_1 = a5_1.add(bias1); a5_2 = a5_2.add(bias2);
            a6_0 = a6_0.add(bias0); a6_1 = a6_1.add(bias1); a6_2 = a6_2.add(bias2);
            a7_0 = a7_0.add(bias0); a7_1 = a7_1.add(bias1); a7_2 = a7_2.add(bias2);
        }
        a0_0.intoArray(out, outOff); a0_1.intoArray(out, outOff + 1 * L); a0_2.intoArray(out, outOff + 2 * L);
        a1_0.intoArray(out, outOff + 1 * outPixelStride); a1_1.intoArray(out, outOff + 1 * outPixelStride + 1 * L); a1_2.intoArray(out, outOff + 1 * outPixelStride + 2 * L);
        a2_0.intoArray(out, outOff + 2 * outPixelStride); a2_1.intoArray(out, outOff + 2 * outPixelStride + 1 * L); a2_2.intoArray(out, outOff + 2 * outPixelStride + 2 * L);
        a3_0.intoArray(out, outOff + 3 * outPixelStride); a3_1.intoArray(out, outOff + 3 * outPixelStride + 1 * L); a3_2.intoArray(out, outOff + 3 * outPixelStride + 2 * L);
        a4_0.intoArray(out, outOff + 4 * outPixelStride); a4_1.intoArray(out, outOff + 4 * outPixelStride + 1 * L); a4_2.intoArray(out, outOff + 4 * outPixelStride + 2 * L);
        a5_0.intoArray(out, outOff + 5 * outPixelStride); a5_1.intoArray(out, outOff + 5 * outPixelStride + 1 * L); a5_2.intoArray(out, outOff + 5 * outPixelStride + 2 * L);
        a6_0.intoArray(out, outOff + 6 * outPixelStride); a6_1.intoArray(out, outOff + 6 * outPixelStride + 1 * L); a6_2.intoArray(out, outOff + 6 * outPixelStride + 2 * L);
        a7_0.intoArray(out, outOff + 7 * outPixelStride); a7_1.intoArray(out, outOff + 7 * outPixelStride + 1 * L); a7_2.intoArray(out, outOff + 7 * outPixelStride + 2 * L);
    }

    /** 12 output pixels x 2 filter vectors: 24 accumulators stay in registers over every tap. */
    static void block2x12(float[] x, int xOff, int pixelStride, int[] taps, int tapCount, float[] w,
            int wOff, int blockStride, float[] bias, int biasOff, float[] out, int outOff, int outPixelStride) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector a0_0 = zero, a0_1 = zero;
        FloatVector a1_0 = zero, a1_1 = zero;
        FloatVector a2_0 = zero, a2_1 = zero;
        FloatVector a3_0 = zero, a3_1 = zero;
        FloatVector a4_0 = zero, a4_1 = zero;
        FloatVector a5_0 = zero, a5_1 = zero;
        FloatVector a6_0 = zero, a6_1 = zero;
        FloatVector a7_0 = zero, a7_1 = zero;
        FloatVector a8_0 = zero, a8_1 = zero;
        FloatVector a9_0 = zero, a9_1 = zero;
        FloatVector a10_0 = zero, a10_1 = zero;
        FloatVector a11_0 = zero, a11_1 = zero;
        for (int t = 0; t < tapCount; t++) {
            int xo = xOff + taps[t];
            int wo = wOff + t * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + 1 * blockStride);
            FloatVector b = FloatVector.broadcast(S, x[xo]);
            a0_0 = w0.fma(b, a0_0); a0_1 = w1.fma(b, a0_1);
            b = FloatVector.broadcast(S, x[xo + 1 * pixelStride]);
            a1_0 = w0.fma(b, a1_0); a1_1 = w1.fma(b, a1_1);
            b = FloatVector.broadcast(S, x[xo + 2 * pixelStride]);
            a2_0 = w0.fma(b, a2_0); a2_1 = w1.fma(b, a2_1);
            b = FloatVector.broadcast(S, x[xo + 3 * pixelStride]);
            a3_0 = w0.fma(b, a3_0); a3_1 = w1.fma(b, a3_1);
            b = FloatVector.broadcast(S, x[xo + 4 * pixelStride]);
            a4_0 = w0.fma(b, a4_0); a4_1 = w1.fma(b, a4_1);
            b = FloatVector.broadcast(S, x[xo + 5 * pixelStride]);
            a5_0 = w0.fma(b, a5_0); a5_1 = w1.fma(b, a5_1);
            b = FloatVector.broadcast(S, x[xo + 6 * pixelStride]);
            a6_0 = w0.fma(b, a6_0); a6_1 = w1.fma(b, a6_1);
            b = FloatVector.broadcast(S, x[xo + 7 * pixelStride]);
            a7_0 = w0.fma(b, a7_0); a7_1 = w1.fma(b, a7_1);
            b = FloatVector.broadcast(S, x[xo + 8 * pixelStride]);
            a8_0 = w0.fma(b, a8_0); a8_1 = w1.fma(b, a8_1);
            b = FloatVector.broadcast(S, x[xo + 9 * pixelStride]);
            a9_0 = w0.fma(b, a9_0); a9_1 = w1.fma(b, a9_1);
            b = FloatVector.broadcast(S, x[xo + 10 * pixelStride]);
            a10_0 = w0.fma(b, a10_0); a10_1 = w1.fma(b, a10_1);
            b = FloatVector.broadcast(S, x[xo + 11 * pixelStride]);
            a11_0 = w0.fma(b, a11_0); a11_1 = w1.fma(b, a11_1);
        }
        if (bias != null) {
            FloatVector bias0 = FloatVector.fromArray(S, bias, biasOff);
            FloatVector bias1 = FloatVector.fromArray(S, bias, biasOff + 1 * L);
            a0_0 = a0_0.add(bias0); a0_1 = a0_1.add(bias1);
            a1_0 = a1_0.add(bias0); a1_1 = a1_1.add(bias1);
            a2_0 = a2_0.add(bias0); a2_1 = a2_1.add(bias1);
            a3_0 = a3_0.add(bias0); a3_1 = a3_1.add(bias1);
            a4_0 = a4_0.add(bias0); a4_1 = a4_1.add(bias1);
            a5_0 = a5_0.add(bias0); a5_1 = a5_1.add(bias1);
            a6_0 = a6_0.add(bias0); a6_1 = a6_1.add(bias1);
            a7_0 = a7_0.add(bias0); a7_1 = a7_1.add(bias1);
            a8_0 = a8_0.add(bias0); a8_1 = a8_1.add(bias1);
            a9_0 = a9_0.add(bias0); a9_1 = a9_1.add(bias1);
            a10_0 = a10_0.add(bias0); a10_1 = a10_1.add(bias1);
            a11_0 = a11_0.add(bias0); a11_1 = a11_1.add(bias1);
        }
        a0_0.intoArray(out, outOff); a0_1.intoArray(out, outOff + 1 * L);
        a1_0.intoArray(out, outOff + 1 * outPixelStride); a1_1.intoArray(out, outOff + 1 * outPixelStride + 1 * L);
        a2_0.intoArray(out, outOff + 2 * outPixelStride); a2_1.intoArray(out, outOff + 2 * outPixelStride + 1 * L);
        a3_0.intoArray(out, outOff + 3 * outPixelStride); a3_1.intoArray(out, outOff + 3 * outPixelStride + 1 * L);
        a4_0.intoArray(out, outOff + 4 * outPixelStride); a4_1.intoArray(out, outOff + 4 * outPixelStride + 1 * L);
        a5_0.intoArray(out, outOff + 5 * outPixelStride); a5_1.intoArray(out, outOff + 5 * outPixelStride + 1 * L);
        a6_0.intoArray(out, outOff + 6 * outPixelStride); a6_1.intoArray(out, outOff + 6 * outPixelStride + 1 * L);
        a7_0.intoArray(out, outOff + 7 * outPixelStride); a7_1.intoArray(out, outOff + 7 * outPixelStride + 1 * L);
        a8_0.intoArray(out, outOff + 8 * outPixelStride); a8_1.intoArray(out, outOff + 8 * outPixelStride + 1 * L);
        a9_0.intoArray(out, outOff + 9 * outPixelStride); a9_1.intoArray(out, outOff + 9 * outPixelStride + 1 * L);
        a10_0.intoArray(out, outOff + 10 * outPixelStride); a10_1.intoArray(out, outOff + 10 * outPixelStride + 1 * L);
        a11_0.intoArray(out, outOff + 11 * outPixelStride); a11_1.intoArray(out, outOff + 11 * outPixelStride + 1 * L);
    }

    /** 12 output pixels x 1 filter vectors: 12 accumulators stay in registers over every tap. */
    static void block1x12(float[] x, int xOff, int pixelStride, int[] taps, int tapCount, float[] w,
            int wOff, int blockStride, float[] bias, int biasOff, float[] out, int outOff, int outPixelStride) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector a0_0 = zero;
        FloatVector a1_0 = zero;
        FloatVector a2_0 = zero;
        FloatVector a3_0 = zero;
        FloatVector a4_0 = zero;
        FloatVector a5_0 = zero;
        FloatVector a6_0 = zero;
        FloatVector a7_0 = zero;
        FloatVector a8_0 = zero;
        FloatVector a9_0 = zero;
        FloatVector a10_0 = zero;
        FloatVector a11_0 = zero;
        for (int t = 0; t < tapCount; t++) {
            int xo = xOff + taps[t];
            int wo = wOff + t * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector b = FloatVector.broadcast(S, x[xo]);
            a0_0 = w0.fma(b, a0_0);
            b = FloatVector.broadcast(S, x[xo + 1 * pixelStride]);
            a1_0 = w0.fma(b, a1_0);
            b = FloatVector.broadcast(S, x[xo + 2 * pixelStride]);
            a2_0 = w0.fma(b, a2_0);
            b = FloatVector.broadcast(S, x[xo + 3 * pixelStride]);
            a3_0 = w0.fma(b, a3_0);
            b = FloatVector.broadcast(S, x[xo + 4 * pixelStride]);
            a4_0 = w0.fma(b, a4_0);
            b = FloatVector.broadcast(S, x[xo + 5 * pixelStride]);
            a5_0 = w0.fma(b, a5_0);
            b = FloatVector.broadcast(S, x[xo + 6 * pixelStride]);
            a6_0 = w0.fma(b, a6_0);
            b = FloatVector.broadcast(S, x[xo + 7 * pixelStride]);
            a7_0 = w0.fma(b, a7_0);
            b = FloatVector.broadcast(S, x[xo + 8 * pixelStride]);
            a8_0 = w0.fma(b, a8_0);
            b = FloatVector.broadcast(S, x[xo + 9 * pixelStride]);
            a9_0 = w0.fma(b, a9_0);
            b = FloatVector.broadcast(S, x[xo + 10 * pixelStride]);
            a10_0 = w0.fma(b, a10_0);
            b = FloatVector.broadcast(S, x[xo + 11 * pixelStride]);
            a11_0 = w0.fma(b, a11_0);
        }
        if (bias != null) {
            FloatVector bias0 = FloatVector.fromArray(S, bias, biasOff);
            a0_0 = a0_0.add(bias0);
            a1_0 = a1_0.add(bias0);
            a2_0 = a2_0.add(bias0);
            a3_0 = a3_0.add(bias0);
            a4_0 = a4_0.add(bias0);
            a5_0 = a5_0.add(bias0);
            a6_0 = a6_0.add(bias0);
            a7_0 = a7_0.add(bias0);
            a8_0 = a8_0.add(bias0);
            a9_0 = a9_0.add(bias0);
            a10_0 = a10_0.add(bias0);
            a11_0 = a11_0.add(bias0);
        }
        a0_0.intoArray(out, outOff);
        a1_0.intoArray(out, outOff + 1 * outPixelStride);
        a2_0.intoArray(out, outOff + 2 * outPixelStride);
        a3_0.intoArray(out, outOff + 3 * outPixelStride);
        a4_0.intoArray(out, outOff + 4 * outPixelStride);
        a5_0.intoArray(out, outOff + 5 * outPixelStride);
        a6_0.intoArray(out, outOff + 6 * outPixelStride);
        a7_0.intoArray(out, outOff + 7 * outPixelStride);
        a8_0.intoArray(out, outOff + 8 * outPixelStride);
        a9_0.intoArray(out, outOff + 9 * outPixelStride);
        a10_0.intoArray(out, outOff + 10 * outPixelStride);
        a11_0.intoArray(out, outOff + 11 * outPixelStride);
    }
}
