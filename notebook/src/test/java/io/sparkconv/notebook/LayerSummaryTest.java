package io.sparkconv.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import org.junit.jupiter.api.Test;

/** The layer summary against what Keras' model.summary() prints for the same layers. */
class LayerSummaryTest {

    @Test
    void aValidConvolutionOnKnownInputHasKerasShapesAndParamCount() {
        // Keras: Conv2D(32, 3) on (64, 64, 3): output (None, 62, 62, 32), 3*3*3*32 + 32 = 896 params.
        Conv2D layer = Conv2D.builder(32, 3, 3).build();
        LayerSummary summary = LayerSummary.of(layer, 64, 64, 3);
        assertEquals("(None, 64, 64, 3)", summary.inputShapeText());
        assertEquals("(None, 62, 62, 32)", summary.outputShapeText());
        assertEquals(896, summary.params());
        assertTrue(summary.text().contains("896"), summary.text());
        assertTrue(summary.html().contains("<td>(None, 62, 62, 32)</td>"), summary.html());
    }

    @Test
    void stridesSamePaddingAndNoBias() {
        // Keras: Conv2D(8, 5, strides=2, padding="same", use_bias=False) on (28, 28, 1): (None, 14, 14, 8), 200.
        Conv2D layer = Conv2D.builder(8, 5, 5).strides(2, 2).padding("same").useBias(false).build();
        LayerSummary summary = LayerSummary.of(layer, 28, 28, 1);
        assertEquals("(None, 14, 14, 8)", summary.outputShapeText());
        assertEquals(200, summary.params());
    }

    @Test
    void withoutAnInputShapeTheWeightsGiveTheChannelsAndTheSizesAreNone() {
        Conv2D layer = Conv2D.builder(2, 3, 3).padding("same").useBias(false).build();
        assertEquals(-1, LayerSummary.of(layer).params());
        assertEquals("(None, None, None, 2)", LayerSummary.of(layer).outputShapeText());
        layer.setWeights(new float[3 * 3 * 3 * 2], null);
        assertEquals("(None, None, None, 3)", LayerSummary.of(layer).inputShapeText());
        assertEquals(54, LayerSummary.of(layer).params());
    }
}
