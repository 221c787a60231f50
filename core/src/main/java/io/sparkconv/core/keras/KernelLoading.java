package io.sparkconv.core.keras;

import java.nio.file.Path;

/**
 * Keras' {@code preprocess_weights_for_loading} for a Conv2D kernel (spec 8.2): Theano-backend kernels are
 * flipped spatially ({@code convert_kernel}); a kernel whose stored shape differs from the layer's is transposed
 * with (3, 2, 0, 1); anything still not (kh, kw, Cin/groups, F) is rejected.
 */
record KernelLoading(int[] shape, float[] kernel, String conversion) {

    static KernelLoading load(float[] stored, int[] dims, Conv2DGeometry g, Integer inputChannels, boolean theano,
                              String layerName, Path file) {
        if (dims.length != 4) {
            throw mismatch(dims, g, inputChannels, layerName, file);
        }
        float[] kernel = stored;
        String conversion = "none";
        if (theano) {
            kernel = flipSpatial(kernel, dims);
            conversion = "flipped spatially (Theano backend, as Keras' convert_kernel)";
        }
        int[] shape = dims.clone();
        if (!fits(shape, g, inputChannels)) {
            int[] transposed = {dims[3], dims[2], dims[0], dims[1]};
            if (!fits(transposed, g, inputChannels)) {
                throw mismatch(dims, g, inputChannels, layerName, file);
            }
            kernel = transpose3201(kernel, dims);
            shape = transposed;
            conversion = (theano ? conversion + ", then " : "")
                    + "transposed (3, 2, 0, 1) from the legacy layout " + shapeText(dims);
        }
        return new KernelLoading(shape, kernel, conversion);
    }

    private static boolean fits(int[] shape, Conv2DGeometry g, Integer inputChannels) {
        boolean spatial = shape[0] == g.kernelH() && shape[1] == g.kernelW() && shape[3] == g.filters();
        if (!spatial || shape[2] <= 0) {
            return false;
        }
        return inputChannels == null || (long) shape[2] * g.groups() == inputChannels;
    }

    private static KerasFileException mismatch(int[] dims, Conv2DGeometry g, Integer inputChannels, String layerName,
                                               Path file) {
        String cin = inputChannels == null ? "Cin" : String.valueOf(inputChannels / Math.max(1, g.groups()));
        return new KerasFileException("kernel of layer '" + layerName + "' in " + file + " has shape "
                + shapeText(dims) + " but its config (filters=" + g.filters() + ", kernel_size=(" + g.kernelH() + ", "
                + g.kernelW() + "), groups=" + g.groups() + (inputChannels == null ? "" : ", input channels="
                + inputChannels) + ") expects (" + g.kernelH() + ", " + g.kernelW() + ", " + cin + ", "
                + g.filters() + ")");
    }

    static String shapeText(int[] dims) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        return sb.append(dims.length == 1 ? ",)" : ")").toString();
    }

    /** kernel[::-1, ::-1, :, :]. */
    static float[] flipSpatial(float[] k, int[] d) {
        float[] out = new float[k.length];
        int inner = d[2] * d[3];
        for (int i = 0; i < d[0]; i++) {
            for (int j = 0; j < d[1]; j++) {
                int from = ((d[0] - 1 - i) * d[1] + (d[1] - 1 - j)) * inner;
                System.arraycopy(k, from, out, (i * d[1] + j) * inner, inner);
            }
        }
        return out;
    }

    /** numpy.transpose(k, (3, 2, 0, 1)): out[a][b][c][e] = k[c][e][b][a]. */
    static float[] transpose3201(float[] k, int[] d) {
        float[] out = new float[k.length];
        int o = 0;
        for (int a = 0; a < d[3]; a++) {
            for (int b = 0; b < d[2]; b++) {
                for (int c = 0; c < d[0]; c++) {
                    for (int e = 0; e < d[1]; e++) {
                        out[o++] = k[((c * d[1] + e) * d[2] + b) * d[3] + a];
                    }
                }
            }
        }
        return out;
    }
}
