package io.sparkconv.core.spec;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.core.tensor.Shapes;

/**
 * Everything the kernel needs to know about one image size: input and output sizes, the per-side padding
 * TensorFlow uses, strides, dilation and groups. Built (and the input checked) once per input shape by
 * {@link #of(Conv2DSpec, int[])}; kernels trust it. Sizes are per image; the batch size is passed at run time.
 *
 * <p>Output size and SAME padding follow TensorFlow's {@code GetWindowedOutputSizeVerboseV2}: the odd extra
 * padding pixel goes after (bottom/right). VALID with an input smaller than the dilated kernel is an error,
 * as in TF 1.15 graph mode (spec §2.3, §2.5).
 */
public record ConvGeometry(
        DataFormat dataFormat,
        int inHeight, int inWidth, int inChannels,
        int outHeight, int outWidth, int filters,
        int kernelHeight, int kernelWidth,
        int strideHeight, int strideWidth,
        int dilationHeight, int dilationWidth,
        int padTop, int padBottom, int padLeft, int padRight,
        int groups) {

    /** Output size and padding of one spatial axis. */
    public record Axis(int out, int padBefore, int padAfter, int effectiveKernel) {
    }

    /**
     * Checks a 4-D input shape (in the layer's data format; batch first) against the layer and returns its
     * geometry. The channel count is checked against {@code groups}; use {@link #of(Conv2DSpec, int[], int)}
     * when a kernel already fixes it.
     */
    public static ConvGeometry of(Conv2DSpec spec, int[] inputShape) {
        return of(spec, inputShape, -1);
    }

    /**
     * As {@link #of(Conv2DSpec, int[])}, and when {@code kernelInChannels > 0} the input must have
     * {@code kernelInChannels * groups} channels (the kernel's {@code Cin/groups} axis).
     */
    public static ConvGeometry of(Conv2DSpec spec, int[] inputShape, int kernelInChannels) {
        if (inputShape == null) {
            throw new IllegalArgumentException("input shape is missing: expected a 4-D shape");
        }
        if (inputShape.length != 4) {
            throw new IllegalArgumentException("Input of layer " + layerName(spec)
                    + " is incompatible with the layer: expected ndim=4, found ndim=" + inputShape.length
                    + ". Full shape received: " + Shapes.format(inputShape));
        }
        if (inputShape[0] < 0) {
            throw new IllegalArgumentException("Input of layer " + layerName(spec) + " has a negative batch size "
                    + inputShape[0] + " in shape " + Shapes.format(inputShape) + ": expected >= 0");
        }
        boolean first = spec.dataFormat() == DataFormat.CHANNELS_FIRST;
        int h = first ? inputShape[2] : inputShape[1];
        int w = first ? inputShape[3] : inputShape[2];
        int c = first ? inputShape[1] : inputShape[3];
        return check(spec, h, w, c, kernelInChannels, inputShape);
    }

    /** The geometry for images of {@code height x width x channels} (per-image, no batch axis). */
    public static ConvGeometry of(Conv2DSpec spec, int height, int width, int channels, int kernelInChannels) {
        int[] shape = spec.dataFormat() == DataFormat.CHANNELS_FIRST
                ? new int[] {-1, channels, height, width} : new int[] {-1, height, width, channels};
        return check(spec, height, width, channels, kernelInChannels, shape);
    }

    private static ConvGeometry check(Conv2DSpec spec, int h, int w, int c, int kernelInChannels, int[] shape) {
        String shown = shape[0] < 0 ? "(None" + Shapes.format(shape).substring(3) : Shapes.format(shape);
        int channelAxis = spec.dataFormat() == DataFormat.CHANNELS_FIRST ? 1 : -1;
        if (h <= 0 || w <= 0) {
            throw new IllegalArgumentException("Input of layer " + layerName(spec) + " has an empty image: height="
                    + h + ", width=" + w + " in shape " + shown + " (data_format=" + spec.dataFormat().kerasName()
                    + "); expected height and width >= 1");
        }
        if (c <= 0) {
            throw new IllegalArgumentException("Input of layer " + layerName(spec) + " has " + c
                    + " channels on axis " + channelAxis + " of shape " + shown + " (data_format="
                    + spec.dataFormat().kerasName() + "); expected >= 1");
        }
        int groups = spec.groups();
        if (c % groups != 0) {
            throw new IllegalArgumentException("Input of layer " + layerName(spec) + " has " + c
                    + " channels (shape " + shown + "), which groups=" + groups
                    + " does not divide: the number of input channels must be a multiple of groups");
        }
        if (kernelInChannels > 0 && c != (long) kernelInChannels * groups) {
            throw new IllegalArgumentException("Input of layer " + layerName(spec)
                    + " is incompatible with the layer: expected axis " + channelAxis
                    + " of input shape to have value " + (long) kernelInChannels * groups
                    + " (the kernel's " + kernelInChannels + " input channels x groups=" + groups
                    + ") but received input with shape " + shown);
        }
        Axis rows = axis("height", spec.padding(), h, spec.kernelHeight(), spec.strideHeight(),
                spec.dilationHeight());
        Axis cols = axis("width", spec.padding(), w, spec.kernelWidth(), spec.strideWidth(),
                spec.dilationWidth());
        ConvGeometry g = new ConvGeometry(spec.dataFormat(), h, w, c, rows.out(), cols.out(), spec.filters(),
                spec.kernelHeight(), spec.kernelWidth(), spec.strideHeight(), spec.strideWidth(),
                spec.dilationHeight(), spec.dilationWidth(), rows.padBefore(), rows.padAfter(),
                cols.padBefore(), cols.padAfter(), groups);
        Shapes.size(h, w, c);                          // both image sizes must fit in one array
        Shapes.size(rows.out(), cols.out(), spec.filters());
        return g;
    }

    /**
     * Output size and padding of one axis, exactly as TensorFlow computes them (spec §2.2): SAME gives
     * {@code ceil(in / s)} with {@code pad_before = pad_needed / 2} and the rest after; VALID gives
     * {@code (in - eff_k) / s + 1} and requires {@code in >= eff_k}.
     */
    public static Axis axis(String axisName, Padding padding, int in, int kernel, int stride, int dilation) {
        long effective = (long) (kernel - 1) * dilation + 1;
        if (effective > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("kernel " + axisName + " " + kernel + " with dilation " + dilation
                    + " spans " + effective + " pixels, more than the largest supported image");
        }
        int eff = (int) effective;
        if (padding == Padding.VALID) {
            if (in < eff) {
                throw new IllegalArgumentException("padding='valid' needs an input " + axisName
                        + " of at least the dilated kernel " + axisName + " " + eff + " (kernel " + kernel
                        + ", dilation " + dilation + "), but the input " + axisName + " is " + in
                        + " (TensorFlow: Negative dimension size caused by subtracting " + eff + " from " + in
                        + "); use padding='same' or a larger input");
            }
            return new Axis((in - eff) / stride + 1, 0, 0, eff);
        }
        int out = (int) (((long) in + stride - 1) / stride);
        long needed = Math.max(0L, (long) (out - 1) * stride + eff - in);
        int before = (int) (needed / 2);
        return new Axis(out, before, (int) (needed - before), eff);
    }

    private static String layerName(Conv2DSpec spec) {
        return spec.name() == null ? "conv2d" : spec.name();
    }

    public int inChannelsPerGroup() {
        return inChannels / groups;
    }

    public int filtersPerGroup() {
        return filters / groups;
    }

    /** Values per input image. */
    public int inputImageSize() {
        return inHeight * inWidth * inChannels;
    }

    /** Values per output image. */
    public int outputImageSize() {
        return outHeight * outWidth * filters;
    }

    /** The kernel's shape for this input, as weight packing needs it. */
    public FilterShape filterShape() {
        return new FilterShape(kernelHeight, kernelWidth, inChannelsPerGroup(), filters, groups);
    }

    /** The 4-D input shape for {@code batch} images in the layer's data format. */
    public int[] inputShape(int batch) {
        return dataFormat == DataFormat.CHANNELS_FIRST
                ? new int[] {batch, inChannels, inHeight, inWidth}
                : new int[] {batch, inHeight, inWidth, inChannels};
    }

    /** The 4-D output shape for {@code batch} images in the layer's data format. */
    public int[] outputShape(int batch) {
        return dataFormat == DataFormat.CHANNELS_FIRST
                ? new int[] {batch, filters, outHeight, outWidth}
                : new int[] {batch, outHeight, outWidth, filters};
    }

    /** Size of the output's last axis: filters for channels_last, width for channels_first (spec §4.2). */
    public int outputLastAxis() {
        return dataFormat == DataFormat.CHANNELS_FIRST ? outWidth : filters;
    }
}
