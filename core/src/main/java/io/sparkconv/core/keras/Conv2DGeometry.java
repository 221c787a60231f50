package io.sparkconv.core.keras;

import io.sparkconv.core.spec.KerasLayerConfig;

import com.fasterxml.jackson.databind.JsonNode;
import io.sparkconv.core.spec.ConvGeometry;
import io.sparkconv.core.spec.Padding;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The few Conv2D config values the file reader needs to check weights and shapes (full parsing is KerasLayerConfig's). */
record Conv2DGeometry(int filters, int kernelH, int kernelW, int strideH, int strideW, int dilationH, int dilationW,
                      String padding, boolean channelsFirst, int groups, boolean useBias) {

    static Conv2DGeometry of(JsonNode config, String layerName, Path file) {
        String where = "Conv2D layer '" + layerName + "'" + (file == null ? "" : " in " + file);
        int filters = positiveInt(config.get("filters"), "filters", where);
        int[] kernel = pair(config.get("kernel_size"), "kernel_size", where, null);
        int[] strides = pair(config.get("strides"), "strides", where, new int[] {1, 1});
        int[] dilation = pair(config.get("dilation_rate"), "dilation_rate", where, new int[] {1, 1});
        JsonNode paddingNode = config.get("padding");
        String padding = paddingNode == null || paddingNode.isNull() ? "valid" : paddingNode.asText().toLowerCase();
        JsonNode formatNode = config.get("data_format");
        boolean channelsFirst = formatNode != null && "channels_first".equals(formatNode.asText());
        JsonNode groupsNode = config.get("groups");
        int groups = groupsNode == null || groupsNode.isNull() ? 1 : positiveInt(groupsNode, "groups", where);
        JsonNode useBiasNode = config.get("use_bias");
        boolean useBias = useBiasNode == null || useBiasNode.isNull() || useBiasNode.asBoolean(true);
        if (filters % groups != 0) {
            throw new KerasFileException(where + ": filters=" + filters + " is not divisible by groups=" + groups);
        }
        return new Conv2DGeometry(filters, kernel[0], kernel[1], strides[0], strides[1], dilation[0], dilation[1],
                padding, channelsFirst, groups, useBias);
    }

    private static int positiveInt(JsonNode node, String key, String where) {
        if (node == null || !node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() <= 0) {
            throw new KerasFileException(where + ": " + key + " must be a positive integer, got "
                    + (node == null ? "nothing" : node.toString()));
        }
        return node.asInt();
    }

    private static int[] pair(JsonNode node, String key, String where, int[] fallback) {
        if ((node == null || node.isNull()) && fallback != null) {
            return fallback;
        }
        if (node != null && node.isIntegralNumber()) {
            int v = positiveInt(node, key, where);
            return new int[] {v, v};
        }
        if (node != null && node.isArray() && node.size() == 2) {
            return new int[] {positiveInt(node.get(0), key, where), positiveInt(node.get(1), key, where)};
        }
        throw new KerasFileException(where + ": " + key + " must be an integer or a list of 2 integers, got "
                + (node == null ? "nothing" : node.toString()));
    }

    /** The input channel count from a known 4-D input shape, else null. */
    Integer inputChannels(List<Integer> inputShape) {
        if (inputShape == null || inputShape.size() != 4) {
            return null;
        }
        return channelsFirst ? inputShape.get(1) : inputShape.get(3);
    }

    /** The output shape for a known input shape, with TF's VALID/SAME arithmetic; null when not computable. */
    List<Integer> outputShape(List<Integer> inputShape) {
        if (inputShape == null || inputShape.size() != 4) {
            return null;
        }
        int hAxis = channelsFirst ? 2 : 1;
        List<Integer> out = new ArrayList<>(inputShape);
        Integer h = spatial(inputShape.get(hAxis), kernelH, strideH, dilationH);
        Integer w = spatial(inputShape.get(hAxis + 1), kernelW, strideW, dilationW);
        if ((inputShape.get(hAxis) != null && h == null) || (inputShape.get(hAxis + 1) != null && w == null)) {
            return null;
        }
        out.set(hAxis, h);
        out.set(hAxis + 1, w);
        out.set(channelsFirst ? 1 : 3, filters);
        return out;
    }

    /** TF's output size along one axis (ConvGeometry's arithmetic); null for VALID on too small an input. */
    private Integer spatial(Integer in, int k, int s, int d) {
        if (in == null) {
            return null;
        }
        Padding p = "same".equals(padding) ? Padding.SAME : "valid".equals(padding) ? Padding.VALID : null;
        if (p == null || (p == Padding.VALID && in < (long) (k - 1) * d + 1)) {
            return null;
        }
        return ConvGeometry.axis("size", p, in, k, s, d).out();
    }
}
