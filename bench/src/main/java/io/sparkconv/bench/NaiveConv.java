package io.sparkconv.bench;

/**
 * The baseline: the seven nested loops anyone writes first, NHWC input, HWIO kernel, a padding test per tap.
 * The scalar kernel target is "at least 10x this".
 */
final class NaiveConv {

    private NaiveConv() {}

    static void run(Shape s, float[] in, float[] kernel, float[] bias, float[] out) {
        for (int n = 0; n < s.batch; n++) {
            for (int oh = 0; oh < s.outHeight; oh++) {
                for (int ow = 0; ow < s.outWidth; ow++) {
                    for (int f = 0; f < s.filters; f++) {
                        float sum = bias[f];
                        for (int kh = 0; kh < s.kernelHeight; kh++) {
                            int ih = oh * s.strideHeight + kh * s.dilationHeight - s.padTop;
                            for (int kw = 0; kw < s.kernelWidth; kw++) {
                                int iw = ow * s.strideWidth + kw * s.dilationWidth - s.padLeft;
                                if (ih < 0 || ih >= s.height || iw < 0 || iw >= s.width) {
                                    continue;
                                }
                                for (int c = 0; c < s.channels; c++) {
                                    sum += in[((n * s.height + ih) * s.width + iw) * s.channels + c]
                                            * kernel[((kh * s.kernelWidth + kw) * s.channels + c) * s.filters + f];
                                }
                            }
                        }
                        out[((n * s.outHeight + oh) * s.outWidth + ow) * s.filters + f] = sum;
                    }
                }
            }
        }
    }
}
