package io.sparkconv.core.kernel;

import io.sparkconv.core.spec.FilterShape;

import io.sparkconv.core.spec.ConvGeometry;
import java.util.Arrays;

/**
 * The kernel used when the Vector API is absent, written in plain Java that C2's auto-vectorizer (SuperWord)
 * turns into SIMD code by itself. The output pixels of a batch are cut into chunks; for each chunk the input
 * values of every tap (kh, kw, c) are copied into one column array per tap (im2col, zeros where the tap falls
 * into padding), and the chunk is then a small matrix product: {@link #BLOCK} filters at a time, one loop per
 * tap adds {@code weight * column[p]} into one accumulator row per filter.
 *
 * <p>That innermost loop is written for SuperWord: it runs over the pixel index {@code p} alone, every array
 * is indexed by exactly {@code p} (no per-tap offset: C2 on JDK 17 refuses to vectorize when two float arrays
 * are indexed with different loop-invariant offsets, since it cannot rule out that they overlap) and each
 * column value feeds {@link #BLOCK} accumulator rows. Sums run over the taps in (kh, kw, c) order and the bias
 * is added after the sum, as TensorFlow's separate BiasAdd does.
 *
 * <p>Weights use {@link PackedWeights} with blocks of {@link #BLOCK} filters.
 */
public final class ScalarConvKernel implements ConvKernel {

    public static final String NAME = "scalar";
    /** Filters per pass over the columns: one column load feeds this many accumulator rows. */
    static final int BLOCK = 4;
    /** Column values per chunk (taps x pixels): 256 K floats, 1 MB, about the L2 cache. */
    private static final int CHUNK_VALUES = 1 << 18;
    /** Output values per chunk (pixels x filters) at most, so the chunk's outputs stay in L2 while stored. */
    private static final int CHUNK_OUTPUTS = 1 << 16;
    /** Pixels per chunk at least (the vectorized loop needs long rows) and at most. */
    private static final int MIN_CHUNK = 128;
    private static final int MAX_CHUNK = 1024;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int vectorLanes() {
        return 0;
    }

    @Override
    public PackedWeights pack(FilterShape shape, float[] kernelHWIO, float[] biasOrNull) {
        return PackedWeights.pack(shape, kernelHWIO, biasOrNull, BLOCK);
    }

    @Override
    public ConvPlan plan(ConvGeometry geometry, PackedWeights weights) {
        return new Plan(geometry, weights);
    }

