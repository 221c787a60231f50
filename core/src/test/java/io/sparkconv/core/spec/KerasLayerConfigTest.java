package io.sparkconv.core.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.config.KerasSemantics;
import io.sparkconv.core.initializer.VarianceScaling;
import io.sparkconv.core.regularizer.L1L2;
import io.sparkconv.core.tensor.DataFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Keras layer config in and out (spec §8.1). */
class KerasLayerConfigTest {

    /** The spec §8.1 example, as json.dumps writes it (one line). */
    static final String SPEC_EXAMPLE = "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d\", \"trainable\": true,"
            + " \"batch_input_shape\": [null, 28, 28, 1], \"dtype\": \"float32\", \"filters\": 32, \"kernel_size\": [3, 3],"
            + " \"strides\": [1, 1], \"padding\": \"valid\", \"data_format\": \"channels_last\", \"dilation_rate\": [1, 1],"
            + " \"activation\": \"relu\", \"use_bias\": true,"
            + " \"kernel_initializer\": {\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": null, \"dtype\": \"float32\"}},"
            + " \"bias_initializer\": {\"class_name\": \"Zeros\", \"config\": {\"dtype\": \"float32\"}},"
            + " \"kernel_regularizer\": {\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0, \"l2\": 0.009999999776482582}},"
            + " \"bias_regularizer\": null, \"activity_regularizer\": null,"
            + " \"kernel_constraint\": null, \"bias_constraint\": null}}";

    @Test
    void builderWritesTheSpecExampleByteForByte() {
        // Conv2D(32, 3, activation='relu', kernel_regularizer='l2', input_shape=(28,28,1))
        Conv2D conv = Conv2D.builder(32, 3).activation("relu").kernelRegularizer("l2").inputShape(28, 28, 1)
                .dataFormat("channels_last").build();
        assertEquals(SPEC_EXAMPLE, conv.toConfig());
    }

    @Test
    void specExampleRoundTripsByteForByte() {
        Conv2DSpec spec = KerasLayerConfig.parse(SPEC_EXAMPLE);
        assertEquals(KerasSemantics.TF_1_15, spec.semantics());
        assertEquals(32, spec.filters());
        assertEquals(java.util.Arrays.asList(null, 28, 28, 1), spec.batchInputShape());
        L1L2 regularizer = assertInstanceOf(L1L2.class, spec.kernelRegularizer());
        assertEquals(0.01f, regularizer.l2());
        assertEquals(0f, regularizer.l1());
        assertEquals(SPEC_EXAMPLE, KerasLayerConfig.toJson(spec));
        assertEquals(SPEC_EXAMPLE, Conv2D.fromConfig(SPEC_EXAMPLE).toConfig());
    }

    @Test
    void everyPartRoundTripsInTheTf115Form() {
        String json = "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"c\", \"trainable\": false, \"dtype\": \"float32\","
                + " \"filters\": 6, \"kernel_size\": [5, 3], \"strides\": [2, 1], \"padding\": \"same\","
                + " \"data_format\": \"channels_first\", \"dilation_rate\": [1, 1], \"activation\": \"hard_sigmoid\","
                + " \"use_bias\": false,"
                + " \"kernel_initializer\": {\"class_name\": \"VarianceScaling\", \"config\": {\"scale\": 2.0, \"mode\": \"fan_in\","
                + " \"distribution\": \"truncated_normal\", \"seed\": 7, \"dtype\": \"float32\"}},"
                + " \"bias_initializer\": {\"class_name\": \"Constant\", \"config\": {\"value\": 0.25, \"dtype\": \"float32\"}},"
                + " \"kernel_regularizer\": {\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0010000000474974513, \"l2\": 0.0}},"
                + " \"bias_regularizer\": {\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0, \"l2\": 9.999999747378752e-05}},"
                + " \"activity_regularizer\": {\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.009999999776482582,"
                + " \"l2\": 0.009999999776482582}},"
                + " \"kernel_constraint\": {\"class_name\": \"MaxNorm\", \"config\": {\"max_value\": 2, \"axis\": [0, 1, 2]}},"
                + " \"bias_constraint\": {\"class_name\": \"MinMaxNorm\", \"config\": {\"min_value\": 0.0, \"max_value\": 1.0,"
                + " \"rate\": 1.0, \"axis\": 0}}}}";
        Conv2DSpec spec = KerasLayerConfig.parse(json);
        assertEquals(Padding.SAME, spec.padding());
        assertEquals(DataFormat.CHANNELS_FIRST, spec.dataFormat());
        assertEquals(5, spec.kernelHeight());
        assertEquals(3, spec.kernelWidth());
        assertEquals(7L, spec.kernelInitializer().seed());
        assertEquals(json, KerasLayerConfig.toJson(spec));
    }

