package io.sparkconv.bench;

import java.util.Locale;

/**
 * One benchmarked convolution, NHWC float32, with TensorFlow's output size and SAME padding rule
 * (the extra padding pixel goes bottom/right).
 */
public enum Shape {
    a("224x224x3 -> 64, 7x7 stride 2 same", 8, 224, 224, 3, 64, 7, 7, 2, 2, 1, 1, true, 213),
    b("56x56x64 -> 64, 3x3 same", 8, 56, 56, 64, 64, 3, 3, 1, 1, 1, 1, true, 215),
    c("28x28x128 -> 128, 3x3 same", 8, 28, 28, 128, 128, 3, 3, 1, 1, 1, 1, true, 234),
    d("14x14x256 -> 256, 3x3 same", 8, 14, 14, 256, 256, 3, 3, 1, 1, 1, 1, true, 228),
    e("56x56x64 -> 256, 1x1", 8, 56, 56, 64, 256, 1, 1, 1, 1, 1, 1, false, 192),
    f("128x128x1 -> 8, 5x5 valid, batch 32", 32, 128, 128, 1, 8, 5, 5, 1, 1, 1, 1, false, 57),
    g("64x64x32 -> 32, 3x3 dilation 2 same", 8, 64, 64, 32, 32, 3, 3, 1, 1, 2, 2, true, 226),
    /** Extra: the first layer of a CIFAR-10 network, the Spark job's typical small-image workload. */
    h("32x32x3 -> 32, 3x3 same, batch 64 (CIFAR-10 first layer)", 64, 32, 32, 3, 32, 3, 3, 1, 1, 1, 1, true, 0),
    /** Extra: the first layer of an MNIST network, the Spark path benchmark's layer. */
    m("28x28x1 -> 32, 3x3 same, batch 64 (MNIST first layer)", 64, 28, 28, 1, 32, 3, 3, 1, 1, 1, 1, true, 0),
    /** Extra: the demo's layer (conf/layers/sobel-edges.json on the 64x64 RGB sample, batches of 8). */
    s("64x64x3 -> 2, 3x3 same, batch 8 (the demo's Sobel layer)", 8, 64, 64, 3, 2, 3, 3, 1, 1, 1, 1, true, 0);

    public final String description;
    public final int batch, height, width, channels, filters, kernelHeight, kernelWidth;
    public final int strideHeight, strideWidth, dilationHeight, dilationWidth;
    public final boolean same;
    /** TensorFlow's single-thread GFLOP/s on this machine type as quoted in the performance issue (0 = none). */
    public final int issueTensorFlowGflops;
    public final int outHeight, outWidth, padTop, padLeft;

    Shape(String description, int batch, int height, int width, int channels, int filters, int kernelHeight,
          int kernelWidth, int strideHeight, int strideWidth, int dilationHeight, int dilationWidth, boolean same,
          int issueTensorFlowGflops) {
        this.description = description;
        this.batch = batch;
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.filters = filters;
        this.kernelHeight = kernelHeight;
        this.kernelWidth = kernelWidth;
        this.strideHeight = strideHeight;
        this.strideWidth = strideWidth;
        this.dilationHeight = dilationHeight;
        this.dilationWidth = dilationWidth;
        this.same = same;
        this.issueTensorFlowGflops = issueTensorFlowGflops;
        int effectiveKh = (kernelHeight - 1) * dilationHeight + 1;
        int effectiveKw = (kernelWidth - 1) * dilationWidth + 1;
        if (same) {
            outHeight = ceilDiv(height, strideHeight);
            outWidth = ceilDiv(width, strideWidth);
            padTop = Math.max((outHeight - 1) * strideHeight + effectiveKh - height, 0) / 2;
            padLeft = Math.max((outWidth - 1) * strideWidth + effectiveKw - width, 0) / 2;
        } else {
            outHeight = ceilDiv(height - effectiveKh + 1, strideHeight);
            outWidth = ceilDiv(width - effectiveKw + 1, strideWidth);
            padTop = 0;
            padLeft = 0;
        }
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    public int inputSize() {
        return batch * height * width * channels;
    }

    public int outputSize() {
        return batch * outHeight * outWidth * filters;
    }

    public int kernelSize() {
        return kernelHeight * kernelWidth * channels * filters;
    }

    /** FLOP of one forward pass over the batch: 2·N·OH·OW·F·KH·KW·C (bias and activation not counted). */
    public double flop() {
        return 2.0 * batch * outHeight * outWidth * filters * kernelHeight * kernelWidth * channels;
    }

    public String padding() {
        return same ? "same" : "valid";
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: %s", name(), description);
    }
}
