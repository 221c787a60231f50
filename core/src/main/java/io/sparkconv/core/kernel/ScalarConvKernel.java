package io.sparkconv.core.kernel;

import io.sparkconv.core.conv.ConvGeometry;

/**
 * The plainly written reference kernel: direct cross-correlation over NHWC, accumulating straight into the
 * output. Each output pixel only visits the kernel taps that fall inside the image (the row and column ranges
 * are computed per pixel), so there are no bounds tests in the inner loops and padding costs nothing.
 * Weights use {@link PackedWeights} with one block per group ({@code blockWidth = F/groups}).
 */
public final class ScalarConvKernel implements ConvKernel {

    public static final String NAME = "scalar";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PackedWeights pack(FilterShape shape, float[] kernelHWIO, float[] biasOrNull) {
        return PackedWeights.pack(shape, kernelHWIO, biasOrNull, shape.filtersPerGroup());
    }

    @Override
    public void convolve(ConvGeometry g, PackedWeights weights, float[] in, int inOffset, int batch,
                         float[] out, int outOffset) {
        final int inH = g.inHeight(), inW = g.inWidth(), inC = g.inChannels();
        final int outH = g.outHeight(), outW = g.outWidth(), filters = g.filters();
        final int kh = g.kernelHeight(), kw = g.kernelWidth();
        final int sh = g.strideHeight(), sw = g.strideWidth(), dh = g.dilationHeight(), dw = g.dilationWidth();
        final int groups = g.groups(), cg = g.inChannelsPerGroup(), fg = g.filtersPerGroup();
        final float[] w = weights.kernel();
        final float[] bias = weights.bias();
        final int groupWeights = kh * kw * cg * fg;

        for (int n = 0; n < batch; n++) {
            final int image = inOffset + n * inH * inW * inC;
            for (int oh = 0; oh < outH; oh++) {
                final int top = oh * sh - g.padTop();
                final int i0 = Taps.first(top, dh), i1 = Taps.end(top, dh, kh, inH);
                for (int ow = 0; ow < outW; ow++) {
                    final int left = ow * sw - g.padLeft();
                    final int j0 = Taps.first(left, dw), j1 = Taps.end(left, dw, kw, inW);
                    final int o = outOffset + ((n * outH + oh) * outW + ow) * filters;
                    for (int f = 0; f < filters; f++) {
                        out[o + f] = 0f;
                    }
                    for (int gr = 0; gr < groups; gr++) {
                        final int og = o + gr * fg;
                        final int wg = gr * groupWeights;
                        for (int i = i0; i < i1; i++) {
                            final int row = image + (top + i * dh) * inW * inC + gr * cg;
                            for (int j = j0; j < j1; j++) {
                                final int x = row + (left + j * dw) * inC;
                                final int wk = wg + (i * kw + j) * cg * fg;
                                for (int c = 0; c < cg; c++) {
                                    final float v = in[x + c];
                                    final int wc = wk + c * fg;
                                    for (int f = 0; f < fg; f++) {
                                        out[og + f] += v * w[wc + f];
                                    }
                                }
                            }
                        }
                    }
                    if (bias != null) {                    // the bias add is a separate op after the conv
                        for (int f = 0; f < filters; f++) {
                            out[o + f] += bias[f];
                        }
                    }
                }
            }
        }
    }
}
