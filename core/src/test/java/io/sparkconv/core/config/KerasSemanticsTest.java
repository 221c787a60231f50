package io.sparkconv.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which semantics a file's keras_version selects (spec "Our policy", §0 version labels). */
class KerasSemanticsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "2.2.4-tf, TF_1_15",   // tf.keras in TF 1.x
        "2.3.0-tf, KERAS_2",   // tf.keras with TF 2 behaviour
        "2.1.3, TF_1_15",      // multi-backend Keras: TF 1.x-era formulas
        "2.3.1, TF_1_15",
        "2.4.0, KERAS_2",
        "2.15.0, KERAS_2",
        "1.2.2, TF_1_15",
        "3.1.1, KERAS_3",
        "3.13.2, KERAS_3",
        "3.14.0, KERAS_3_14",
        "3.15.0.dev2026, KERAS_3_14",
    })
    void kerasVersionPicksTheSemantics(String version, KerasSemantics expected) {
        assertEquals(expected, KerasSemantics.forKerasVersion(version));
    }

    @Test
    void badVersionsAndNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KerasSemantics.forKerasVersion("tf-nightly"));
        assertTrue(e.getMessage().contains("keras_version='tf-nightly'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KerasSemantics.forKerasVersion("4.0.0"));
        assertThrows(IllegalArgumentException.class, () -> KerasSemantics.forKerasVersion(""));
        assertEquals(KerasSemantics.KERAS_3, KerasSemantics.fromName("keras3"));
        assertEquals(KerasSemantics.TF_1_15, KerasSemantics.fromName("tf-1.15"));
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                () -> KerasSemantics.fromName("keras4"));
        assertTrue(name.getMessage().contains("'keras4'") && name.getMessage().contains("KERAS_3_14"), name.getMessage());
    }

    @Test
    void activityPenaltyDivisionByVersion() {
        assertTrue(KerasSemantics.TF_1_15.dividesActivityPenaltyByBatchSize());
        assertTrue(KerasSemantics.KERAS_2.dividesActivityPenaltyByBatchSize());
        assertFalse(KerasSemantics.KERAS_3.dividesActivityPenaltyByBatchSize());
        assertTrue(KerasSemantics.KERAS_3_14.dividesActivityPenaltyByBatchSize());
    }
}
