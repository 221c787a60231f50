package io.sparkconv.spark;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.core.tensor.Layouts;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.Rejection;
import io.sparkconv.datasets.spark.TensorRows;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.BoundReference;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.Platform;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The one partition path of both Spark APIs, the batch job ({@code sparkconv run}) and the DataFrame transformer:
 * streams the rows of a partition in mini-batches of images of one geometry (decoded together, convolved one by
 * one as their rows are emitted) through a {@link Conv2D.Runner} and appends the output tensor
 * ({@code struct<shape: array<int>, data: array<float>>}) to each row. Everything here was validated on the
 * driver ({@link InputColumn#resolve}); what is checked per row is only what a schema cannot tell (image sizes,
 * channel counts, array lengths, nulls), and such rows follow the bad-record policy
 * ({@link HandleInvalid}: the transformer's handleInvalid, the job's --on-bad-record).
 *
 * <p>Rows are Spark's internal rows ({@code Dataset.queryExecution().toRdd()}), not external {@code Row}s: an
 * {@code array<float>} is copied into the batch buffer in one memory copy from its unsafe array, and the output
 * is written back as one reused unsafe array ({@link OutputTensor}), so no element is ever boxed. A batch is
 * bounded by a byte budget ({@link BatchBudget}, which still counts each image's output: an upper bound now that
 * one output image is held at a time), never by the partition's size.
 */
public final class RowConvolver implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
    private static final long serialVersionUID = 1L;
    /** Distinct image geometries whose runner and buffers a task keeps at once. */
    private static final int MAX_GEOMETRIES = 4;
    /** Fields of the image struct and of the tensor struct. */
    private static final int IMAGE_FIELDS = 6;
    private static final int TENSOR_FIELDS = 2;

    private final Broadcast<LayerPayload> layer;
    private final InputColumn input;
    private final String columnName;
    private final int columnIndex;
    private final InputKind kind;
    private final ImageGeometry fixedGeometry;
    private final DataFormat dataFormat;
    private final int batchSize;
    private final long maxBatchBytes;
    private final HandleInvalid handleInvalid;
    /** What an error names and how to get past it: "Conv2DTransformer" and its handleInvalid, or the job's. */
    private final String who;
    private final String invalidHint;
    /** Where invalid rows are counted (and listed for the job's quarantine); null: not counted. */
    private final RowCounters counters;
    /** The job's images, flops, kernel time and plans; null: not measured. */
    private final ConvolverMetrics metrics;
    /** The output tensor's data as little-endian float32 bytes (binary), else as array<float>. */
    private final boolean binaryOutput;
    /**
     * The input rows' schema when output rows leave the input column out (the job: {@link #droppingInputColumn});
     * null when they keep every input column (the transformer).
     */
    private final StructType droppedFrom;

    /**
     * @param maxBatchBytes a task's batch byte budget; 0: the executor's default ({@link BatchBudget})
     * @param who           names the API in errors ("Conv2DTransformer")
     * @param invalidHint   how to get past an invalid row under {@link HandleInvalid#ERROR}
     */
    public RowConvolver(Broadcast<LayerPayload> layer, InputColumn input, int batchSize, long maxBatchBytes,
            HandleInvalid handleInvalid, String who, String invalidHint, RowCounters counters,
            ConvolverMetrics metrics) {
        this(layer, input, batchSize, maxBatchBytes, handleInvalid, who, invalidHint, counters, metrics, false);
    }

    /**
     * As the other constructor, with {@code binaryOutput}: the output tensor is {@code struct<shape: array<int>,
     * data: binary>} (little-endian float32, {@code TensorRows.BINARY_TENSOR_TYPE}) instead of array<float> data.
     */
    public RowConvolver(Broadcast<LayerPayload> layer, InputColumn input, int batchSize, long maxBatchBytes,
            HandleInvalid handleInvalid, String who, String invalidHint, RowCounters counters,
            ConvolverMetrics metrics, boolean binaryOutput) {
        this(layer, input, batchSize, maxBatchBytes, handleInvalid, who, invalidHint, counters, metrics, binaryOutput,
                null);
    }

    private RowConvolver(Broadcast<LayerPayload> layer, InputColumn input, int batchSize, long maxBatchBytes,
            HandleInvalid handleInvalid, String who, String invalidHint, RowCounters counters,
            ConvolverMetrics metrics, boolean binaryOutput, StructType droppedFrom) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        this.layer = layer;
        this.input = input;
        this.columnName = input.name();
        this.columnIndex = input.index();
        this.kind = input.kind();
        this.fixedGeometry = input.fixedGeometry();
        this.dataFormat = input.dataFormat();
        this.batchSize = batchSize;
        this.maxBatchBytes = maxBatchBytes;
        this.handleInvalid = handleInvalid;
        this.who = who;
        this.invalidHint = invalidHint;
        this.counters = counters;
        this.metrics = metrics;
        this.binaryOutput = binaryOutput;
        this.droppedFrom = droppedFrom;
    }

    /**
     * This convolver with output rows that leave the input column out: the other columns of {@code inputSchema}
     * in order, then the output tensor ({@link #outputSchema}). A batch then holds each pending row without its
     * input tensor, which is copied once, into the batch, instead of twice (a kept row is a copy: the input
     * iterator reuses its rows).
     */
    public RowConvolver droppingInputColumn(StructType inputSchema) {
        return new RowConvolver(layer, input, batchSize, maxBatchBytes, handleInvalid, who, invalidHint, counters,
                metrics, binaryOutput, inputSchema);
    }

    /**
     * The schema of the output rows for input rows of {@code inputSchema}: the input columns (without the input
     * column when {@link #droppingInputColumn dropping} it), then the output tensor as {@code outputColumn}.
     */
    public StructType outputSchema(StructType inputSchema, String outputColumn) {
        List<StructField> fields = new ArrayList<>();
        for (int i = 0; i < inputSchema.size(); i++) {
            if (droppedFrom == null || i != columnIndex) {
                fields.add(inputSchema.fields()[i]);
            }
        }
        StructType kept = new StructType(fields.toArray(new StructField[0]));
        return kept.add(outputColumn, binaryOutput ? TensorRows.BINARY_TENSOR_TYPE : TensorRows.TENSOR_TYPE, false);
    }

    /** Whether the output tensor's data is binary (little-endian float32) rather than array<float>. */
    public boolean binaryOutput() {
        return binaryOutput;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
        long budget = maxBatchBytes > 0 ? maxBatchBytes : BatchBudget.defaultBytes(SparkEnv.get().conf());
        return new Batches(ExecutorLayerCache.layerFor(layer, metrics == null ? null : metrics.layerBuilds), rows,
                budget);
    }

    /** A runner and its reused buffers for one input geometry, or why that geometry cannot be convolved. */
    private static final class Slot {
        final ImageGeometry input;
        final Conv2D.Runner runner;
        final ImageGeometry output;
        final int[] outputShape;
        /** The batch's input images, in the layer's format. */
        final float[] in;
        /**
         * One output image in the layer's format, when the kernel cannot write it into the tensor value itself
         * (binary output, or a table in the other data format); null otherwise.
         */
        final float[] out;
        final float[] scratch;
        /** One output image in the table's data format, for binary output in the other data format; else null. */
        final float[] transposedOutput;
        /** The output tensor of the row being emitted: rewritten for each row (see {@link Batches#next}). */
        final OutputTensor tensor;
        final int capacity;
        final long flopsPerImage;
        final String invalidReason;

        Slot(ImageGeometry input, Conv2D.Runner runner, ImageGeometry output, int[] outputShape, int capacity,
                boolean transposesInput, boolean transposesOutput, boolean binaryOutput, long flopsPerImage) {
            this.input = input;
            this.runner = runner;
            this.output = output;
            this.outputShape = outputShape;
            this.capacity = capacity;
            this.in = new float[Math.multiplyExact(input.size(), capacity)];
            this.out = binaryOutput || transposesOutput ? new float[output.size()] : null;
            this.scratch = transposesInput ? new float[input.size()] : null;
            this.transposedOutput = binaryOutput && transposesOutput ? new float[output.size()] : null;
            this.tensor = new OutputTensor(outputShape, output.size(), binaryOutput);
            this.flopsPerImage = flopsPerImage;
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
            this.transposedOutput = null;
            this.tensor = null;
            this.capacity = 0;
            this.flopsPerImage = 0;
            this.invalidReason = invalidReason;
        }
    }

    /** The output iterator: pulls at most one batch of rows at a time, never the whole partition. */
    private final class Batches implements Iterator<InternalRow> {
        private final Conv2D layer;
        private final DataFormat layerFormat;
        private final Iterator<InternalRow> rows;
        private final long budget;
        private final Map<ImageGeometry, Slot> slots = new HashMap<>();
        /**
         * Rows of the current batch, in input order (copies: the input iterator reuses its row); an index of -1
         * marks an invalid row kept with a null output. {@code emitted} of them have been returned.
         */
        private final List<InternalRow> pending = new ArrayList<>();
        private int[] pendingBatchIndex = new int[16];
        private int emitted;
        /** The slot whose input buffer holds the current batch. */
        private Slot batchSlot;
        /** The row returned by next(), reused as Spark's own operators reuse theirs. */
        private final JoinedRow outputRow = new JoinedRow();
        private final GenericInternalRow outputColumn = new GenericInternalRow(1);
        /** A row whose geometry differs from the batch being filled: it starts the next batch. */
        private InternalRow carried;
        /** Set by inspect(): the geometry of the row, or why it is invalid. */
        private ImageGeometry inspected;
        private String invalidReason;
        /** Rows taken from the input so far: the next row's index in the partition. */
        private long pulled;
        private boolean firstRejectionReported;
        /** A pending row without the input column (the other columns, in order); null: rows are kept whole. */
        private final UnsafeProjection withoutInput;

        Batches(Conv2D layer, Iterator<InternalRow> rows, long budget) {
            this.layer = layer;
            this.layerFormat = layer.spec().dataFormat();
            this.rows = rows;
            this.budget = budget;
            if (droppedFrom == null) {
                withoutInput = null;
            } else {
                List<Expression> columns = new ArrayList<>();
                for (int i = 0; i < droppedFrom.size(); i++) {
                    if (i != columnIndex) {
                        columns.add(new BoundReference(i, droppedFrom.fields()[i].dataType(), true));
                    }
                }
                withoutInput = UnsafeProjection.create(CollectionConverters.asScala(columns).toSeq());
            }
        }

        /** The row as a batch keeps it until its output is emitted: a copy, without the input when dropping it. */
        private InternalRow pendingCopy(InternalRow row, boolean copied) {
            if (withoutInput != null) {
                return withoutInput.apply(row).copy();
            }
            return copied ? row : row.copy();
        }

        @Override
        public boolean hasNext() {
            while (emitted == pending.size() && (carried != null || rows.hasNext())) {
                fillAndRunBatch();
            }
            return emitted < pending.size();
        }

        /**
         * The next row with its output tensor appended. The row, and the tensor's values, are rewritten by the
         * following call, as Spark's operators rewrite theirs (an unsafe projection returns one row): a consumer
         * that keeps a row copies it ({@code InternalRow.copy()} copies the tensor too). The image is convolved
         * here and its output copied once, into the slot's tensor value, instead of into a new array per row.
         */
        @Override
        public InternalRow next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int index = pendingBatchIndex[emitted];
            outputColumn.update(0, index < 0 ? null : convolve(batchSlot, index));
            return outputRow.apply(pending.get(emitted++), outputColumn);
        }

        private void fillAndRunBatch() {
            pending.clear();
            emitted = 0;
            Slot slot = null;
            int count = 0;
            int rejected = 0;
            while (pending.size() < batchSize && (carried != null || rows.hasNext())) {
                // The row as pulled is valid until the next pull: it is read (and copied into the batch) now.
                InternalRow row;
                boolean copied;
                if (carried != null) {
                    row = carried;
                    carried = null;
                    copied = true;
                } else {
                    row = rows.next();
                    copied = false;
                    pulled++;
                }
                Slot rowSlot = inspect(row) ? slotFor(inspected) : null;
                if (rowSlot != null && rowSlot.invalidReason != null) {
                    invalidReason = rowSlot.invalidReason;
                    rowSlot = null;
                }
                if (rowSlot == null) {
                    if (handleInvalid == HandleInvalid.ERROR) {
                        if (input.sourceColumn() >= 0 && input.indexColumn() >= 0) {
                            // A file's record: named as the readers name their bad records.
                            throw DatasetException.record(source(row), rowIndex(row), invalidReason + ". "
                                    + invalidHint);
                        }
                        throw new IllegalArgumentException(describeInvalid(row));
                    }
                    rejected++;
                    reject(row);
                    if (handleInvalid == HandleInvalid.KEEP) {
                        addPending(pendingCopy(row, copied), -1);
                    }
                    continue;
                }
                if (slot != null && rowSlot != slot) {
                    carried = copied ? row : row.copy();
                    break;
                }
                slot = rowSlot;
                copyInput(row, slot, count);
                addPending(pendingCopy(row, copied), count);
                count++;
                if (count == slot.capacity) {
                    break;
                }
            }
            if (counters != null && count + rejected > 0) {
                counters.rows.add(count + rejected);
                counters.rejected.add(rejected);
            }
            batchSlot = slot;
        }

        private void addPending(InternalRow row, int batchIndex) {
            if (pending.size() == pendingBatchIndex.length) {
                pendingBatchIndex = java.util.Arrays.copyOf(pendingBatchIndex, pendingBatchIndex.length * 2);
            }
            pendingBatchIndex[pending.size()] = batchIndex;
            pending.add(row);
        }

        /** Counts the row just pulled as rejected: the task's first reason, and the job's quarantine list. */
        private void reject(InternalRow row) {
            if (counters == null) {
                return;
            }
            if (!firstRejectionReported) {
                // An invalid row is never carried: it is the row just pulled.
                counters.first.add("partition " + TaskContext.getPartitionId() + ", row " + (pulled - 1)
                        + origin(row) + ": " + invalidReason);
                firstRejectionReported = true;
            }
            if (counters.rejections != null) {
                counters.rejections.add(new Rejection(source(row), rowIndex(row), invalidReason));
            }
        }

        /** The row's source: its source column, an image's origin, or its partition. */
        private String source(InternalRow row) {
            if (input.sourceColumn() >= 0 && !row.isNullAt(input.sourceColumn())) {
                return row.getUTF8String(input.sourceColumn()).toString();
            }
            if (kind == InputKind.IMAGE && !row.isNullAt(columnIndex)) {
                InternalRow image = row.getStruct(columnIndex, IMAGE_FIELDS);
                if (!image.isNullAt(InputKind.IMAGE_ORIGIN)) {
                    return image.getUTF8String(InputKind.IMAGE_ORIGIN).toString();
                }
            }
            return "partition " + TaskContext.getPartitionId();
        }

        /** The row's index within its source: its index column, 0 for an image file, or its row in the partition. */
        private long rowIndex(InternalRow row) {
            if (input.sourceColumn() >= 0 && input.indexColumn() >= 0 && !row.isNullAt(input.sourceColumn())
                    && !row.isNullAt(input.indexColumn())) {
                return row.getLong(input.indexColumn());
            }
            if (kind == InputKind.IMAGE && !source(row).startsWith("partition ")) {
                return 0;
            }
            return pulled - 1;
        }

        /** Finds the row's geometry (into {@code inspected}) or why it cannot be read (into invalidReason). */
        private boolean inspect(InternalRow row) {
            inspected = null;
            invalidReason = null;
            if (row.isNullAt(columnIndex)) {
                invalidReason = "the value is null";
                return false;
            }
            ImageGeometry geometry;
            switch (kind) {
                case IMAGE -> {
                    InternalRow image = row.getStruct(columnIndex, IMAGE_FIELDS);
                    int height = image.isNullAt(InputKind.IMAGE_HEIGHT) ? 0 : image.getInt(InputKind.IMAGE_HEIGHT);
                    int width = image.isNullAt(InputKind.IMAGE_WIDTH) ? 0 : image.getInt(InputKind.IMAGE_WIDTH);
                    int channels = image.isNullAt(InputKind.IMAGE_CHANNELS) ? 0
                            : image.getInt(InputKind.IMAGE_CHANNELS);
                    byte[] data = image.isNullAt(InputKind.IMAGE_DATA) ? null : image.getBinary(InputKind.IMAGE_DATA);
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
                case TENSOR, BINARY_TENSOR -> {
                    InternalRow tensor = row.getStruct(columnIndex, TENSOR_FIELDS);
                    if (tensor.isNullAt(0) || tensor.isNullAt(1)) {
                        invalidReason = "the tensor has a null shape or data";
                        return false;
                    }
                    int[] dims = tensor.getArray(0).toIntArray();
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
                    if (kind == InputKind.BINARY_TENSOR && tensor.getBinary(1).length % Float.BYTES != 0) {
                        invalidReason = "the tensor's data has " + tensor.getBinary(1).length + " bytes, not a whole"
                                + " number of little-endian float32 values";
                        return false;
                    }
                    int size = kind == InputKind.BINARY_TENSOR ? tensor.getBinary(1).length / Float.BYTES
                            : tensor.getArray(1).numElements();
                    if (size != expected) {
                        invalidReason = "the tensor has shape " + shape + " but " + size + " values";
                        return false;
                    }
                    if (kind == InputKind.TENSOR && input.arrayMayHoldNulls() && hasNullElement(tensor.getArray(1))) {
                        invalidReason = "the tensor's data holds a null element";
                        return false;
                    }
                }
                case NESTED_ARRAY -> {
                    String problem = nestedProblem(row.getArray(columnIndex), input.nestedDims(), 0);
                    if (problem != null) {
                        invalidReason = "the nested array " + problem + " but inputShape "
                                + java.util.Arrays.toString(fixedGeometry.shape(dataFormat)) + " needs "
                                + java.util.Arrays.toString(input.nestedDims());
                        return false;
                    }
                    geometry = fixedGeometry;
                }
                default -> {
                    if (kind == InputKind.BINARY && row.getBinary(columnIndex).length % Float.BYTES != 0) {
                        invalidReason = "the binary value has " + row.getBinary(columnIndex).length + " bytes, not a"
                                + " whole number of little-endian float32 values (4 bytes each)";
                        return false;
                    }
                    long size = arrayOrVectorSize(row);
                    if (size != fixedGeometry.size()) {
                        invalidReason = "the " + kind.description() + " has " + size + " values but inputShape "
                                + java.util.Arrays.toString(fixedGeometry.shape(dataFormat)) + " needs "
                                + fixedGeometry.size();
                        return false;
                    }
                    if (input.arrayMayHoldNulls() && hasNullElement(row.getArray(columnIndex))) {
                        invalidReason = "the array holds a null element";
                        return false;
                    }
                    geometry = fixedGeometry;
                }
            }
            if (geometry.channels() != input.inputChannels()) {
                invalidReason = "the input has " + geometry.channels() + " channel(s) but the layer's kernel expects "
                        + input.inputChannels();
                return false;
            }
            if (fixedGeometry != null && !fixedGeometry.equals(geometry)) {
                invalidReason = "the input is " + geometry + " but inputShape is " + fixedGeometry;
                return false;
            }
            inspected = geometry;
            return true;
        }

        /** Values of an array, vector or binary column (a binary holds float32s: 4 bytes a value). */
        private long arrayOrVectorSize(InternalRow row) {
            return switch (kind) {
                case VECTOR -> VectorValues.size(row, columnIndex);
                case BINARY -> row.getBinary(columnIndex).length / Float.BYTES;
                default -> row.getArray(columnIndex).numElements();
            };
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
            boolean sourceChannelsLast = kind == InputKind.IMAGE || dataFormat == DataFormat.CHANNELS_LAST;
            boolean transposesInput = sourceChannelsLast != (layerFormat == DataFormat.CHANNELS_LAST);
            long imageBytes = BatchBudget.imageBytes(geometry.size(), output.size(), transposesInput);
            if (imageBytes > budget) {
                return new Slot(geometry, "an input of " + geometry + " needs " + BatchBudget.text(imageBytes)
                        + " for its input and output, more than the batch budget of " + BatchBudget.text(budget)
                        + ": raise the batch byte budget (--max-batch-bytes) and the executor heap");
            }
            int capacity = BatchBudget.capacity(budget, imageBytes, batchSize);
            Conv2D.Runner runner = layer.newRunner(geometry.height(), geometry.width(), geometry.channels(), 1);
            warmUpOnce(runner);
            if (metrics != null) {
                String layerName = layer.spec().name() == null ? "conv2d" : layer.spec().name();
                metrics.plans.add(layerName + ": " + runner.plan().name() + " (input " + geometry.height() + "x"
                        + geometry.width() + "x" + geometry.channels() + ")");
            }
            return new Slot(geometry, runner, output, output.shape(dataFormat), capacity, transposesInput,
                    dataFormat != layerFormat, binaryOutput,
                    ConvolverMetrics.flopsPerImage(layer, runner, geometry.channels()));
        }

        /** Writes the row's values as image {@code index} of the slot's input batch, in the layer's format. */
        private void copyInput(InternalRow row, Slot slot, int index) {
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
        private void readValues(InternalRow row, float[] target, int offset, ImageGeometry g) {
            switch (kind) {
                case IMAGE -> {
                    byte[] data = row.getStruct(columnIndex, IMAGE_FIELDS).getBinary(InputKind.IMAGE_DATA);
                    int channels = g.channels();
                    if (input.swapRedAndBlue() && channels >= 3) {
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
                case TENSOR -> copyFloats(row.getStruct(columnIndex, TENSOR_FIELDS).getArray(1), target, offset);
                case BINARY_TENSOR -> ByteBuffer.wrap(row.getStruct(columnIndex, TENSOR_FIELDS).getBinary(1))
                        .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(target, offset, g.size());
                case FLOAT_ARRAY -> copyFloats(row.getArray(columnIndex), target, offset);
                case DOUBLE_ARRAY -> {
                    ArrayData values = row.getArray(columnIndex);
                    for (int i = 0, n = values.numElements(); i < n; i++) {
                        target[offset + i] = (float) values.getDouble(i);
                    }
                }
                case BINARY -> ByteBuffer.wrap(row.getBinary(columnIndex)).order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer().get(target, offset, g.size());
                case NESTED_ARRAY -> copyNested(row.getArray(columnIndex), input.nestedDims().length,
                        input.nestedDoubles(), target, offset);
                case VECTOR -> VectorValues.copy(row, columnIndex, target, offset);
                default -> throw new IllegalStateException("unhandled input kind " + kind);
            }
        }

        /**
         * Convolves image {@code index} of the slot's batch into the slot's tensor value, in dataFormat order. One
         * image at a time, as its row is emitted: its output (tens to hundreds of KiB) is still in the core's
         * cache when Spark copies it, where a whole batch's output would have gone out to memory and back. An
         * array tensor in the layer's format is written by the kernel in place; otherwise the image goes through
         * {@code slot.out} (and a transposition).
         */
        private InternalRow convolve(Slot slot, int index) {
            long started = System.nanoTime();
            float[] values = slot.tensor.values();
            boolean inPlace = slot.out == null;
            if (inPlace) {
                slot.runner.run(slot.in, index * slot.input.size(), 1, values, slot.tensor.valuesIndex());
            } else {
                slot.runner.run(slot.in, index * slot.input.size(), 1, slot.out, 0);
            }
            if (metrics != null) {
                metrics.add(1, slot.flopsPerImage, System.nanoTime() - started);
            }
            if (inPlace) {
                return slot.tensor.value();
            }
            if (values == null && slot.transposedOutput == null) {
                return slot.tensor.set(slot.out, 0);
            }
            float[] target = values != null ? values : slot.transposedOutput;
            int at = values != null ? slot.tensor.valuesIndex() : 0;
            ImageGeometry g = slot.output;
            if (layerFormat == DataFormat.CHANNELS_LAST) {
                Layouts.nhwcToNchw(slot.out, 0, target, at, 1, g.channels(), g.height(), g.width());
            } else {
                Layouts.nchwToNhwc(slot.out, 0, target, at, 1, g.channels(), g.height(), g.width());
            }
            return values != null ? slot.tensor.value() : slot.tensor.set(slot.transposedOutput, 0);
        }

        /** " (image origin ...)" for an image row, else nothing. */
        private String origin(InternalRow row) {
            if (kind != InputKind.IMAGE || row.isNullAt(columnIndex)) {
                return "";
            }
            InternalRow image = row.getStruct(columnIndex, IMAGE_FIELDS);
            return " (image origin " + (image.isNullAt(InputKind.IMAGE_ORIGIN) ? "null"
                    : image.getUTF8String(InputKind.IMAGE_ORIGIN).toString()) + ")";
        }

        private String describeInvalid(InternalRow row) {
            return who + ": invalid value in input column '" + columnName + "'" + origin(row) + ": " + invalidReason
                    + ". " + invalidHint;
        }
    }

    /** Copies a float array into {@code target[offset..]}: one memory copy from an unsafe array. */
    static void copyFloats(ArrayData values, float[] target, int offset) {
        int n = values.numElements();
        if (values instanceof UnsafeArrayData unsafe) {
            Platform.copyMemory(unsafe.getBaseObject(), unsafe.getBaseOffset()
                    + UnsafeArrayData.calculateHeaderPortionInBytes(n), target,
                    Platform.FLOAT_ARRAY_OFFSET + (long) offset * Float.BYTES, (long) n * Float.BYTES);
        } else {
            for (int i = 0; i < n; i++) {
                target[offset + i] = values.getFloat(i);
            }
        }
    }

    /** Why a nested array does not have the lengths {@code dims[level..]} (or holds a null), or null when it does. */
    private static String nestedProblem(ArrayData values, int[] dims, int level) {
        int n = values.numElements();
        if (n != dims[level]) {
            return "has " + n + " elements at level " + (level + 1);
        }
        for (int i = 0; i < n; i++) {
            if (values.isNullAt(i)) {
                return "holds a null at level " + (level + 1);
            }
            if (level + 1 < dims.length) {
                String problem = nestedProblem(values.getArray(i), dims, level + 1);
                if (problem != null) {
                    return problem;
                }
            }
        }
        return null;
    }

    /** Copies a nested array of {@code depth} levels in row-major order; innermost float arrays in one copy each. */
    private static int copyNested(ArrayData values, int depth, boolean doubles, float[] target, int offset) {
        int n = values.numElements();
        if (depth == 1) {
            if (doubles) {
                for (int i = 0; i < n; i++) {
                    target[offset + i] = (float) values.getDouble(i);
                }
            } else {
                copyFloats(values, target, offset);
            }
            return offset + n;
        }
        for (int i = 0; i < n; i++) {
            offset = copyNested(values.getArray(i), depth - 1, doubles, target, offset);
        }
        return offset;
    }

    /** Plans this JVM has warmed up (the JIT compiles a plan's code once per JVM, whatever the image size). */
    private static final java.util.Set<String> WARMED_PLANS = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** How long a plan runs on a zero image before its first batch. */
    static final long WARM_UP_NANOS = 300_000_000L;

    /**
     * Runs a plan new to this JVM on a zero image for {@link #WARM_UP_NANOS}, so the JIT has compiled the kernel
     * before the timed batches: the job summary's convolution speed is then the kernel's own, comparable with the
     * benchmark, and not the interpreter's. The warm-up is part of the task time, not of the convolution time.
     */
    static void warmUpOnce(Conv2D.Runner runner) {
        if (!WARMED_PLANS.add(runner.plan().name())) {
            return;
        }
        float[] in = new float[runner.inputImageSize()];
        float[] out = new float[runner.outputImageSize()];
        long end = System.nanoTime() + WARM_UP_NANOS;
        do {
            runner.run(in, 0, 1, out, 0);
        } while (System.nanoTime() < end);
    }

    private static boolean hasNullElement(ArrayData values) {
        for (int i = 0, n = values.numElements(); i < n; i++) {
            if (values.isNullAt(i)) {
                return true;
            }
        }
        return false;
    }
}
