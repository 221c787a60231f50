package io.sparkconv.core.conv;

import io.sparkconv.core.activation.Activation;
import io.sparkconv.core.tensor.DataFormat;

/** Builds layers for the kernel tests straight from a {@link Conv2DSpec}, independent of the builder. */
public final class TestLayers {

    private TestLayers() {
    }

    /** Arguments of a test layer; defaults: 1 filter, 3x3, stride 1, valid, channels_last, no dilation, no bias. */
    public static final class Args {
        public int filters = 1;
        public int kernelHeight = 3;
        public int kernelWidth = 3;
        public int strideHeight = 1;
        public int strideWidth = 1;
        public Padding padding = Padding.VALID;
        public DataFormat dataFormat = DataFormat.CHANNELS_LAST;
        public int dilationHeight = 1;
        public int dilationWidth = 1;
        public int groups = 1;
        public Activation activation;
        public boolean useBias;

        public Conv2DSpec spec() {
            // groups exist from Keras 2 on; TF 1.15 semantics otherwise (the default)
            KerasSemantics semantics = groups > 1 ? KerasSemantics.KERAS_2 : KerasSemantics.TF_1_15;
            return new Conv2DSpec("conv2d", true, "float32", null, filters, kernelHeight, kernelWidth,
                    strideHeight, strideWidth, padding, dataFormat, dilationHeight, dilationWidth, groups,
                    activation, useBias, null, null, null, null, null, null, null, semantics);
        }

        public Conv2D layer() {
            return new Conv2D(spec());
        }

        @Override
        public String toString() {
            return "filters=" + filters + " kernel=" + kernelHeight + "x" + kernelWidth + " strides=" + strideHeight
                    + "x" + strideWidth + " " + padding.kerasName() + " " + dataFormat.kerasName() + " dilation="
                    + dilationHeight + "x" + dilationWidth + " groups=" + groups + " activation="
                    + (activation == null ? "none" : activation.kerasName()) + " bias=" + useBias;
        }
    }

    public static Args args() {
        return new Args();
    }
}