    /** Pixels per chunk for a layer with {@code taps = kh * kw * Cin/groups} and {@code filters} outputs. */
    static int chunkPixels(int taps, int filters) {
        int byColumns = CHUNK_VALUES / taps;
        int byOutputs = CHUNK_OUTPUTS / filters;
        return Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, Math.min(byColumns, byOutputs) / 16 * 16));
    }

    /** The scalar plan: the chunk length and the buffers' sizes, fixed per geometry. */
    private static final class Plan implements ConvPlan {
        private final ConvGeometry g;
        private final PackedWeights weights;
        private final int taps;
        private final int chunk;

        Plan(ConvGeometry g, PackedWeights weights) {
            this.g = g;
            this.weights = weights;
            this.taps = g.kernelHeight() * g.kernelWidth() * g.inChannelsPerGroup();
            this.chunk = chunkPixels(taps, g.filters());
        }

        @Override
        public String name() {
            return NAME + " " + ConvPath.SCALAR_IM2COL.label();
        }

        @Override
        public ConvPath path() {
            return ConvPath.SCALAR_IM2COL;
        }

        @Override
        public ConvGeometry geometry() {
            return g;
        }

        @Override
        public Workspace newWorkspace() {
            return new Buffers(new float[taps][chunk], new float[weights.blocksPerGroup() * BLOCK][chunk]);
        }

        @Override
        public void execute(float[] in, int inOffset, float[] out, int outOffset, int firstRow, int endRow,
                            Workspace workspace) {
            Buffers buffers = (Buffers) workspace;
            final int groups = g.groups(), fg = g.filtersPerGroup(), blocks = weights.blocksPerGroup();
            final int pixelsEnd = endRow * g.outWidth();
            for (int p0 = firstRow * g.outWidth(); p0 < pixelsEnd; p0 += chunk) {
                final int pixels = Math.min(chunk, pixelsEnd - p0);
                for (int group = 0; group < groups; group++) {
                    im2col(g, in, inOffset, p0, pixels, group * g.inChannelsPerGroup(), buffers.columns);
                    for (int b = 0; b < blocks; b++) {
                        int block = group * blocks + b;
                        multiply(buffers.columns, taps, pixels, weights.kernel(), block * weights.blockSize(),
                                Math.min(BLOCK, fg - b * BLOCK), buffers.sums, b * BLOCK);
                    }
                    store(buffers.sums, pixels, fg, weights.bias(), group * blocks * BLOCK, out,
                            outOffset + p0 * g.filters() + group * fg, g.filters());
                }
            }
        }
    }

    /** One thread's columns (one per tap) and accumulator rows (one per filter of a group). */
    private record Buffers(float[][] columns, float[][] sums) implements ConvPlan.Workspace {
    }

    /**
     * Fills {@code columns[t][0..pixels)} with the input value tap {@code t = (i, j, c)} reads for output pixels
     * {@code p0..p0+pixels} of the batch (pixels numbered image by image, row by row), for the channels
     * {@code firstChannel..+Cin/groups}; zero where the tap lies in the padding.
     */
    private static void im2col(ConvGeometry g, float[] in, int inOffset, int p0, int pixels, int firstChannel,
                               float[][] columns) {
        final int outH = g.outHeight(), outW = g.outWidth(), inH = g.inHeight(), inW = g.inWidth();
        final int c = g.inChannels(), cg = g.inChannelsPerGroup(), kh = g.kernelHeight(), kw = g.kernelWidth();
        final int sh = g.strideHeight(), sw = g.strideWidth(), dh = g.dilationHeight(), dw = g.dilationWidth();
        final int step = sw * c;                         // input values between neighbouring output pixels
        int done = 0;
        while (done < pixels) {
            // One run of pixels within one output row.
            int q = p0 + done;
            int n = q / (outH * outW), oh = q / outW % outH, ow0 = q % outW;
            int run = Math.min(outW - ow0, pixels - done);
            int image = inOffset + n * g.inputImageSize() + firstChannel;
            for (int i = 0; i < kh; i++) {
                int ih = oh * sh - g.padTop() + i * dh;
                boolean rowInside = ih >= 0 && ih < inH;
                for (int j = 0; j < kw; j++) {
                    int left = ow0 * sw - g.padLeft() + j * dw;   // input column of the run's first pixel
                    int first = rowInside ? Math.min(run, Taps.first(left, sw)) : run;
                    int end = rowInside ? Math.max(first, Taps.end(left, sw, run, inW)) : run;
                    for (int ch = 0; ch < cg; ch++) {
                        float[] column = columns[(i * kw + j) * cg + ch];
                        Arrays.fill(column, done, done + first, 0f);
                        if (end > first) {
                            int src = image + (ih * inW + left + first * sw) * c + ch;
                            if (step == 1) {
                                System.arraycopy(in, src, column, done + first, end - first);
                            } else {
                                for (int k = first; k < end; k++, src += step) {
                                    column[done + k] = in[src];
                                }
                            }
                        }
                        Arrays.fill(column, done + end, done + run, 0f);
                    }
                }
            }
            done += run;
        }
    }

    /**
     * sums[row0 + l][p] = sum over taps t of w[wOff + t * BLOCK + l] * columns[t][p], for the first
     * {@code lanes} lanes and p below {@code pixels}; lanes of filters past the layer's last are not computed.
     *
     * <p>All cases sit in this one method on purpose: it is then larger than C2 inlines into its hot caller
     * and is compiled on its own. Inlined into its caller, the same loops ran at half the speed or
     * less in our measurements (bench Probe, shapes e and g).
     */
    private static void multiply(float[][] columns, int taps, int pixels, float[] w, int wOff, int lanes,
                                 float[][] sums, int row0) {
        for (int l = 0; l < lanes; l++) {
            Arrays.fill(sums[row0 + l], 0, pixels, 0f);
        }
        if (lanes == BLOCK) {
            final float[] s0 = sums[row0], s1 = sums[row0 + 1], s2 = sums[row0 + 2], s3 = sums[row0 + 3];
            for (int t = 0; t < taps; t++) {
                final float[] x = columns[t];
                final int o = wOff + t * BLOCK;
                final float w0 = w[o], w1 = w[o + 1], w2 = w[o + 2], w3 = w[o + 3];
                for (int p = 0; p < pixels; p++) {    // vectorized by C2: every array indexed by p alone
                    final float v = x[p];
                    s0[p] += w0 * v;
                    s1[p] += w1 * v;
                    s2[p] += w2 * v;
                    s3[p] += w3 * v;
                }
            }
            return;
        }
        int first = 0;
        if (lanes >= 2) {
            final float[] s0 = sums[row0], s1 = sums[row0 + 1];
            for (int t = 0; t < taps; t++) {
                final float[] x = columns[t];
                final int o = wOff + t * BLOCK;
                final float w0 = w[o], w1 = w[o + 1];
                for (int p = 0; p < pixels; p++) {
                    final float v = x[p];
                    s0[p] += w0 * v;
                    s1[p] += w1 * v;
                }
            }
            first = 2;
        }
        if (lanes > first) {
            final float[] s0 = sums[row0 + first];
            for (int t = 0; t < taps; t++) {
                final float[] x = columns[t];
                final float w0 = w[wOff + t * BLOCK + first];
                for (int p = 0; p < pixels; p++) {
                    s0[p] += w0 * x[p];
                }
            }
        }
    }

    /**
     * Writes the {@code filters} sums of every pixel into the NHWC output (pixel by pixel, so each output line
     * is written whole once), adding the bias after the sum.
     */
    private static void store(float[][] sums, int pixels, int filters, float[] bias, int biasOff, float[] out,
                              int outOff, int outStride) {
        for (int p = 0, o = outOff; p < pixels; p++, o += outStride) {
            if (bias == null) {
                for (int f = 0; f < filters; f++) {
                    out[o + f] = sums[f][p];
                }
            } else {
                for (int f = 0; f < filters; f++) {
                    out[o + f] = sums[f][p] + bias[biasOff + f];
                }
            }
        }
    }
}