    @Test
    void stringArgumentsSerializeAsTf115Classes() {
        Conv2D conv = Conv2D.builder(4, 3).dataFormat("channels_last").kernelInitializer("he_normal")
                .biasInitializer("ones").kernelRegularizer("l1_l2").kernelConstraint("non_neg").build();
        String json = conv.toConfig();
        assertTrue(json.contains("\"kernel_initializer\": {\"class_name\": \"VarianceScaling\", \"config\": {\"scale\": 2.0,"
                + " \"mode\": \"fan_in\", \"distribution\": \"truncated_normal\", \"seed\": null, \"dtype\": \"float32\"}}"), json);
        assertTrue(json.contains("\"bias_initializer\": {\"class_name\": \"Ones\", \"config\": {\"dtype\": \"float32\"}}"), json);
        assertTrue(json.contains("{\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.009999999776482582, "
                + "\"l2\": 0.009999999776482582}}"), json);
        assertTrue(json.contains("\"kernel_constraint\": {\"class_name\": \"NonNeg\", \"config\": {}}"), json);
        assertTrue(!json.contains("batch_input_shape") && !json.contains("groups"), json);
    }

    @Test
    void groupsIsWrittenOnlyWhenNotOne() {
        String json = Conv2D.builder(4, 3).dataFormat("channels_last").groups(2).build().toConfig();
        assertTrue(json.contains("\"dilation_rate\": [1, 1], \"groups\": 2, \"activation\": \"linear\""), json);
        assertEquals(2, KerasLayerConfig.parse(json).groups());
    }

    @Test
    void readsKeras3NewStyleConfigWithDTypePolicy() {
        String json = "{\"module\": \"keras.layers\", \"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d\","
                + " \"trainable\": true, \"dtype\": {\"module\": \"keras\", \"class_name\": \"DTypePolicy\","
                + " \"config\": {\"name\": \"float32\"}, \"registered_name\": null}, \"filters\": 32,"
                + " \"kernel_size\": [3, 3], \"strides\": [1, 1], \"padding\": \"valid\", \"data_format\": \"channels_last\","
                + " \"dilation_rate\": [1, 1], \"groups\": 1, \"activation\": \"hard_sigmoid\", \"use_bias\": true,"
                + " \"kernel_initializer\": {\"module\": \"keras.initializers\", \"class_name\": \"HeNormal\","
                + " \"config\": {\"seed\": 3}, \"registered_name\": null},"
                + " \"bias_initializer\": {\"module\": \"keras.initializers\", \"class_name\": \"Zeros\", \"config\": {},"
                + " \"registered_name\": null},"
                + " \"kernel_regularizer\": {\"module\": \"keras.regularizers\", \"class_name\": \"L2\","
                + " \"config\": {\"l2\": 0.01}, \"registered_name\": null},"
                + " \"bias_regularizer\": null, \"activity_regularizer\": null,"
                + " \"kernel_constraint\": {\"module\": \"keras.constraints\", \"class_name\": \"NonNeg\", \"config\": {},"
                + " \"registered_name\": null}, \"bias_constraint\": null},"
                + " \"registered_name\": null, \"build_config\": {\"input_shape\": [null, 28, 28, 1]}}";
        Conv2DSpec spec = KerasLayerConfig.parse(json);
        assertEquals(KerasSemantics.KERAS_3, spec.semantics());
        assertEquals("float32", spec.dtype());
        VarianceScaling he = assertInstanceOf(VarianceScaling.class, spec.kernelInitializer());
        assertEquals(2.0, he.scale());
        assertEquals("fan_in", he.mode());
        assertEquals(3L, he.seed());
        float[] x = {-4f, 0.3f};
        spec.activation().apply(x, 0, 2, 2);
        assertEquals(0f, x[0]); // Keras 3 hard_sigmoid saturates at -3, Keras 2's 0.2x+0.5 would too: check 0.3
        assertEquals((0.3f + 3f) / 6f, x[1]);
        assertEquals(0.01f, ((L1L2) spec.kernelRegularizer()).l2());
        // keras_version decides when given: 3.14 divides the activity penalty.
        assertEquals(KerasSemantics.KERAS_3_14, KerasLayerConfig.parse(json, "3.14.0").semantics());
        // Written back in the TF 1.15 form.
        String tf = KerasLayerConfig.toJson(spec);
        assertTrue(tf.contains("\"kernel_initializer\": {\"class_name\": \"VarianceScaling\", \"config\": {\"scale\": 2.0, "
                + "\"mode\": \"fan_in\", \"distribution\": \"truncated_normal\", \"seed\": 3, \"dtype\": \"float32\"}}"), tf);
        assertTrue(tf.contains("{\"class_name\": \"L1L2\", \"config\": {\"l1\": 0.0, \"l2\": 0.009999999776482582}}"), tf);
    }

