package io.sparkconv.notebook;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.spec.Conv2DSpec;
import io.sparkconv.core.tensor.DataFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * A Keras-like summary of one Conv2D layer: name and type, input and output shape (None where unknown, as Keras
 * prints them), parameter count, and the arguments that decide the output.
 */
public record LayerSummary(Conv2D layer, int[] inputShape) {

    /** The summary of a layer whose input is known only as far as its config and weights tell. */
    public static LayerSummary of(Conv2D layer) {
        return new LayerSummary(layer, null);
    }

    /** The summary for images of {@code height x width x channels} (in the layer's data format's order: H, W, C). */
    public static LayerSummary of(Conv2D layer, int height, int width, int channels) {
        return new LayerSummary(layer, new int[] {height, width, channels});
    }

    /** Batch-less input dims (H, W, C) in channels-last order; -1 where unknown. */
    private int[] knownInput() {
        Conv2DSpec spec = layer.spec();
        if (inputShape != null) {
            return inputShape.clone();
        }
        int[] hwc = {-1, -1, layer.inputChannels()};
        List<Integer> batch = spec.batchInputShape();
        if (batch != null && batch.size() == 4) {
            boolean last = spec.dataFormat() == DataFormat.CHANNELS_LAST;
            hwc[0] = orUnknown(batch.get(last ? 1 : 2));
            hwc[1] = orUnknown(batch.get(last ? 2 : 3));
            hwc[2] = orUnknown(batch.get(last ? 3 : 1));
        }
        return hwc;
    }

    private static int orUnknown(Integer v) {
        return v == null ? -1 : v;
    }

    public String inputShapeText() {
        int[] hwc = knownInput();
        return shapeText(hwc[0], hwc[1], hwc[2]);
    }

    public String outputShapeText() {
        int[] hwc = knownInput();
        int filters = layer.spec().filters();
        if (hwc[0] > 0 && hwc[1] > 0 && hwc[2] > 0) {
            boolean last = layer.spec().dataFormat() == DataFormat.CHANNELS_LAST;
            int[] in = last ? new int[] {1, hwc[0], hwc[1], hwc[2]} : new int[] {1, hwc[2], hwc[0], hwc[1]};
            int[] out = layer.outputShape(in);
            return last ? shapeText(out[1], out[2], out[3]) : shapeText(out[2], out[3], out[1]);
        }
        return shapeText(-1, -1, filters);
    }

    /** kh * kw * Cin/groups * F weights plus F biases; -1 while the input channels are unknown. */
    public long params() {
        Conv2DSpec spec = layer.spec();
        int channels = knownInput()[2];
        if (channels <= 0) {
            return -1;
        }
        long kernel = (long) spec.kernelHeight() * spec.kernelWidth() * (channels / spec.groups()) * spec.filters();
        return kernel + (spec.useBias() ? spec.filters() : 0);
    }

    private String shapeText(int h, int w, int c) {
        boolean last = layer.spec().dataFormat() == DataFormat.CHANNELS_LAST;
        List<String> dims = new ArrayList<>();
        dims.add("None");
        int[] ordered = last ? new int[] {h, w, c} : new int[] {c, h, w};
        for (int d : ordered) {
            dims.add(d > 0 ? Integer.toString(d) : "None");
        }
        return "(" + String.join(", ", dims) + ")";
    }

    public String arguments() {
        Conv2DSpec s = layer.spec();
        return "filters=" + s.filters() + ", kernel_size=(" + s.kernelHeight() + ", " + s.kernelWidth()
                + "), strides=(" + s.strideHeight() + ", " + s.strideWidth() + "), padding=" + s.padding().kerasName()
                + ", data_format=" + s.dataFormat().kerasName() + ", dilation_rate=(" + s.dilationHeight() + ", "
                + s.dilationWidth() + ")" + (s.groups() != 1 ? ", groups=" + s.groups() : "") + ", activation="
                + s.activation().kerasName() + ", use_bias=" + (s.useBias() ? "True" : "False");
    }

    private String paramsText() {
        long p = params();
        return p < 0 ? "? (set weights or an input shape)" : String.format("%,d", p);
    }

    private String nameAndType() {
        return layer.spec().name() + " (Conv2D)";
    }

    public String text() {
        String rule = "=".repeat(78);
        String row = "%-28s %-22s %-22s %s%n";
        StringBuilder b = new StringBuilder();
        b.append(String.format(row, "Layer (type)", "Input Shape", "Output Shape", "Param #"));
        b.append(rule).append('\n');
        b.append(String.format(row, nameAndType(), inputShapeText(), outputShapeText(), paramsText()));
        b.append(rule).append('\n');
        b.append(arguments()).append('\n');
        b.append(layer.hasWeights() ? "weights: set" : "weights: not set").append('\n');
        return b.toString();
    }

    public String html() {
        return "<table><thead><tr><th>Layer (type)</th><th>Input Shape</th><th>Output Shape</th><th>Param #</th>"
                + "</tr></thead><tbody><tr><td>" + Html.escape(nameAndType()) + "</td><td>"
                + Html.escape(inputShapeText()) + "</td><td>" + Html.escape(outputShapeText()) + "</td><td>"
                + Html.escape(paramsText()) + "</td></tr></tbody></table><p><code>" + Html.escape(arguments())
                + "</code><br/>" + (layer.hasWeights() ? "weights: set" : "weights: not set") + "</p>";
    }

    @Override
    public String toString() {
        return text();
    }
}
