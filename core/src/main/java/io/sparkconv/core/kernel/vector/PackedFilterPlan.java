package io.sparkconv.core.kernel.vector;

import io.sparkconv.core.spec.ConvGeometry;
import io.sparkconv.core.kernel.ConvPath;
import io.sparkconv.core.kernel.ConvPlan;
import io.sparkconv.core.kernel.PackedWeights;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The path for few filters (at most half a vector, e.g. 8 filters in 16 lanes; groups = 1, stride 1 along
 * the width), where a vector of filters would leave lanes idle: one vector holds P = L/G neighbouring output
 * pixels x G filters (G = filters rounded up to a power of two). When G equals the filter count that is
 * exactly the NHWC output layout, so results are stored without a transpose. The image is expanded once so
 * each value appears G times in a row ([row][channel][column][G], zero borders), which makes every tap one
 * contiguous vector load and one FMA with the tap's G weights repeated P times; 14 such vectors of
 * accumulators stay in registers over the whole receptive field. Along a kernel row, the tap P pixels to the
 * right reads the same input vectors shifted by one, so it reuses them and loads a single new one.
 *
 * <p>Planned once per geometry: the repeated weights and bias, the tap steps and the expanded buffer's size.
 */
final class PackedFilterPlan implements ConvPlan {

    static final VectorSpecies<Float> S = Lanes.SPECIES;
    static final int L = S.length();
    /** Vectors of accumulators per call: 14, with 14 input vectors and the weights, fill 29 of 32 registers. */
    private static final int VECTORS = 14;
    /** Vectors of accumulators per call on the ragged end of a row. */
    private static final int NARROW_VECTORS = 4;

    private final String name;
    private final ConvGeometry g;
    /** Filters rounded up to a power of two: the lanes of one pixel. */
    private final int group;
    private final int blockPixels;
    private final int narrowPixels;
    private final int paddedWidth;
    private final int paddedSize;
    /** Each tap's weights repeated for every pixel of a vector. */
    private final float[] weights;
    /** The bias repeated the same way, or null. */
    private final float[] biasLanes;
    /** The taps as a flat list of steps: input offset, weight offset, and whether the step loads afresh. */
    private final int[] stepOffsets;
    private final int[] stepWeights;
    private final boolean[] stepFresh;