    @Test
    void readsKeras2LegacyConfig() {
        String json = "{\"class_name\": \"Conv2D\", \"config\": {\"name\": \"conv2d\", \"trainable\": true, \"dtype\": \"float32\","
                + " \"filters\": 16, \"kernel_size\": [3, 3], \"strides\": [1, 1], \"padding\": \"same\","
                + " \"data_format\": \"channels_last\", \"dilation_rate\": [1, 1], \"groups\": 1, \"activation\": \"swish\","
                + " \"use_bias\": true, \"kernel_initializer\": {\"class_name\": \"HeNormal\", \"config\": {\"seed\": null}},"
                + " \"bias_initializer\": {\"class_name\": \"Zeros\", \"config\": {}},"
                + " \"kernel_regularizer\": {\"class_name\": \"L2\", \"config\": {\"l2\": 9.999999747378752e-05}},"
                + " \"bias_regularizer\": null, \"activity_regularizer\": null, \"kernel_constraint\": null,"
                + " \"bias_constraint\": null}}";
        Conv2DSpec spec = KerasLayerConfig.parse(json, "2.4.0");
        assertEquals(KerasSemantics.KERAS_2, spec.semantics());
        assertEquals(KerasSemantics.KERAS_2, KerasLayerConfig.parse(json).semantics());
        assertEquals("swish", spec.activation().kerasName());
        assertEquals(1e-4f, ((L1L2) spec.kernelRegularizer()).l2());
        // The same config claimed by a TF 1.15 file is rejected: swish and HeNormal did not exist there.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KerasLayerConfig.parse(json, "2.2.4-tf"));
        assertTrue(e.getMessage().contains("'swish'"), e.getMessage());
    }

