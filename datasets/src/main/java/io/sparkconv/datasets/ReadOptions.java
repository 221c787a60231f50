package io.sparkconv.datasets;

import io.sparkconv.core.tensor.DataFormat;

import java.io.Serializable;
import java.util.Objects;

/**
 * How to read an input: immutable; each {@code withX} returns a changed copy. Defaults: channels_last,
 * at most 2^26 elements per record, about 32 MiB per split, any channel count, bad records FAIL, NaN/Inf
 * allowed, images as RGB colour with raw sample values.
 */
public final class ReadOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final long DEFAULT_MAX_ELEMENTS_PER_RECORD = 1L << 26;
    public static final long DEFAULT_TARGET_SPLIT_BYTES = 32L << 20;
    public static final int DEFAULT_IMAGES_PER_SPLIT = 64;

    private DataFormat dataFormat = DataFormat.CHANNELS_LAST;
    private long maxElementsPerRecord = DEFAULT_MAX_ELEMENTS_PER_RECORD;
    private long targetSplitBytes = DEFAULT_TARGET_SPLIT_BYTES;
    private long recordsPerSplit;
    private int imagesPerSplit = DEFAULT_IMAGES_PER_SPLIT;
    private int expectedChannels;
    private BadRecordPolicy badRecordPolicy = BadRecordPolicy.FAIL;
    private NonFinitePolicy nonFinitePolicy = NonFinitePolicy.ALLOW;
    private ImageMode imageMode = ImageMode.COLOR;
    private ChannelOrder channelOrder = ChannelOrder.RGB;
    private PixelScale pixelScale = PixelScale.RAW;
    private boolean rank3IsGrayBatch;
    private String maxElementsHint = "ReadOptions.maxElementsPerRecord";

    public static ReadOptions defaults() {
        return new ReadOptions();
    }

    private ReadOptions copy() {
        ReadOptions o = new ReadOptions();
        o.dataFormat = dataFormat;
        o.maxElementsPerRecord = maxElementsPerRecord;
        o.targetSplitBytes = targetSplitBytes;
        o.recordsPerSplit = recordsPerSplit;
        o.imagesPerSplit = imagesPerSplit;
        o.expectedChannels = expectedChannels;
        o.badRecordPolicy = badRecordPolicy;
        o.nonFinitePolicy = nonFinitePolicy;
        o.imageMode = imageMode;
        o.channelOrder = channelOrder;
        o.pixelScale = pixelScale;
        o.rank3IsGrayBatch = rank3IsGrayBatch;
        o.maxElementsHint = maxElementsHint;
        return o;
    }

    /** Layout of every record's shape: (H, W, C) for channels_last, (C, H, W) for channels_first. */
    public ReadOptions withDataFormat(DataFormat v) {
        ReadOptions o = copy();
        o.dataFormat = Objects.requireNonNull(v, "dataFormat");
        return o;
    }

    /** Headers claiming more elements per record than this are refused before anything is allocated. */
    public ReadOptions withMaxElementsPerRecord(long v) {
        if (v < 1) {
            throw new IllegalArgumentException("maxElementsPerRecord must be >= 1, got " + v);
        }
        ReadOptions o = copy();
        o.maxElementsPerRecord = v;
        return o;
    }

    /**
     * The element limit with what sets it, named in the message of a record refused by it (e.g. the job's
     * batch byte budget and how to raise it).
     */
    public ReadOptions withMaxElementsPerRecord(long v, String hint) {
        ReadOptions o = withMaxElementsPerRecord(v);
        o.maxElementsHint = Objects.requireNonNull(hint, "hint");
        return o;
    }

    /** What sets {@link #maxElementsPerRecord()}, for messages. */
    public String maxElementsHint() {
        return maxElementsHint;
    }

    /** Approximate bytes of one split of a large file (ignored when {@link #withRecordsPerSplit} is set). */
    public ReadOptions withTargetSplitBytes(long v) {
        if (v < 1) {
            throw new IllegalArgumentException("targetSplitBytes must be >= 1, got " + v);
        }
        ReadOptions o = copy();
        o.targetSplitBytes = v;
        return o;
    }

    /** Exact records per split of splittable files; 0 means decide from {@link #targetSplitBytes()}. */
    public ReadOptions withRecordsPerSplit(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("recordsPerSplit must be >= 0, got " + v);
        }
        ReadOptions o = copy();
        o.recordsPerSplit = v;
        return o;
    }

    /** Image files per split of an image directory. */
    public ReadOptions withImagesPerSplit(int v) {
        if (v < 1) {
            throw new IllegalArgumentException("imagesPerSplit must be >= 1, got " + v);
        }
        ReadOptions o = copy();
        o.imagesPerSplit = v;
        return o;
    }

    /** Records whose channel count differs are bad records; 0 accepts any count. */
    public ReadOptions withExpectedChannels(int v) {
        if (v < 0) {
            throw new IllegalArgumentException("expectedChannels must be >= 0, got " + v);
        }
        ReadOptions o = copy();
        o.expectedChannels = v;
        return o;
    }

    public ReadOptions withBadRecordPolicy(BadRecordPolicy v) {
        ReadOptions o = copy();
        o.badRecordPolicy = Objects.requireNonNull(v, "badRecordPolicy");
        return o;
    }

    public ReadOptions withNonFinitePolicy(NonFinitePolicy v) {
        ReadOptions o = copy();
        o.nonFinitePolicy = Objects.requireNonNull(v, "nonFinitePolicy");
        return o;
    }

    public ReadOptions withImageMode(ImageMode v) {
        ReadOptions o = copy();
        o.imageMode = Objects.requireNonNull(v, "imageMode");
        return o;
    }

    public ReadOptions withChannelOrder(ChannelOrder v) {
        ReadOptions o = copy();
        o.channelOrder = Objects.requireNonNull(v, "channelOrder");
        return o;
    }

    public ReadOptions withPixelScale(PixelScale v) {
        ReadOptions o = copy();
        o.pixelScale = Objects.requireNonNull(v, "pixelScale");
        return o;
    }

    /**
     * NPY arrays of rank 3 are one image by default ((H,W,C) or (C,H,W)); with this set they are a batch of
     * gray images (N, H, W), as MNIST is often saved, each given one channel.
     */
    public ReadOptions withRank3IsGrayBatch(boolean v) {
        ReadOptions o = copy();
        o.rank3IsGrayBatch = v;
        return o;
    }

    public DataFormat dataFormat() {
        return dataFormat;
    }

    public long maxElementsPerRecord() {
        return maxElementsPerRecord;
    }

    public long targetSplitBytes() {
        return targetSplitBytes;
    }

    public long recordsPerSplit() {
        return recordsPerSplit;
    }

    public int imagesPerSplit() {
        return imagesPerSplit;
    }

    public int expectedChannels() {
        return expectedChannels;
    }

    public BadRecordPolicy badRecordPolicy() {
        return badRecordPolicy;
    }

    public NonFinitePolicy nonFinitePolicy() {
        return nonFinitePolicy;
    }

    public ImageMode imageMode() {
        return imageMode;
    }

    public ChannelOrder channelOrder() {
        return channelOrder;
    }

    public PixelScale pixelScale() {
        return pixelScale;
    }

    public boolean rank3IsGrayBatch() {
        return rank3IsGrayBatch;
    }

    /**
     * Options from string pairs (command lines, Spark ML params): {@code data_format}, {@code on_bad_record},
     * {@code non_finite}, {@code max_elements_per_record}, {@code target_split_bytes}, {@code records_per_split},
     * {@code images_per_split}, {@code expected_channels}, {@code image_mode}, {@code channel_order},
     * {@code pixel_scale}, {@code rank3_gray_batch}. Unknown keys are an error naming the known ones.
     */
    public static ReadOptions fromMap(java.util.Map<String, String> values) {
        ReadOptions o = defaults();
        for (java.util.Map.Entry<String, String> e : values.entrySet()) {
            String v = e.getValue();
            try {
                switch (e.getKey()) {
                    case "data_format":
                        o = o.withDataFormat(DataFormat.fromKerasName(v));
                        break;
                    case "on_bad_record":
                        o = o.withBadRecordPolicy(BadRecordPolicy.parse(v));
                        break;
                    case "non_finite":
                        o = o.withNonFinitePolicy(NonFinitePolicy.parse(v));
                        break;
                    case "max_elements_per_record":
                        o = o.withMaxElementsPerRecord(Long.parseLong(v.trim()));
                        break;
                    case "target_split_bytes":
                        o = o.withTargetSplitBytes(Long.parseLong(v.trim()));
                        break;
                    case "records_per_split":
                        o = o.withRecordsPerSplit(Long.parseLong(v.trim()));
                        break;
                    case "images_per_split":
                        o = o.withImagesPerSplit(Integer.parseInt(v.trim()));
                        break;
                    case "expected_channels":
                        o = o.withExpectedChannels(Integer.parseInt(v.trim()));
                        break;
                    case "image_mode":
                        o = o.withImageMode(ImageMode.parse(v));
                        break;
                    case "channel_order":
                        o = o.withChannelOrder(ChannelOrder.parse(v));
                        break;
                    case "pixel_scale":
                        o = o.withPixelScale(PixelScale.parse(v));
                        break;
                    case "rank3_gray_batch":
                        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                            throw new IllegalArgumentException("expected true or false");
                        }
                        o = o.withRank3IsGrayBatch(Boolean.parseBoolean(v));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown read option '" + e.getKey() + "': known are "
                                + "data_format, on_bad_record, non_finite, max_elements_per_record, "
                                + "target_split_bytes, records_per_split, images_per_split, expected_channels, "
                                + "image_mode, channel_order, pixel_scale, rank3_gray_batch");
                }
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("read option " + e.getKey() + "='" + v + "' is not a number", ex);
            } catch (IllegalArgumentException ex) {
                if (ex.getMessage() != null && ex.getMessage().startsWith("unknown read option")) {
                    throw ex;
                }
                throw new IllegalArgumentException("read option " + e.getKey() + "='" + v + "': " + ex.getMessage(),
                        ex);
            }
        }
        return o;
    }

    /** Records per split for records of {@code recordBytes} bytes each. */
    public long recordsPerSplitFor(long recordBytes) {
        if (recordsPerSplit > 0) {
            return recordsPerSplit;
        }
        return Math.max(1, targetSplitBytes / Math.max(1, recordBytes));
    }
}
