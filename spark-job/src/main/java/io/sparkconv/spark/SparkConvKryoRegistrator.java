package io.sparkconv.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.RecordCounts;
import io.sparkconv.datasets.Rejection;
import io.sparkconv.datasets.spark.SparkDatasets;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Registers every class of ours that crosses the wire, so jobs run with
 * {@code spark.kryo.registrationRequired=true}. Tensor records get compact serializers: the floats as one
 * block, sizes as varints, no class names and no field metadata.
 */
public final class SparkConvKryoRegistrator implements KryoRegistrator {

    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(ImageRecord.class, new ImageRecordSerializer());
        kryo.register(ImageRecord[].class);
        kryo.register(LayerPayload.class, new LayerPayloadSerializer());
        kryo.register(Rejection.class, new RejectionSerializer());
        kryo.register(Rejection[].class);
        kryo.register(RecordCounts.class, new RecordCountsSerializer());
        kryo.register(float[].class);
        kryo.register(int[].class);
        kryo.register(long[].class);
        kryo.register(float[][].class);
        // Splits hold immutable JDK lists Kryo cannot rebuild by field; they are few, Java serialization is ample.
        kryo.register(DatasetSplit.class, new JavaSerializer());
        // The rest of what the datasets readers send (and Spark's SQL types its Parquet schema jobs return).
        for (Class<?> c : SparkDatasets.kryoClasses()) {
            if (kryo.getClassResolver().getRegistration(c) == null) {
                kryo.register(c);
            }
        }
    }

    static void writeFloats(Output out, float[] values) {
        out.writeVarInt(values.length, true);
        out.writeFloats(values);
    }

    static float[] readFloats(Input in) {
        int n = in.readVarInt(true);
        return in.readFloats(n);
    }

    /** source, index, ordinal, label, shape, data. */
    static final class ImageRecordSerializer extends Serializer<ImageRecord> {
        ImageRecordSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output out, ImageRecord r) {
            out.writeString(r.source());
            out.writeVarLong(r.index(), false);
            out.writeVarLong(r.ordinal(), false);
            out.writeVarInt(r.label(), false);
            int[] shape = r.shape();
            out.writeVarInt(shape.length, true);
            for (int d : shape) {
                out.writeVarInt(d, true);
            }
            writeFloats(out, r.data());
        }

        @Override
        public ImageRecord read(Kryo kryo, Input in, Class<ImageRecord> type) {
            String source = in.readString();
            long index = in.readVarLong(false);
            long ordinal = in.readVarLong(false);
            int label = in.readVarInt(false);
            int[] shape = new int[in.readVarInt(true)];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = in.readVarInt(true);
            }
            return new ImageRecord(source, index, ordinal, label, shape, readFloats(in));
        }
    }

    /** config JSON, input channels, kernel, optional bias. */
    static final class LayerPayloadSerializer extends Serializer<LayerPayload> {
        LayerPayloadSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output out, LayerPayload p) {
            out.writeString(p.layerConfigJson());
            out.writeVarInt(p.inputChannels(), true);
            writeFloats(out, p.kernel());
            out.writeBoolean(p.bias() != null);
            if (p.bias() != null) {
                writeFloats(out, p.bias());
            }
        }

        @Override
        public LayerPayload read(Kryo kryo, Input in, Class<LayerPayload> type) {
            String json = in.readString();
            int channels = in.readVarInt(true);
            float[] kernel = readFloats(in);
            float[] bias = in.readBoolean() ? readFloats(in) : null;
            return new LayerPayload(json, channels, kernel, bias);
        }
    }

    static final class RejectionSerializer extends Serializer<Rejection> {
        RejectionSerializer() {
            setImmutable(true);
        }

        @Override
        public void write(Kryo kryo, Output out, Rejection r) {
            out.writeString(r.source());
            out.writeVarLong(r.index(), false);
            out.writeString(r.reason());
        }

        @Override
        public Rejection read(Kryo kryo, Input in, Class<Rejection> type) {
            return new Rejection(in.readString(), in.readVarLong(false), in.readString());
        }
    }

    static final class RecordCountsSerializer extends Serializer<RecordCounts> {
        @Override
        public void write(Kryo kryo, Output out, RecordCounts c) {
            out.writeVarLong(c.read(), true);
            out.writeVarLong(c.written(), true);
            out.writeVarLong(c.rejected(), true);
        }

        @Override
        public RecordCounts read(Kryo kryo, Input in, Class<RecordCounts> type) {
            return new RecordCounts(in.readVarLong(true), in.readVarLong(true), in.readVarLong(true));
        }

        @Override
        public RecordCounts copy(Kryo kryo, RecordCounts original) {
            return original.copy();
        }
    }
}