    @Test
    void nullInitializerMeansGlorotUniformAndMissingKeysTakeKerasDefaults() {
        Conv2DSpec spec = KerasLayerConfig.parse("{\"class_name\": \"Convolution2D\", \"config\": {\"filters\": 3,"
                + " \"kernel_size\": 2, \"data_format\": \"channels_last\", \"bias_initializer\": null}}");
        assertEquals("GlorotUniform", spec.biasInitializer().className());
        assertEquals("Zeros", KerasLayerConfig.parse("{\"filters\": 3, \"kernel_size\": 2, \"data_format\": "
                + "\"channels_last\"}").biasInitializer().className());
        assertEquals("GlorotUniform", spec.kernelInitializer().className());
        assertEquals(2, spec.kernelWidth());
        assertEquals(1, spec.strideWidth());
        assertEquals("linear", spec.activation().kerasName());
        assertNull(spec.kernelRegularizer());
        assertEquals("conv2d", spec.name());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"class_name\": \"Dense\", \"config\": {}}|class_name='Dense'",
        "{\"filters\": 2, \"kernel_size\": [3, 3, 3]}|kernel_size=[3,3,3]",
        "{\"filters\": 2.5, \"kernel_size\": 3}|filters=2.5",
        "{\"filters\": 2, \"kernel_size\": 3, \"padding\": \"causal\"}|padding='causal'",
        "{\"filters\": 2, \"kernel_size\": 3, \"padding\": [1, 1]}|padding=[1,1]",
        "{\"filters\": 2, \"kernel_size\": 3, \"strides\": 2, \"dilation_rate\": [1, 2]}|strides=(2, 2) cannot be combined",
        "{\"filters\": 2, \"kernel_size\": 3, \"lora_rank\": 4}|lora_rank=4",
        "{\"filters\": 2, \"kernel_size\": 3, \"foo\": 1}|'foo'",
        "{\"filters\": 2, \"kernel_size\": 3, \"dtype\": \"mixed_float16\"}|dtype='mixed_float16'",
        "{\"filters\": 2, \"kernel_size\": 3, \"kernel_initializer\": {\"class_name\": \"MyInit\", \"config\": {}}}|'MyInit'",
        "{\"filters\": 2, \"kernel_size\": 3, \"kernel_initializer\": {\"class_name\": \"Identity\", \"config\": {\"gain\": 1.0}},"
                + " \"kernel_regularizer\": {\"class_name\": \"L1L2\", \"config\": {\"l3\": 1}}}|'l3'",
        "{\"filters\": 2, \"kernel_size\": 3, \"kernel_initializer\": {\"module\": \"my_pkg\", \"class_name\": \"GlorotUniform\","
                + " \"config\": {}, \"registered_name\": \"Custom>GlorotUniform\"}}|custom objects",
        "[1, 2]|not a JSON object",
        "{\"filters\": |not valid JSON",
    })
    void badConfigsAreRejectedNamingTheValue(String caseText) {
        String[] parts = caseText.split("\\|");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KerasLayerConfig.parse(parts[0]));
        assertTrue(e.getMessage().contains(parts[1]), () -> "message '" + e.getMessage() + "' lacks '" + parts[1] + "'");
    }

    @Test
    void semanticsSurviveTheJsonRoundTrip() {
        for (KerasSemantics s : KerasSemantics.values()) {
            Conv2D conv = Conv2D.builder(4, 3).dataFormat("channels_last").semantics(s).activation("hard_sigmoid")
                    .activityRegularizer("l2").build();
            String json = conv.toConfig();
            assertEquals(s != KerasSemantics.TF_1_15, json.contains("\"keras_version\""), json);
            Conv2D back = Conv2D.fromConfig(json);
            assertEquals(s, back.spec().semantics(), json);
            assertEquals(json, back.toConfig());
            float[] x = {2.6f};
            back.spec().activation().apply(x, 0, 1, 1);
            assertEquals(s.isKeras3() ? 5.6f / 6f : 1f, x[0], 1e-7f, s.toString());
        }
        // gelu exists only after TF 1.15: its layer must come back as a Keras 3 layer, not fail.
        String gelu = Conv2D.builder(2, 1).dataFormat("channels_last").semantics(KerasSemantics.KERAS_3)
                .activation("gelu").build().toConfig();
        assertTrue(gelu.endsWith("\"bias_constraint\": null}, \"keras_version\": \"3.0.0\"}"), gelu);
        assertEquals("gelu", Conv2D.fromConfig(gelu).spec().activation().kerasName());
        // An explicit version wins over the embedded one.
        assertEquals(KerasSemantics.KERAS_3_14, KerasLayerConfig.parse(gelu, "3.15.0").semantics());
    }

    @Test
    void specsReadFromEqualConfigsAreEqual() {
        Conv2DSpec a = KerasLayerConfig.parse(SPEC_EXAMPLE);
        Conv2DSpec b = Conv2D.builder(32, 3).activation("relu").kernelRegularizer("l2").inputShape(28, 28, 1)
                .dataFormat("channels_last").spec();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        Conv2DSpec other = Conv2D.builder(32, 3).activation("relu").kernelRegularizer("l1").inputShape(28, 28, 1)
                .dataFormat("channels_last").spec();
        assertTrue(!a.equals(other));
        assertTrue(a.toString().contains("L1L2{l1=0.0, l2=0.009999999776482582}"), a.toString());
    }

    @Test
    void inputShapeSpellingsAllBecomeBatchInputShape() {
        String base = "{\"filters\": 2, \"kernel_size\": 3, \"data_format\": \"channels_last\", ";
        java.util.List<Integer> expected = java.util.Arrays.asList(null, 9, 9, 3);
        assertEquals(expected, KerasLayerConfig.parse(base + "\"batch_input_shape\": [null, 9, 9, 3]}").batchInputShape());
        assertEquals(expected, KerasLayerConfig.parse(base + "\"batch_shape\": [null, 9, 9, 3]}").batchInputShape());
        assertEquals(expected, KerasLayerConfig.parse(base + "\"input_shape\": [9, 9, 3]}").batchInputShape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KerasLayerConfig.parse(base + "\"input_shape\": [2, 9, 3]}"));
        assertTrue(e.getMessage().contains("input height 2"), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> KerasLayerConfig.parse(base + "\"input_shape\": \"9x9\"}"));
        assertTrue(bad.getMessage().contains("input_shape=\"9x9\""), bad.getMessage());
    }

    @Test
    void pythonFloatRepr() {
        assertEquals("0.009999999776482582", PythonJson.repr(0.01f));
        assertEquals("9.999999747378752e-05", PythonJson.repr(1e-4f));
        assertEquals("1e-07", PythonJson.repr(1e-7));
        assertEquals("0.0001", PythonJson.repr(1e-4));
        assertEquals("1e-05", PythonJson.repr(1e-5));
        assertEquals("1.0", PythonJson.repr(1.0));
        assertEquals("-0.05", PythonJson.repr(-0.05));
        assertEquals("1e+16", PythonJson.repr(1e16));
        assertEquals("123456789012345.0", PythonJson.repr(123456789012345.0));
        assertEquals("0.1", PythonJson.repr(0.1));
        assertEquals("5e-324", PythonJson.repr(Double.MIN_VALUE));
        assertEquals("1.7976931348623157e+308", PythonJson.repr(Double.MAX_VALUE));
    }
}