    PackedFilterPlan(String kernelName, ConvGeometry g, PackedWeights w) {
        this.g = g;
        int f = g.filters();
        int c = g.inChannels();
        group = Integer.highestOneBit(f) == f ? f : Integer.highestOneBit(f) << 1;
        int perVector = L / group;
        blockPixels = VECTORS * perVector;
        narrowPixels = NARROW_VECTORS * perVector;
        name = kernelName + " " + ConvPath.PACKED_FILTERS.label() + " " + perVector + "x" + group;
        int tapCount = g.kernelHeight() * g.kernelWidth() * c;
        float[] k = w.kernel();
        weights = new float[tapCount * L];
        for (int t = 0; t < tapCount; t++) {
            for (int p = 0; p < perVector; p++) {
                System.arraycopy(k, t * L, weights, t * L + p * group, group);
            }
        }
        if (w.bias() != null) {
            biasLanes = new float[L];
            for (int p = 0; p < perVector; p++) {
                System.arraycopy(w.bias(), 0, biasLanes, p * group, group);
            }
        } else {
            biasLanes = null;
        }
        int paddedHeight = Math.max((g.outHeight() - 1) * g.strideHeight()
                + (g.kernelHeight() - 1) * g.dilationHeight() + 1, g.padTop() + g.inHeight());
        // Output pixels computed per row: whole wide blocks, then narrow blocks up to the row's end.
        int computed = g.outWidth() / blockPixels * blockPixels + RegisterBlocks.roundUp(g.outWidth() % blockPixels, narrowPixels);
        // The columns those read, and room past the image for the overrun of expand's last broadcast store.
        paddedWidth = Math.max(computed + (g.kernelWidth() - 1) * g.dilationWidth(),
                g.padLeft() + g.inWidth() + perVector - 1);
        paddedSize = Math.multiplyExact(Math.multiplyExact(paddedHeight * c, paddedWidth), group);
        int channelStep = paddedWidth * group;
        // Taps of one kernel row and channel whose input starts one vector (perVector pixels) apart are
        // chained: the next tap of a chain reuses the previous tap's input vectors shifted by one.
        stepOffsets = new int[tapCount];
        stepWeights = new int[tapCount];
        stepFresh = new boolean[tapCount];
        int steps = 0;
        int kw = g.kernelWidth(), dw = g.dilationWidth();
        boolean[] chained = new boolean[kw];
        for (int i = 0; i < g.kernelHeight(); i++) {
            for (int ch = 0; ch < c; ch++) {
                Arrays.fill(chained, false);
                for (int j0 = 0; j0 < kw; j0++) {
                    if (chained[j0]) {
                        continue;
                    }
                    boolean fresh = true;
                    for (int j = j0; j < kw; ) {
                        chained[j] = true;
                        stepOffsets[steps] = i * g.dilationHeight() * c * channelStep + j * dw * group
                                + ch * channelStep;
                        stepWeights[steps] = ((i * kw + j) * c + ch) * L;
                        stepFresh[steps++] = fresh;
                        fresh = false;
                        // The tap whose input starts perVector pixels further, if the dilation lands on it.
                        if (perVector % dw != 0) {
                            break;
                        }
                        j += perVector / dw;
                    }
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
        return ConvPath.PACKED_FILTERS;
    }

    @Override
    public ConvGeometry geometry() {
        return g;
    }

    /** The expanded image (borders never written, so they stay zero) and a tile for ragged blocks. */
    private record Buffers(float[] expanded, float[] tile) implements Workspace {
    }

    @Override
    public Workspace newWorkspace() {
        return new Buffers(new float[paddedSize], new float[blockPixels * group]);
    }

    @Override
    public void execute(float[] in, int inOffset, float[] out, int outOffset, int firstRow, int endRow,
                        Workspace workspace) {
        Buffers buffers = (Buffers) workspace;
        FloatVector bias = biasLanes == null ? null : FloatVector.fromArray(S, biasLanes, 0);
        int outH = g.outHeight();
        for (int row = firstRow; row < endRow; ) {
            int n = row / outH;
            int r0 = row % outH;
            int r1 = Math.min(outH, r0 + endRow - row);
            rows(in, inOffset + n * g.inputImageSize(), buffers, bias, out, outOffset + n * g.outputImageSize(),
                    r0, r1);
            row += r1 - r0;
        }
    }

    /** Output rows {@code [r0, r1)} of one image: expands the input rows they read, then runs the blocks. */
    private void rows(float[] in, int inOff, Buffers buffers, FloatVector bias, float[] out, int outOff, int r0,
                      int r1) {
        float[] x = buffers.expanded();
        float[] tile = buffers.tile();
        int f = g.filters();
        int c = g.inChannels();
        int firstInput = Math.max(0, r0 * g.strideHeight() - g.padTop());
        int endInput = Math.min(g.inHeight(), (r1 - 1) * g.strideHeight() + (g.kernelHeight() - 1)
                * g.dilationHeight() + 1 - g.padTop());
        expand(in, inOff, x, firstInput, endInput);
        int channelStep = paddedWidth * group;
        int ow = g.outWidth();
        boolean direct = f == group;
        int steps = stepOffsets.length;
        for (int oh = r0; oh < r1; oh++) {
            int xRow = oh * g.strideHeight() * c * channelStep;
            int outRow = outOff + oh * ow * f;
            // Whole wide blocks, then the row's rest in narrow blocks (less wasted work on the ragged end).
            for (int ow0 = 0; ow0 < ow; ) {
                int xOff = xRow + ow0 * group;
                int pixels = ow - ow0 >= blockPixels ? blockPixels : narrowPixels;
                boolean whole = direct && ow0 + pixels <= ow;
                float[] target = whole ? out : tile;
                int targetOff = whole ? outRow + ow0 * f : 0;
                if (pixels == blockPixels) {
                    wideBlock(x, xOff, stepOffsets, stepWeights, stepFresh, steps, weights, bias, target, targetOff);
                } else {
                    narrowBlock(x, xOff, stepOffsets, stepWeights, stepFresh, steps, weights, bias, target,
                            targetOff);
                }
                if (!whole) {
                    for (int p = 0, valid = Math.min(pixels, ow - ow0); p < valid; p++) {
                        System.arraycopy(tile, p * group, out, outRow + (ow0 + p) * f, f);
                    }
                }
                ow0 += pixels;
            }
        }
    }

    /**
     * Writes the image into [row][channel][column][G], every value repeated G times. Each value is one
     * full-vector broadcast store at its G lanes: the lanes past them run into the next values' slots, which
     * the next stores overwrite; past the row's last value they are cleared again (the width has room for
     * them), so the borders stay zero.
     */
    private void expand(float[] in, int inOff, float[] x, int firstRow, int endRow) {
        int c = g.inChannels();
        int w = g.inWidth();
        for (int ih = firstRow; ih < endRow; ih++) {
            for (int ch = 0; ch < c; ch++) {
                int src = inOff + ih * w * c + ch;
                int dst = (((ih + g.padTop()) * c + ch) * paddedWidth + g.padLeft()) * group;
                for (int iw = 0; iw < w; iw++) {
                    FloatVector.broadcast(S, in[src + iw * c]).intoArray(x, dst + iw * group);
                }
                Arrays.fill(x, dst + w * group, dst + (w - 1) * group + L, 0f);
            }
        }
    }

    /**
     * 14 vectors of (pixel, filter) lanes stay in registers over every step, with the 14 input vectors of the
     * current tap: a chained step shifts them by one vector and loads only the last.
     */
    private static void wideBlock(float[] xe, int xOff, int[] offsets, int[] weightAt, boolean[] fresh, int steps,
            float[] w, FloatVector bias, float[] out, int outOff) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero, a8 = zero, a9 = zero, a10 = zero, a11 = zero, a12 = zero, a13 = zero;
        FloatVector x0 = zero, x1 = zero, x2 = zero, x3 = zero, x4 = zero, x5 = zero, x6 = zero, x7 = zero, x8 = zero, x9 = zero, x10 = zero, x11 = zero, x12 = zero, x13 = zero;
        for (int s = 0; s < steps; s++) {
            int xo = xOff + offsets[s];
            FloatVector wv = FloatVector.fromArray(S, w, weightAt[s]);
            if (fresh[s]) {
                x0 = FloatVector.fromArray(S, xe, xo + 0 * L);
                x1 = FloatVector.fromArray(S, xe, xo + 1 * L);
                x2 = FloatVector.fromArray(S, xe, xo + 2 * L);
                x3 = FloatVector.fromArray(S, xe, xo + 3 * L);
                x4 = FloatVector.fromArray(S, xe, xo + 4 * L);
                x5 = FloatVector.fromArray(S, xe, xo + 5 * L);
                x6 = FloatVector.fromArray(S, xe, xo + 6 * L);
                x7 = FloatVector.fromArray(S, xe, xo + 7 * L);
                x8 = FloatVector.fromArray(S, xe, xo + 8 * L);
                x9 = FloatVector.fromArray(S, xe, xo + 9 * L);
                x10 = FloatVector.fromArray(S, xe, xo + 10 * L);
                x11 = FloatVector.fromArray(S, xe, xo + 11 * L);
                x12 = FloatVector.fromArray(S, xe, xo + 12 * L);
            } else {
                x0 = x1; x1 = x2; x2 = x3; x3 = x4; x4 = x5; x5 = x6; x6 = x7; x7 = x8; x8 = x9; x9 = x10; x10 = x11; x11 = x12; x12 = x13;
            }
            x13 = FloatVector.fromArray(S, xe, xo + 13 * L);
            a0 = x0.fma(wv, a0);
            a1 = x1.fma(wv, a1);
            a2 = x2.fma(wv, a2);
            a3 = x3.fma(wv, a3);
            a4 = x4.fma(wv, a4);
            a5 = x5.fma(wv, a5);
            a6 = x6.fma(wv, a6);
            a7 = x7.fma(wv, a7);
            a8 = x8.fma(wv, a8);
            a9 = x9.fma(wv, a9);
            a10 = x10.fma(wv, a10);
            a11 = x11.fma(wv, a11);
            a12 = x12.fma(wv, a12);
            a13 = x13.fma(wv, a13);
        }
        if (bias != null) {
            a0 = a0.add(bias); a1 = a1.add(bias); a2 = a2.add(bias); a3 = a3.add(bias); a4 = a4.add(bias); a5 = a5.add(bias); a6 = a6.add(bias); a7 = a7.add(bias); a8 = a8.add(bias); a9 = a9.add(bias); a10 = a10.add(bias); a11 = a11.add(bias); a12 = a12.add(bias); a13 = a13.add(bias);
        }
        a0.intoArray(out, outOff + 0 * L);
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
    }

    /** {@link #wideBlock} with 4 vectors, for the ragged end of a row. */
    private static void narrowBlock(float[] xe, int xOff, int[] offsets, int[] weightAt, boolean[] fresh, int steps,
            float[] w, FloatVector bias, float[] out, int outOff) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        FloatVector x0 = zero, x1 = zero, x2 = zero, x3 = zero;
        for (int s = 0; s < steps; s++) {
            int xo = xOff + offsets[s];
            FloatVector wv = FloatVector.fromArray(S, w, weightAt[s]);
            if (fresh[s]) {
                x0 = FloatVector.fromArray(S, xe, xo + 0 * L);
                x1 = FloatVector.fromArray(S, xe, xo + 1 * L);
                x2 = FloatVector.fromArray(S, xe, xo + 2 * L);
            } else {
                x0 = x1; x1 = x2; x2 = x3;
            }
            x3 = FloatVector.fromArray(S, xe, xo + 3 * L);
            a0 = x0.fma(wv, a0);
            a1 = x1.fma(wv, a1);
            a2 = x2.fma(wv, a2);
            a3 = x3.fma(wv, a3);
        }
        if (bias != null) {
            a0 = a0.add(bias); a1 = a1.add(bias); a2 = a2.add(bias); a3 = a3.add(bias);
        }
        a0.intoArray(out, outOff + 0 * L);
        a1.intoArray(out, outOff + 1 * L);
        a2.intoArray(out, outOff + 2 * L);
        a3.intoArray(out, outOff + 3 * L);
    }
}
