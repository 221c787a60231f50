package io.sparkconv.core.conv;

import io.sparkconv.core.spec.Padding;

import io.sparkconv.core.spec.Conv2DSpec;

import io.sparkconv.core.config.KerasSemantics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.tensor.DataFormat;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every configuration-time rule of the spec's policy, with the message it must give (spec §1, "Our policy"). */
class Conv2DSpecValidationTest {

    private static Conv2DBuilder base() {
        return Conv2D.builder(8, 3).dataFormat("channels_last");
    }

    static Stream<Arguments> invalidConfigurations() {
        return Stream.of(
                Arguments.of("filters zero", (Supplier<?>) () -> Conv2D.builder(0, 3).dataFormat("channels_last").spec(),
                        new String[] {"filters=0", "positive integer"}),
                Arguments.of("filters negative", (Supplier<?>) () -> Conv2D.builder(-4, 3).dataFormat("channels_last").spec(),
                        new String[] {"filters=-4", "positive integer"}),
                Arguments.of("kernel zero", (Supplier<?>) () -> Conv2D.builder(8, 0, 3).dataFormat("channels_last").spec(),
                        new String[] {"kernel_size=(0, 3)", "positive integer"}),
                Arguments.of("kernel negative", (Supplier<?>) () -> Conv2D.builder(8, 3, -1).dataFormat("channels_last").spec(),
                        new String[] {"kernel_size=(3, -1)", "positive integer"}),
                Arguments.of("kernel three values", (Supplier<?>) () -> Conv2D.builder(8, 3, 3, 3),
                        new String[] {"kernel_size=[3, 3, 3]", "tuple of 2 integers"}),
                Arguments.of("kernel no value", (Supplier<?>) () -> Conv2D.builder(8),
                        new String[] {"kernel_size=[]", "tuple of 2 integers"}),
                Arguments.of("strides zero", (Supplier<?>) () -> base().strides(0, 1).spec(),
                        new String[] {"strides=(0, 1)", "positive integer"}),
                Arguments.of("strides negative", (Supplier<?>) () -> base().strides(-2).spec(),
                        new String[] {"strides=(-2, -2)", "positive integer"}),
                Arguments.of("dilation zero", (Supplier<?>) () -> base().dilationRate(1, 0).spec(),
                        new String[] {"dilation_rate=(1, 0)", "positive integer"}),
                Arguments.of("strides with dilation, crossed dims", (Supplier<?>) () -> base().strides(2, 1).dilationRate(1, 2).spec(),
                        new String[] {"strides=(2, 1) cannot be combined with dilation_rate=(1, 2)", "strides > 1"}),
                Arguments.of("strides with dilation, same dim", (Supplier<?>) () -> base().strides(2).dilationRate(2).spec(),
                        new String[] {"strides=(2, 2) cannot be combined with dilation_rate=(2, 2)"}),
                Arguments.of("groups zero", (Supplier<?>) () -> base().groups(0).spec(),
                        new String[] {"groups=0", "positive integer"}),
                Arguments.of("groups not dividing filters", (Supplier<?>) () -> base().groups(3).spec(),
                        new String[] {"groups=3 does not divide filters=8"}),
                Arguments.of("groups not dividing input channels", (Supplier<?>) () -> base().groups(2).inputShape(5, 5, 3).spec(),
                        new String[] {"groups=2 does not divide the 3 input channels", "(None, 5, 5, 3)"}),
                Arguments.of("padding causal", (Supplier<?>) () -> base().padding("causal").spec(),
                        new String[] {"padding='causal'", "Conv1D", "\"valid\", \"same\""}),
                Arguments.of("padding unknown", (Supplier<?>) () -> base().padding("full").spec(),
                        new String[] {"padding='full'", "\"valid\", \"same\""}),
                Arguments.of("data_format unknown", (Supplier<?>) () -> base().dataFormat("NHWC").spec(),
                        new String[] {"data_format='NHWC'", "channels_first", "channels_last"}),
                Arguments.of("activation unknown", (Supplier<?>) () -> base().activation("ReLU").spec(),
                        new String[] {"activation='ReLU'", "relu", "softmax"}),
                Arguments.of("activation of a later Keras", (Supplier<?>) () -> base().activation("gelu").spec(),
                        new String[] {"activation='gelu'", "TF 1.15"}),
                Arguments.of("initializer unknown", (Supplier<?>) () -> base().kernelInitializer("xavier").spec(),
                        new String[] {"kernel_initializer", "'xavier'", "glorot_uniform"}),
                Arguments.of("variance_scaling string in TF 1.15", (Supplier<?>) () -> base().kernelInitializer("variance_scaling").spec(),
                        new String[] {"'variance_scaling'", "VarianceScaling"}),
                Arguments.of("regularizer unknown", (Supplier<?>) () -> base().kernelRegularizer("l3").spec(),
                        new String[] {"kernel_regularizer: regularizer='l3'", "l1_l2"}),
                Arguments.of("l1_l2 in Keras 3", (Supplier<?>) () -> base().semantics(KerasSemantics.KERAS_3)
                        .kernelRegularizer("l1_l2").spec(),
                        new String[] {"regularizer='l1_l2'", "Keras 3", "L1L2"}),
                Arguments.of("constraint unknown", (Supplier<?>) () -> base().kernelConstraint("maxNorm").spec(),
                        new String[] {"kernel_constraint: constraint='maxNorm'", "max_norm"}),
                Arguments.of("bias regularizer unknown", (Supplier<?>) () -> base().biasRegularizer("L2").spec(),
                        new String[] {"bias_regularizer: regularizer='L2'", "TF 1.15"}),
                Arguments.of("activity regularizer unknown", (Supplier<?>) () -> base().activityRegularizer("l").spec(),
                        new String[] {"activity_regularizer: regularizer='l'"}),
                Arguments.of("bias constraint unknown", (Supplier<?>) () -> base().biasConstraint("positive").spec(),
                        new String[] {"bias_constraint: constraint='positive'"}),
                Arguments.of("radial constraint in Keras 3", (Supplier<?>) () -> base().semantics(KerasSemantics.KERAS_3)
                        .kernelConstraint("radial_constraint").spec(),
                        new String[] {"'radial_constraint'", "removed RadialConstraint"}),
                Arguments.of("dtype float64", (Supplier<?>) () -> base().dtype("float64").spec(),
                        new String[] {"dtype='float64'", "float32"}),
                Arguments.of("empty name", (Supplier<?>) () -> base().name("").spec(),
                        new String[] {"name=''", "non-empty"}),
                Arguments.of("input rank 3", (Supplier<?>) () -> base().batchInputShape(null, 28, 28).spec(),
                        new String[] {"(None, 28, 28)", "rank 3", "4-D"}),
                Arguments.of("input channels unknown", (Supplier<?>) () -> base().inputShape(28, 28, null).spec(),
                        new String[] {"(None, 28, 28, None)", "channel dimension"}),
                Arguments.of("valid input smaller than the kernel", (Supplier<?>) () -> base().inputShape(2, 9, 1).spec(),
                        new String[] {"input height 2", "dilated kernel height 3", "padding='valid'"}),
                Arguments.of("valid input smaller than the dilated kernel", (Supplier<?>) () -> base().dilationRate(1, 3)
                        .inputShape(9, 6, 1).spec(),
                        new String[] {"input width 6", "dilated kernel width 7"}),
                Arguments.of("channels_first input channels undefined", (Supplier<?>) () -> base().dataFormat("channels_first")
                        .batchInputShape(null, null, 28, 28).spec(),
                        new String[] {"axis 1 for channels_first"}),
                Arguments.of("semantics null", (Supplier<?>) () -> base().semantics(null).spec(),
                        new String[] {"semantics=None", "TF_1_15"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidConfigurations")
    void rejectsWithAMessageNamingTheValue(String description, Supplier<?> configure, String[] expectedFragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, configure::get);
        for (String fragment : expectedFragments) {
            assertTrue(e.getMessage().contains(fragment),
                    () -> description + ": message '" + e.getMessage() + "' lacks '" + fragment + "'");
        }
    }

    @ParameterizedTest(name = "padding {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"same", "SAME", "Same", "valid", "VALID"})
    void paddingIsCaseInsensitiveAndStoredLowerCase(String padding) {
        Conv2DSpec spec = base().padding(padding).spec();
        assertEquals(padding.toLowerCase(java.util.Locale.ROOT), spec.padding().kerasName());
    }

    @org.junit.jupiter.api.Test
    void acceptsTheCombinationsTheRulesAllow() {
        Conv2DSpec strided = base().strides(2, 1).dilationRate(1, 1).spec();
        assertEquals(2, strided.strideHeight());
        Conv2DSpec dilated = base().strides(1).dilationRate(3, 2).spec();
        assertEquals(3, dilated.dilationHeight());
        assertEquals(5, dilated.effectiveKernelWidth());
        Conv2DSpec grouped = base().groups(4).inputShape(7, 7, 12).spec();
        assertEquals(3, grouped.kernelShape(12)[2]);
        // SAME never fails on small inputs; VALID accepts an input exactly the dilated kernel size.
        assertEquals(Padding.SAME, base().padding("same").inputShape(1, 1, 2).spec().padding());
        assertEquals(DataFormat.CHANNELS_LAST, base().dilationRate(2).inputShape(5, 5, 1).spec().dataFormat());
    }
}
