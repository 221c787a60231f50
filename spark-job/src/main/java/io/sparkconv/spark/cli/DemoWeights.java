package io.sparkconv.spark.cli;

import io.sparkconv.core.tensor.FloatTensor;

/**
 * Classic edge detectors as Conv2D kernels (kh, kw, Cin, F), written by the demo so that its weights are files a
 * user can look at and reuse. Each input channel gets the same 3x3 stencil divided by Cin, so colour images are
 * filtered as their channel average.
 */
final class DemoWeights {
    private static final float[][] SOBEL_X = {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};
    private static final float[][] SOBEL_Y = {{-1, -2, -1}, {0, 0, 0}, {1, 2, 1}};
    private static final float[][] LAPLACIAN = {{0, 1, 0}, {1, -4, 1}, {0, 1, 0}};

    private DemoWeights() {
    }

    /** Two filters: horizontal gradient (vertical edges), then vertical gradient (horizontal edges). */
    static FloatTensor sobel(int inputChannels) {
        return kernel(inputChannels, SOBEL_X, SOBEL_Y);
    }

    /** One filter: the 4-neighbour Laplacian (edges in every direction, zero on flat areas and ramps). */
    static FloatTensor laplacian(int inputChannels) {
        return kernel(inputChannels, LAPLACIAN);
    }

    private static FloatTensor kernel(int inputChannels, float[][]... stencils) {
        int filters = stencils.length;
        float[] k = new float[3 * 3 * inputChannels * filters];
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 3; x++) {
                for (int c = 0; c < inputChannels; c++) {
                    for (int f = 0; f < filters; f++) {
                        k[((y * 3 + x) * inputChannels + c) * filters + f] = stencils[f][y][x] / inputChannels;
                    }
                }
            }
        }
        return new FloatTensor(k, 3, 3, inputChannels, filters);
    }
}
