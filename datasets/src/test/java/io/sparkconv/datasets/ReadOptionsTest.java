package io.sparkconv.datasets;

import io.sparkconv.core.tensor.DataFormat;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadOptionsTest {
    @Test
    void fromMapSetsEveryOption() {
        ReadOptions o = ReadOptions.fromMap(Map.ofEntries(Map.entry("data_format", "Channels_First"),
                Map.entry("on_bad_record", "keep"), Map.entry("non_finite", "reject"),
                Map.entry("max_elements_per_record", "1000"), Map.entry("records_per_split", "7"),
                Map.entry("images_per_split", "3"), Map.entry("expected_channels", "3"),
                Map.entry("image_mode", "rgba"), Map.entry("channel_order", "bgr"), Map.entry("pixel_scale", "unit"),
                Map.entry("rank3_gray_batch", "true"), Map.entry("target_split_bytes", "99")));
        assertEquals(DataFormat.CHANNELS_FIRST, o.dataFormat());
        assertEquals(BadRecordPolicy.QUARANTINE, o.badRecordPolicy());
        assertEquals(NonFinitePolicy.REJECT, o.nonFinitePolicy());
        assertEquals(1000, o.maxElementsPerRecord());
        assertEquals(7, o.recordsPerSplitFor(1));
        assertEquals(3, o.imagesPerSplit());
        assertEquals(3, o.expectedChannels());
        assertEquals(ImageMode.COLOR_ALPHA, o.imageMode());
        assertEquals(ChannelOrder.BGR, o.channelOrder());
        assertEquals(PixelScale.UNIT, o.pixelScale());
        assertTrue(o.rank3IsGrayBatch());
        assertEquals(99, o.targetSplitBytes());
        assertEquals(33, ReadOptions.defaults().withTargetSplitBytes(100).recordsPerSplitFor(3));
    }

    @Test
    void badValuesNameTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReadOptions.fromMap(Map.of("on_bad_record", "ignore")));
        assertEquals("read option on_bad_record='ignore': bad-record policy 'ignore' is not supported: expected one "
                + "of fail, skip, quarantine", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ReadOptions.fromMap(Map.of("records_per_split", "x")));
        assertTrue(e.getMessage().contains("is not a number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ReadOptions.fromMap(Map.of("colour", "red")));
        assertTrue(e.getMessage().startsWith("unknown read option 'colour'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ReadOptions.fromMap(Map.of("max_elements_per_record", "0")));
        assertTrue(e.getMessage().contains("must be >= 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DatasetFormat.parse("tiff"));
        assertEquals(DatasetFormat.CIFAR100, DatasetFormat.parse("CIFAR-100"));
    }
}
