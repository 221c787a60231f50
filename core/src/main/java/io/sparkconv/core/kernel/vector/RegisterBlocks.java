package io.sparkconv.core.kernel.vector;

import io.sparkconv.core.kernel.PackedWeights;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register blocks of R output pixels x V filter vectors, shared by {@link RegisterBlockedPlan} and
 * {@link PointwisePlan}: the R x V accumulators (up to 24 of the 32 vector registers) stay in registers over
 * the whole receptive field, each tap loads V weight vectors and broadcasts one input value per pixel, so every
 * load feeds R or V FMAs. Weights are {@link PackedWeights} with blocks of L filters, {@link
 * PackedWeights#interleaved interleaved} in runs of V blocks by {@link #schedule}, so the V weight vectors of a
 * tap are adjacent. The taps run as one flat loop over a table
 * of input offsets: on JDK 17, C2 keeps vectors in registers only in a single loop (nested loops box every
 * accumulator on each pass). Bias is added after the sum, as TensorFlow's separate BiasAdd does.
 */
final class RegisterBlocks {

    static final VectorSpecies<Float> S = Lanes.SPECIES;
    static final int L = S.length();
    /**
     * Whether there are 32 vector registers (else 16): blocks of up to 24 accumulators, or of up to 12 (more
     * live vectors than registers would spill to the stack on every tap).
     */
    private static final boolean REGISTERS_32 = Lanes.REGISTERS >= 32;
    /** Pixels per micro-kernel call, by filter vectors per call (at most 4 with 32 registers, 3 with 16). */
    private static final int[] PIXELS = REGISTERS_32 ? new int[] {0, 12, 12, 8, 6} : new int[] {0, 12, 6, 4, 0};
    /** The most pixels of any block. */
    static final int MAX_PIXELS = 12;

    private RegisterBlocks() {
    }

    /** Pixels per call with {@code vectors} filter vectors. */
    static int pixels(int vectors) {
        return PIXELS[vectors];
    }

    /**
     * The filter vectors of each call over one group's {@code blocks} filter blocks, in order: fours (threes
     * with 16 registers), never leaving a lone vector after them (5 = 3 + 2, and 4 = 2 + 2 with 16 registers).
     */
    static int[] schedule(int blocks) {
        int calls = 0;
        for (int b0 = 0; b0 < blocks; b0 += vectorsAt(b0, blocks)) {
            calls++;
        }
        int[] vectors = new int[calls];
        for (int b0 = 0, i = 0; b0 < blocks; b0 += vectors[i++]) {
            vectors[i] = vectorsAt(b0, blocks);
        }
        return vectors;
    }

    /** The distinct block shapes of a schedule, for the plan's name: e.g. {@code "4x6+2x12"}. */
    static String shapes(int[] schedule) {
        StringBuilder name = new StringBuilder();
        for (int v = 4; v >= 1; v--) {
            for (int used : schedule) {
                if (used == v) {
                    name.append(name.length() == 0 ? "" : "+").append(v).append('x').append(PIXELS[v]);
                    break;
                }
            }
        }
        return name.toString();
    }

    /** The largest value of {@code size(vectors)} over a schedule. */
    static int max(int[] schedule, java.util.function.IntUnaryOperator size) {
        int max = 0;
        for (int v : schedule) {
            max = Math.max(max, size.applyAsInt(v));
        }
        return max;
    }

    /** Filter vectors of the call starting at block {@code b0} (see {@link #schedule}). */
    private static int vectorsAt(int b0, int blocks) {
        int left = blocks - b0;
        if (!REGISTERS_32) {
            return left == 4 ? 2 : Math.min(left, 3);
        }
        if (left >= 6 || left == 4) {
            return 4;
        }
        return left == 5 ? 3 : left;
    }

    static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    static void copyTile(float[] tile, int tileStride, int pixels, int width, float[] out, int outOff,
                         int outStride) {
        for (int p = 0; p < pixels; p++) {
            System.arraycopy(tile, p * tileStride, out, outOff + p * outStride, width);
        }
    }

    /**
     * One block: pixel {@code p} of the block reads the input at {@code xRow + cols[c0 + p]} plus each tap's
     * offset, so a block may run on past the end of an output row into the next (the plan's column table
     * carries the jump), and rows narrower than a block waste nothing. Output pixels are consecutive. A null
     * {@code taps} means offsets 0, 1, 2, ... (a 1x1 layer's channels): C2 then proves every input index in
     * bounds once per loop instead of testing each (it unswitches the loop on the null test).
     */
    static void block(int vectors, float[] x, int xRow, int[] cols, int c0, int[] taps, int tapCount,
                      float[] k, float[] bias, int firstBlock, float[] out, int outOff, int outPixelStride) {
        int wOff = firstBlock * tapCount * L;
        int biasOff = firstBlock * L;
        switch (vectors) {
            case 4 -> block4x6(x, xRow, cols, c0, taps, tapCount, k, wOff, bias, biasOff, out, outOff,
                    outPixelStride);
            case 3 -> {
                if (REGISTERS_32) {
                    block3x8(x, xRow, cols, c0, taps, tapCount, k, wOff, bias, biasOff, out, outOff, outPixelStride);
                } else {
                    block3x4(x, xRow, cols, c0, taps, tapCount, k, wOff, bias, biasOff, out, outOff, outPixelStride);
                }
            }
            case 2 -> {
                if (REGISTERS_32) {
                    block2x12(x, xRow, cols, c0, taps, tapCount, k, wOff, bias, biasOff, out, outOff,
                            outPixelStride);
                } else {
                    block2x6(x, xRow, cols, c0, taps, tapCount, k, wOff, bias, biasOff, out, outOff, outPixelStride);
                }
            }
            default -> block1x12(x, xRow, cols, c0, taps, tapCount, k, wOff, bias, biasOff, out, outOff,
                    outPixelStride);
        }
    }

    /** 6 output pixels x 4 filter vectors: 24 accumulators stay in registers over every tap. */
    static void block4x6(float[] x, int xRow, int[] cols, int c0, int[] taps, int tapCount, float[] w,
            int wOff, float[] bias, int biasOff, float[] out, int outOff, int outPixelStride) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector a0_0 = zero, a0_1 = zero, a0_2 = zero, a0_3 = zero;
        FloatVector a1_0 = zero, a1_1 = zero, a1_2 = zero, a1_3 = zero;
        FloatVector a2_0 = zero, a2_1 = zero, a2_2 = zero, a2_3 = zero;
        FloatVector a3_0 = zero, a3_1 = zero, a3_2 = zero, a3_3 = zero;
        FloatVector a4_0 = zero, a4_1 = zero, a4_2 = zero, a4_3 = zero;
        FloatVector a5_0 = zero, a5_1 = zero, a5_2 = zero, a5_3 = zero;
        int p0 = xRow + cols[c0], p1 = xRow + cols[c0 + 1], p2 = xRow + cols[c0 + 2], p3 = xRow + cols[c0 + 3],
                p4 = xRow + cols[c0 + 4], p5 = xRow + cols[c0 + 5];
        for (int t = 0; t < tapCount; t++) {
            int xo = taps == null ? t : taps[t];
            int wo = wOff + t * 4 * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, w, wo + 2 * L);
            FloatVector w3 = FloatVector.fromArray(S, w, wo + 3 * L);
            FloatVector b = FloatVector.broadcast(S, x[p0 + xo]);
            a0_0 = w0.fma(b, a0_0); a0_1 = w1.fma(b, a0_1); a0_2 = w2.fma(b, a0_2); a0_3 = w3.fma(b, a0_3);
            b = FloatVector.broadcast(S, x[p1 + xo]);
            a1_0 = w0.fma(b, a1_0); a1_1 = w1.fma(b, a1_1); a1_2 = w2.fma(b, a1_2); a1_3 = w3.fma(b, a1_3);
            b = FloatVector.broadcast(S, x[p2 + xo]);
            a2_0 = w0.fma(b, a2_0); a2_1 = w1.fma(b, a2_1); a2_2 = w2.fma(b, a2_2); a2_3 = w3.fma(b, a2_3);
            b = FloatVector.broadcast(S, x[p3 + xo]);
            a3_0 = w0.fma(b, a3_0); a3_1 = w1.fma(b, a3_1); a3_2 = w2.fma(b, a3_2); a3_3 = w3.fma(b, a3_3);
            b = FloatVector.broadcast(S, x[p4 + xo]);
            a4_0 = w0.fma(b, a4_0); a4_1 = w1.fma(b, a4_1); a4_2 = w2.fma(b, a4_2); a4_3 = w3.fma(b, a4_3);
            b = FloatVector.broadcast(S, x[p5 + xo]);
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
    static void block3x8(float[] x, int xRow, int[] cols, int c0, int[] taps, int tapCount, float[] w,
            int wOff, float[] bias, int biasOff, float[] out, int outOff, int outPixelStride) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector a0_0 = zero, a0_1 = zero, a0_2 = zero;
        FloatVector a1_0 = zero, a1_1 = zero, a1_2 = zero;
        FloatVector a2_0 = zero, a2_1 = zero, a2_2 = zero;
        FloatVector a3_0 = zero, a3_1 = zero, a3_2 = zero;
        FloatVector a4_0 = zero, a4_1 = zero, a4_2 = zero;
        FloatVector a5_0 = zero, a5_1 = zero, a5_2 = zero;
        FloatVector a6_0 = zero, a6_1 = zero, a6_2 = zero;
        FloatVector a7_0 = zero, a7_1 = zero, a7_2 = zero;
        int p0 = xRow + cols[c0], p1 = xRow + cols[c0 + 1], p2 = xRow + cols[c0 + 2], p3 = xRow + cols[c0 + 3],
                p4 = xRow + cols[c0 + 4], p5 = xRow + cols[c0 + 5], p6 = xRow + cols[c0 + 6],
                p7 = xRow + cols[c0 + 7];
        for (int t = 0; t < tapCount; t++) {
            int xo = taps == null ? t : taps[t];
            int wo = wOff + t * 3 * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, w, wo + 2 * L);
            FloatVector b = FloatVector.broadcast(S, x[p0 + xo]);
            a0_0 = w0.fma(b, a0_0); a0_1 = w1.fma(b, a0_1); a0_2 = w2.fma(b, a0_2);
            b = FloatVector.broadcast(S, x[p1 + xo]);
            a1_0 = w0.fma(b, a1_0); a1_1 = w1.fma(b, a1_1); a1_2 = w2.fma(b, a1_2);
            b = FloatVector.broadcast(S, x[p2 + xo]);
            a2_0 = w0.fma(b, a2_0); a2_1 = w1.fma(b, a2_1); a2_2 = w2.fma(b, a2_2);
            b = FloatVector.broadcast(S, x[p3 + xo]);
            a3_0 = w0.fma(b, a3_0); a3_1 = w1.fma(b, a3_1); a3_2 = w2.fma(b, a3_2);
            b = FloatVector.broadcast(S, x[p4 + xo]);
            a4_0 = w0.fma(b, a4_0); a4_1 = w1.fma(b, a4_1); a4_2 = w2.fma(b, a4_2);
            b = FloatVector.broadcast(S, x[p5 + xo]);
            a5_0 = w0.fma(b, a5_0); a5_1 = w1.fma(b, a5_1); a5_2 = w2.fma(b, a5_2);
            b = FloatVector.broadcast(S, x[p6 + xo]);
            a6_0 = w0.fma(b, a6_0); a6_1 = w1.fma(b, a6_1); a6_2 = w2.fma(b, a6_2);
            b = FloatVector.broadcast(S, x[p7 + xo]);
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
    static void block2x12(float[] x, int xRow, int[] cols, int c0, int[] taps, int tapCount, float[] w,
            int wOff, float[] bias, int biasOff, float[] out, int outOff, int outPixelStride) {
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
        int p0 = xRow + cols[c0], p1 = xRow + cols[c0 + 1], p2 = xRow + cols[c0 + 2], p3 = xRow + cols[c0 + 3],
                p4 = xRow + cols[c0 + 4], p5 = xRow + cols[c0 + 5], p6 = xRow + cols[c0 + 6],
                p7 = xRow + cols[c0 + 7], p8 = xRow + cols[c0 + 8], p9 = xRow + cols[c0 + 9],
                p10 = xRow + cols[c0 + 10], p11 = xRow + cols[c0 + 11];
        for (int t = 0; t < tapCount; t++) {
            int xo = taps == null ? t : taps[t];
            int wo = wOff + t * 2 * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + 1 * L);
            FloatVector b = FloatVector.broadcast(S, x[p0 + xo]);
            a0_0 = w0.fma(b, a0_0); a0_1 = w1.fma(b, a0_1);
            b = FloatVector.broadcast(S, x[p1 + xo]);
            a1_0 = w0.fma(b, a1_0); a1_1 = w1.fma(b, a1_1);
            b = FloatVector.broadcast(S, x[p2 + xo]);
            a2_0 = w0.fma(b, a2_0); a2_1 = w1.fma(b, a2_1);
            b = FloatVector.broadcast(S, x[p3 + xo]);
            a3_0 = w0.fma(b, a3_0); a3_1 = w1.fma(b, a3_1);
            b = FloatVector.broadcast(S, x[p4 + xo]);
            a4_0 = w0.fma(b, a4_0); a4_1 = w1.fma(b, a4_1);
            b = FloatVector.broadcast(S, x[p5 + xo]);
            a5_0 = w0.fma(b, a5_0); a5_1 = w1.fma(b, a5_1);
            b = FloatVector.broadcast(S, x[p6 + xo]);
            a6_0 = w0.fma(b, a6_0); a6_1 = w1.fma(b, a6_1);
            b = FloatVector.broadcast(S, x[p7 + xo]);
            a7_0 = w0.fma(b, a7_0); a7_1 = w1.fma(b, a7_1);
            b = FloatVector.broadcast(S, x[p8 + xo]);
            a8_0 = w0.fma(b, a8_0); a8_1 = w1.fma(b, a8_1);
            b = FloatVector.broadcast(S, x[p9 + xo]);
            a9_0 = w0.fma(b, a9_0); a9_1 = w1.fma(b, a9_1);
            b = FloatVector.broadcast(S, x[p10 + xo]);
            a10_0 = w0.fma(b, a10_0); a10_1 = w1.fma(b, a10_1);
            b = FloatVector.broadcast(S, x[p11 + xo]);
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
    static void block1x12(float[] x, int xRow, int[] cols, int c0, int[] taps, int tapCount, float[] w,
            int wOff, float[] bias, int biasOff, float[] out, int outOff, int outPixelStride) {
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
        int p0 = xRow + cols[c0], p1 = xRow + cols[c0 + 1], p2 = xRow + cols[c0 + 2], p3 = xRow + cols[c0 + 3],
                p4 = xRow + cols[c0 + 4], p5 = xRow + cols[c0 + 5], p6 = xRow + cols[c0 + 6],
                p7 = xRow + cols[c0 + 7], p8 = xRow + cols[c0 + 8], p9 = xRow + cols[c0 + 9],
                p10 = xRow + cols[c0 + 10], p11 = xRow + cols[c0 + 11];
        for (int t = 0; t < tapCount; t++) {
            int xo = taps == null ? t : taps[t];
            int wo = wOff + t * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector b = FloatVector.broadcast(S, x[p0 + xo]);
            a0_0 = w0.fma(b, a0_0);
            b = FloatVector.broadcast(S, x[p1 + xo]);
            a1_0 = w0.fma(b, a1_0);
            b = FloatVector.broadcast(S, x[p2 + xo]);
            a2_0 = w0.fma(b, a2_0);
            b = FloatVector.broadcast(S, x[p3 + xo]);
            a3_0 = w0.fma(b, a3_0);
            b = FloatVector.broadcast(S, x[p4 + xo]);
            a4_0 = w0.fma(b, a4_0);
            b = FloatVector.broadcast(S, x[p5 + xo]);
            a5_0 = w0.fma(b, a5_0);
            b = FloatVector.broadcast(S, x[p6 + xo]);
            a6_0 = w0.fma(b, a6_0);
            b = FloatVector.broadcast(S, x[p7 + xo]);
            a7_0 = w0.fma(b, a7_0);
            b = FloatVector.broadcast(S, x[p8 + xo]);
            a8_0 = w0.fma(b, a8_0);
            b = FloatVector.broadcast(S, x[p9 + xo]);
            a9_0 = w0.fma(b, a9_0);
            b = FloatVector.broadcast(S, x[p10 + xo]);
            a10_0 = w0.fma(b, a10_0);
            b = FloatVector.broadcast(S, x[p11 + xo]);
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

    /** 4 output pixels x 3 filter vectors: 12 accumulators, for 16 vector registers. */
    static void block3x4(float[] x, int xRow, int[] cols, int c0, int[] taps, int tapCount, float[] w,
            int wOff, float[] bias, int biasOff, float[] out, int outOff, int outPixelStride) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector a0_0 = zero, a0_1 = zero, a0_2 = zero;
        FloatVector a1_0 = zero, a1_1 = zero, a1_2 = zero;
        FloatVector a2_0 = zero, a2_1 = zero, a2_2 = zero;
        FloatVector a3_0 = zero, a3_1 = zero, a3_2 = zero;
        int p0 = xRow + cols[c0], p1 = xRow + cols[c0 + 1], p2 = xRow + cols[c0 + 2], p3 = xRow + cols[c0 + 3];
        for (int t = 0; t < tapCount; t++) {
            int xo = taps == null ? t : taps[t];
            int wo = wOff + t * 3 * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + 1 * L);
            FloatVector w2 = FloatVector.fromArray(S, w, wo + 2 * L);
            FloatVector b = FloatVector.broadcast(S, x[p0 + xo]);
            a0_0 = w0.fma(b, a0_0); a0_1 = w1.fma(b, a0_1); a0_2 = w2.fma(b, a0_2);
            b = FloatVector.broadcast(S, x[p1 + xo]);
            a1_0 = w0.fma(b, a1_0); a1_1 = w1.fma(b, a1_1); a1_2 = w2.fma(b, a1_2);
            b = FloatVector.broadcast(S, x[p2 + xo]);
            a2_0 = w0.fma(b, a2_0); a2_1 = w1.fma(b, a2_1); a2_2 = w2.fma(b, a2_2);
            b = FloatVector.broadcast(S, x[p3 + xo]);
            a3_0 = w0.fma(b, a3_0); a3_1 = w1.fma(b, a3_1); a3_2 = w2.fma(b, a3_2);
        }
        if (bias != null) {
            FloatVector bias0 = FloatVector.fromArray(S, bias, biasOff);
            FloatVector bias1 = FloatVector.fromArray(S, bias, biasOff + 1 * L);
            FloatVector bias2 = FloatVector.fromArray(S, bias, biasOff + 2 * L);
            a0_0 = a0_0.add(bias0); a0_1 = a0_1.add(bias1); a0_2 = a0_2.add(bias2);
            a1_0 = a1_0.add(bias0); a1_1 = a1_1.add(bias1); a1_2 = a1_2.add(bias2);
            a2_0 = a2_0.add(bias0); a2_1 = a2_1.add(bias1); a2_2 = a2_2.add(bias2);
            a3_0 = a3_0.add(bias0); a3_1 = a3_1.add(bias1); a3_2 = a3_2.add(bias2);
        }
        a0_0.intoArray(out, outOff); a0_1.intoArray(out, outOff + 1 * L); a0_2.intoArray(out, outOff + 2 * L);
        a1_0.intoArray(out, outOff + 1 * outPixelStride); a1_1.intoArray(out, outOff + 1 * outPixelStride + 1 * L); a1_2.intoArray(out, outOff + 1 * outPixelStride + 2 * L);
        a2_0.intoArray(out, outOff + 2 * outPixelStride); a2_1.intoArray(out, outOff + 2 * outPixelStride + 1 * L); a2_2.intoArray(out, outOff + 2 * outPixelStride + 2 * L);
        a3_0.intoArray(out, outOff + 3 * outPixelStride); a3_1.intoArray(out, outOff + 3 * outPixelStride + 1 * L); a3_2.intoArray(out, outOff + 3 * outPixelStride + 2 * L);
    }

    /** 6 output pixels x 2 filter vectors: 12 accumulators, for 16 vector registers. */
    static void block2x6(float[] x, int xRow, int[] cols, int c0, int[] taps, int tapCount, float[] w,
            int wOff, float[] bias, int biasOff, float[] out, int outOff, int outPixelStride) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector a0_0 = zero, a0_1 = zero;
        FloatVector a1_0 = zero, a1_1 = zero;
        FloatVector a2_0 = zero, a2_1 = zero;
        FloatVector a3_0 = zero, a3_1 = zero;
        FloatVector a4_0 = zero, a4_1 = zero;
        FloatVector a5_0 = zero, a5_1 = zero;
        int p0 = xRow + cols[c0], p1 = xRow + cols[c0 + 1], p2 = xRow + cols[c0 + 2], p3 = xRow + cols[c0 + 3],
                p4 = xRow + cols[c0 + 4], p5 = xRow + cols[c0 + 5];
        for (int t = 0; t < tapCount; t++) {
            int xo = taps == null ? t : taps[t];
            int wo = wOff + t * 2 * L;
            FloatVector w0 = FloatVector.fromArray(S, w, wo);
            FloatVector w1 = FloatVector.fromArray(S, w, wo + 1 * L);
            FloatVector b = FloatVector.broadcast(S, x[p0 + xo]);
            a0_0 = w0.fma(b, a0_0); a0_1 = w1.fma(b, a0_1);
            b = FloatVector.broadcast(S, x[p1 + xo]);
            a1_0 = w0.fma(b, a1_0); a1_1 = w1.fma(b, a1_1);
            b = FloatVector.broadcast(S, x[p2 + xo]);
            a2_0 = w0.fma(b, a2_0); a2_1 = w1.fma(b, a2_1);
            b = FloatVector.broadcast(S, x[p3 + xo]);
            a3_0 = w0.fma(b, a3_0); a3_1 = w1.fma(b, a3_1);
            b = FloatVector.broadcast(S, x[p4 + xo]);
            a4_0 = w0.fma(b, a4_0); a4_1 = w1.fma(b, a4_1);
            b = FloatVector.broadcast(S, x[p5 + xo]);
            a5_0 = w0.fma(b, a5_0); a5_1 = w1.fma(b, a5_1);
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
        }
        a0_0.intoArray(out, outOff); a0_1.intoArray(out, outOff + 1 * L);
        a1_0.intoArray(out, outOff + 1 * outPixelStride); a1_1.intoArray(out, outOff + 1 * outPixelStride + 1 * L);
        a2_0.intoArray(out, outOff + 2 * outPixelStride); a2_1.intoArray(out, outOff + 2 * outPixelStride + 1 * L);
        a3_0.intoArray(out, outOff + 3 * outPixelStride); a3_1.intoArray(out, outOff + 3 * outPixelStride + 1 * L);
        a4_0.intoArray(out, outOff + 4 * outPixelStride); a4_1.intoArray(out, outOff + 4 * outPixelStride + 1 * L);
        a5_0.intoArray(out, outOff + 5 * outPixelStride); a5_1.intoArray(out, outOff + 5 * outPixelStride + 1 * L);
    }
}
