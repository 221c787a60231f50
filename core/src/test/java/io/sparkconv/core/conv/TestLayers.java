package io.sparkconv.core.conv;

import io.sparkconv.core.spec.Padding;

import io.sparkconv.core.spec.Conv2DSpec;

import io.sparkconv.core.config.KerasSemantics;

import io.sparkconv.core.activation.Activation;
import io.sparkconv.core.tensor.DataFormat;

/** Layers for the kernel tests, built with mutable fields so tests can vary one argument at a time. */
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
        /** Null: TF 1.15, or Keras 2 when groups > 1 (groups exist from Keras 2 on). */
        public KerasSemantics semantics;

        public Conv2DSpec spec() {
            KerasSemantics semantics = this.semantics != null ? this.semantics
                    : groups > 1 ? KerasSemantics.KERAS_2 : KerasSemantics.TF_1_15;
            Conv2DBuilder b = Conv2D.builder(filters, kernelHeight, kernelWidth).strides(strideHeight, strideWidth)
                    .padding(padding).dataFormat(dataFormat).dilationRate(dilationHeight, dilationWidth)
                    .groups(groups).useBias(useBias).semantics(semantics);
            return (activation == null ? b.activation("linear") : b.activation(activation)).spec();
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
