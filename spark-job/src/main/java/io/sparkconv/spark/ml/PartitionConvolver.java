package io.sparkconv.spark.ml;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.spark.ExecutorLayerCache;
import io.sparkconv.spark.LayerPayload;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.core.tensor.Layouts;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The executor side of {@link Conv2DTransformer}: streams the rows of a partition in mini-batches of images of
 * one geometry through a {@link Conv2D.Runner} and appends the output tensor to each row. Everything here was
 * validated on the driver by transformSchema; what is checked per row is only what a schema cannot tell
 * (image sizes, channel counts, array lengths, nulls), and such rows follow the handleInvalid policy.
 */
final class PartitionConvolver implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    /** Distinct image geometries whose runner and buffers a task keeps at once. */
    private static final int MAX_GEOMETRIES = 4;
    /**
     * Input plus output floats of one batch's buffers: large images get smaller batches than batchSize rather
     * than buffers of gigabytes (the results do not depend on the batch size).
     */
    private static final long MAX_BATCH_FLOATS = 16L << 20;

    private final Broadcast<LayerPayload> layer;
    private final String columnName;
    private final int columnIndex;
    private final InputKind kind;
    private final boolean arrayMayHoldNulls;
    private final ImageGeometry fixedGeometry;
    private final int inputChannels;
    private final DataFormat dataFormat;
    private final boolean swapRedAndBlue;
    private final int batchSize;
    private final HandleInvalid handleInvalid;

    PartitionConvolver(Broadcast<LayerPayload> layer, String columnName,
            int columnIndex, InputKind kind, boolean arrayMayHoldNulls, ImageGeometry fixedGeometry,
            int inputChannels, DataFormat dataFormat, boolean swapRedAndBlue, int batchSize,
            HandleInvalid handleInvalid) {
        this.layer = layer;
        this.columnName = columnName;
        this.columnIndex = columnIndex;
        this.kind = kind;
        this.arrayMayHoldNulls = arrayMayHoldNulls;
        this.fixedGeometry = fixedGeometry;
        this.inputChannels = inputChannels;
        this.dataFormat = dataFormat;
        this.swapRedAndBlue = swapRedAndBlue;
        this.batchSize = batchSize;
        this.handleInvalid = handleInvalid;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Batches(ExecutorLayerCache.layerFor(layer, null), rows);
    }

    /** A runner and its reused buffers for one input geometry, or why that geometry cannot be convolved. */
    private static final class Slot {
        final ImageGeometry input;
        final Conv2D.Runner runner;
        final ImageGeometry output;
        final int[] outputShape;
        final float[] in;
        final float[] out;
        final float[] scratch;
        final int capacity;
        final String invalidReason;

        Slot(ImageGeometry input, Conv2D.Runner runner, ImageGeometry output, int[] outputShape, int capacity,
                boolean transposesInput) {
            this.input = input;
            this.runner = runner;
            this.output = output;
            this.outputShape = outputShape;
            this.capacity = capacity;
            this.in = new float[Math.multiplyExact(input.size(), capacity)];
            this.out = new float[Math.multiplyExact(output.size(), capacity)];
            this.scratch = transposesInput ? new float[input.size()] : null;
            this.invalidReason = null;
        }

        Slot(ImageGeometry input, String invalidReason) {
            this.input = input;
            this.runner = null;
            this.output = null;
            this.outputShape = null;
            this.in = null;
            this.out = null;
            this.scratch = null;
            this.capacity = 0;
            this.invalidReason = invalidReason;
        }
    }

    /** The output iterator: pulls at most batchSize rows at a time, never the whole partition. */
    private final class Batches implements Iterator<Row> {
        private final Conv2D layer;
        private final DataFormat layerFormat;
        private final Iterator<Row> rows;
        private final Map<ImageGeometry, Slot> slots = new HashMap<>();
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        /** Rows of the batch being filled, in input order; an index of -1 marks an invalid row kept as null. */
        private final List<Row> pending = new ArrayList<>();
        private final int[] pendingBatchIndex;
        /** A row whose geometry differs from the batch being filled: it starts the next batch. */
        private Row carried;
        /** Set by inspect(): the geometry of the row, or why it is invalid. */
        private ImageGeometry inspected;
        private String invalidReason;

        Batches(Conv2D layer, Iterator<Row> rows) {
            this.layer = layer;
            this.layerFormat = layer.spec().dataFormat();
            this.rows = rows;
            this.pendingBatchIndex = new int[batchSize];
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && (carried != null || rows.hasNext())) {
                fillAndRunBatch();
            }
            return !ready.isEmpty();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void fillAndRunBatch() {
            pending.clear();
            Slot slot = null;
            int count = 0;
            while (pending.size() < batchSize && (carried != null || rows.hasNext())) {
                Row row = carried != null ? carried : rows.next();
                carried = null;
                Slot rowSlot = inspect(row) ? slotFor(inspected) : null;
                if (rowSlot != null && rowSlot.invalidReason != null) {
                    invalidReason = rowSlot.invalidReason;
                    rowSlot = null;
                }
                if (rowSlot == null) {
                    if (handleInvalid == HandleInvalid.ERROR) {
                        throw new IllegalArgumentException(describeInvalid(row));
                    }
                    if (handleInvalid == HandleInvalid.KEEP) {
                        pendingBatchIndex[pending.size()] = -1;
                        pending.add(row);
                    }
                    continue;
                }
                if (slot != null && rowSlot != slot) {
                    carried = row;
                    break;
                }
                slot = rowSlot;
                copyInput(row, slot, count);
                pendingBatchIndex[pending.size()] = count;
                pending.add(row);
                count++;
                if (count == slot.capacity) {
                    break;
                }
            }
            if (count > 0) {
                slot.runner.run(slot.in, 0, count, slot.out, 0);
            }
            for (int i = 0; i < pending.size(); i++) {
                int index = pendingBatchIndex[i];
                ready.add(withOutput(pending.get(i), index < 0 ? null : outputTensor(slot, index)));
            }
            pending.clear();
        }

        /** Finds the row's geometry (into {@code inspected}) or why it cannot be read (into invalidReason). */
        private boolean inspect(Row row) {
            inspected = null;
            invalidReason = null;
            if (row.isNullAt(columnIndex)) {
                invalidReason = "the value is null";
                return false;
            }
            ImageGeometry geometry;
            switch (kind) {
                case IMAGE -> {
                    Row image = row.getStruct(columnIndex);
                    int height = image.getInt(InputKind.IMAGE_HEIGHT);
                    int width = image.getInt(InputKind.IMAGE_WIDTH);
                    int channels = image.getInt(InputKind.IMAGE_CHANNELS);
                    byte[] data = image.isNullAt(InputKind.IMAGE_DATA) ? null
                            : (byte[]) image.get(InputKind.IMAGE_DATA);
                    if (height <= 0 || width <= 0 || channels <= 0 || data == null || data.length == 0) {
                        invalidReason = "the image could not be decoded (height " + height + ", width " + width
                                + ", nChannels " + channels + ")";
                        return false;
                    }
                    geometry = new ImageGeometry(height, width, channels);
                    if ((long) height * width * channels != data.length) {
                        invalidReason = "the image data has " + data.length + " bytes but " + geometry
                                + " needs " + (long) height * width * channels;
                        return false;
                    }
                }
                case TENSOR -> {
                    Row tensor = row.getStruct(columnIndex);
                    int[] dims = ArrayValues.toInts(tensor.get(0));
                    String shape = java.util.Arrays.toString(dims);
                    if (dims.length != 3) {
                        invalidReason = "the tensor has shape " + shape + ": expected 3 dimensions in "
                                + dataFormat.kerasName() + " order (one image, no batch axis)";
                        return false;
                    }
                    if (dims[0] <= 0 || dims[1] <= 0 || dims[2] <= 0) {
                        invalidReason = "the tensor has shape " + shape + ": every dimension must be positive";
                        return false;
                    }
                    geometry = ImageGeometry.fromShape(dims, dataFormat);
                    long expected = (long) dims[0] * dims[1] * dims[2];
                    int size = ArrayValues.size(tensor.get(1));
                    if (size != expected) {
                        invalidReason = "the tensor has shape " + shape + " but " + size + " values";
                        return false;
                    }
                }
                default -> {
                    int size = arrayOrVectorSize(row);
                    if (size != fixedGeometry.size()) {
                        invalidReason = "the " + kind.description() + " has " + size + " values but inputShape "
                                + java.util.Arrays.toString(fixedGeometry.shape(dataFormat)) + " needs "
                                + fixedGeometry.size();
                        return false;
                    }
                    if (arrayMayHoldNulls && ArrayValues.containsNull(row.get(columnIndex))) {
                        invalidReason = "the array holds a null element";
                        return false;
                    }
                    geometry = fixedGeometry;
                }
            }
            if (geometry.channels() != inputChannels) {
                invalidReason = "the input has " + geometry.channels() + " channel(s) but the layer's kernel expects "
                        + inputChannels;
                return false;
            }
            if (fixedGeometry != null && !fixedGeometry.equals(geometry)) {
                invalidReason = "the input is " + geometry + " but inputShape is " + fixedGeometry;
                return false;
            }
            inspected = geometry;
            return true;
        }

        private int arrayOrVectorSize(Row row) {
            if (kind == InputKind.VECTOR) {
                return ((Vector) row.get(columnIndex)).size();
            }
            return ArrayValues.size(row.get(columnIndex));
        }

        private Slot slotFor(ImageGeometry geometry) {
            Slot slot = slots.get(geometry);
            if (slot == null) {
                if (slots.size() >= MAX_GEOMETRIES) {
                    slots.clear();
                }
                slot = newSlot(geometry);
                slots.put(geometry, slot);
            }
            return slot;
        }

        private Slot newSlot(ImageGeometry geometry) {
            int[] outputShape;
            try {
                outputShape = layer.outputShape(geometry.batchShape(layerFormat));
            } catch (IllegalArgumentException e) {
                return new Slot(geometry, "the layer cannot convolve an input of " + geometry + ": "
                        + e.getMessage());
            }
            ImageGeometry output = ImageGeometry.fromShape(
                    new int[] {outputShape[1], outputShape[2], outputShape[3]}, layerFormat);
            long floatsPerImage = (long) geometry.size() + output.size();
            int capacity = (int) Math.max(1, Math.min(batchSize, MAX_BATCH_FLOATS / floatsPerImage));
            Conv2D.Runner runner = layer.newRunner(geometry.height(), geometry.width(), geometry.channels(),
                    capacity);
            boolean sourceChannelsLast = kind == InputKind.IMAGE || dataFormat == DataFormat.CHANNELS_LAST;
            boolean transposesInput = sourceChannelsLast != (layerFormat == DataFormat.CHANNELS_LAST);
            return new Slot(geometry, runner, output, output.shape(dataFormat), capacity, transposesInput);
        }

        /** Writes the row's values as image {@code index} of the slot's input batch, in the layer's format. */
        private void copyInput(Row row, Slot slot, int index) {
            ImageGeometry g = slot.input;
            int offset = index * g.size();
            boolean sourceChannelsLast = kind == InputKind.IMAGE || dataFormat == DataFormat.CHANNELS_LAST;
            boolean transpose = sourceChannelsLast != (layerFormat == DataFormat.CHANNELS_LAST);
            float[] target = transpose ? slot.scratch : slot.in;
            int targetOffset = transpose ? 0 : offset;
            readValues(row, target, targetOffset, g);
            if (transpose) {
                if (sourceChannelsLast) {
                    Layouts.nhwcToNchw(target, 0, slot.in, offset, 1, g.channels(), g.height(), g.width());
                } else {
                    Layouts.nchwToNhwc(target, 0, slot.in, offset, 1, g.channels(), g.height(), g.width());
                }
            }
        }

        /** The row's values in their own layout (images: h, w, c in the layer's channel order). */
        private void readValues(Row row, float[] target, int offset, ImageGeometry g) {
            switch (kind) {
                case IMAGE -> {
                    byte[] data = (byte[]) row.getStruct(columnIndex).get(InputKind.IMAGE_DATA);
                    int channels = g.channels();
                    if (swapRedAndBlue && channels >= 3) {
                        for (int p = 0; p < data.length; p += channels) {
                            target[offset + p] = data[p + 2] & 0xFF;
                            target[offset + p + 1] = data[p + 1] & 0xFF;
                            target[offset + p + 2] = data[p] & 0xFF;
                            for (int c = 3; c < channels; c++) {
                                target[offset + p + c] = data[p + c] & 0xFF;
                            }
                        }
                    } else {
                        for (int i = 0; i < data.length; i++) {
                            target[offset + i] = data[i] & 0xFF;
                        }
                    }
                }
                case TENSOR -> ArrayValues.copyFloats(row.getStruct(columnIndex).get(1), target, offset);
                case FLOAT_ARRAY, DOUBLE_ARRAY -> ArrayValues.copyFloats(row.get(columnIndex), target, offset);
                case VECTOR -> {
                    Vector vector = (Vector) row.get(columnIndex);
                    double[] values = vector instanceof DenseVector dense ? dense.values() : vector.toArray();
                    ArrayValues.copyDoubles(values, target, offset);
                }
                default -> throw new IllegalStateException("unhandled input kind " + kind);
            }
        }

        /** Image {@code index} of the slot's output batch as a tensor value in dataFormat order. */
        private Row outputTensor(Slot slot, int index) {
            ImageGeometry g = slot.output;
            int size = g.size();
            float[] values = new float[size];
            if (dataFormat == layerFormat) {
                System.arraycopy(slot.out, index * size, values, 0, size);
            } else if (layerFormat == DataFormat.CHANNELS_LAST) {
                Layouts.nhwcToNchw(slot.out, index * size, values, 0, 1, g.channels(), g.height(), g.width());
            } else {
                Layouts.nchwToNhwc(slot.out, index * size, values, 0, 1, g.channels(), g.height(), g.width());
            }
            return TensorStruct.row(slot.outputShape.clone(), values);
        }

        private Row withOutput(Row row, Row tensor) {
            int n = row.length();
            Object[] values = new Object[n + 1];
            for (int i = 0; i < n; i++) {
                values[i] = row.get(i);
            }
            values[n] = tensor;
            return RowFactory.create(values);
        }

        private String describeInvalid(Row row) {
            String where = "";
            if (kind == InputKind.IMAGE && !row.isNullAt(columnIndex)) {
                where = " (image origin " + row.getStruct(columnIndex).getString(InputKind.IMAGE_ORIGIN) + ")";
            }
            return "Conv2DTransformer: invalid value in input column '" + columnName + "'" + where + ": "
                    + invalidReason + ". Set handleInvalid to \"skip\" to drop such rows or \"keep\" to keep them"
                    + " with a null output.";
        }
    }
}
