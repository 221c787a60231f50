package io.sparkconv.datasets.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.ReadOptions;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Jazzer fuzz test of the table-row decoder (Parquet rows of the job's schema, float arrays, float32 binaries):
 * any row, with nulls anywhere and any shapes, either decodes to a record whose shape holds exactly its data, or
 * is a {@link DatasetException} (a bad record: counted, and the reader goes on). Runs its seeds in
 * {@code ParquetRowFuzzTestInputs/rows/} on every build; longer:
 * {@code JAZZER_FUZZ=1 mvn -o -pl datasets -am test -Dtest=ParquetRowFuzzTest -Djazzer.max_duration=10m}.
 */
class ParquetRowFuzzTest {
    private static final StructType TENSOR = new StructType(new StructField[] {
        new StructField(TensorRows.SHAPE, DataTypes.createArrayType(DataTypes.IntegerType, true), true,
                Metadata.empty()),
        new StructField(TensorRows.DATA, DataTypes.createArrayType(DataTypes.FloatType, true), true,
                Metadata.empty())});
    private static final StructType STRUCT_SCHEMA = new StructType(new StructField[] {
        new StructField(TensorRows.SOURCE, DataTypes.StringType, true, Metadata.empty()),
        new StructField(TensorRows.INDEX, DataTypes.LongType, true, Metadata.empty()),
        new StructField(TensorRows.TENSOR, TENSOR, true, Metadata.empty())});
    private static final StructType ARRAY_SCHEMA = new StructType(new StructField[] {
        new StructField("values", DataTypes.createArrayType(DataTypes.FloatType, true), true, Metadata.empty()),
        new StructField("dims", DataTypes.createArrayType(DataTypes.LongType, true), true, Metadata.empty())});
    private static final StructType BINARY_SCHEMA = new StructType(new StructField[] {
        new StructField("bytes", DataTypes.BinaryType, true, Metadata.empty()),
        new StructField("dims", DataTypes.createArrayType(DataTypes.IntegerType, true), true, Metadata.empty())});
    private static final ReadOptions OPTIONS = ReadOptions.defaults().withMaxElementsPerRecord(1 << 12);
    private static final RowTensorReader STRUCT = new RowTensorReader(STRUCT_SCHEMA, TensorRows.TENSOR, null, null,
            "fuzz", OPTIONS);
    private static final RowTensorReader ARRAY = new RowTensorReader(ARRAY_SCHEMA, "values", "dims", null, "fuzz",
            OPTIONS);
    private static final RowTensorReader BINARY = new RowTensorReader(BINARY_SCHEMA, "bytes", "dims", null, "fuzz",
            OPTIONS);

    private static List<Integer> ints(FuzzedDataProvider in) {
        if (in.consumeBoolean()) {
            return null;
        }
        List<Integer> out = new ArrayList<>();
        int n = in.consumeInt(0, 5);
        for (int i = 0; i < n; i++) {
            out.add(in.consumeProbabilityFloat() < 0.05 ? null : in.consumeInt(-2, 40));
        }
        return out;
    }

    private static List<Float> floats(FuzzedDataProvider in) {
        if (in.consumeBoolean() && in.consumeBoolean()) {
            return null;
        }
        List<Float> out = new ArrayList<>();
        int n = in.consumeInt(0, 200);
        for (int i = 0; i < n && in.remainingBytes() > 0; i++) {
            out.add(in.consumeProbabilityFloat() < 0.02 ? null : in.consumeFloat());
        }
        return out;
    }

    @FuzzTest(maxDuration = "30s")
    void rows(FuzzedDataProvider in) {
        int kind = in.consumeInt(0, 2);
        Row row;
        RowTensorReader reader;
        if (kind == 0) {
            Row tensor = in.consumeBoolean() && in.consumeBoolean() ? null : RowFactory.create(ints(in), floats(in));
            row = RowFactory.create(in.consumeBoolean() ? null : "src", in.consumeBoolean() ? null : in.consumeLong(),
                    tensor);
            reader = STRUCT;
        } else if (kind == 1) {
            List<Integer> dims = ints(in);
            List<Long> longs = null;
            if (dims != null) {
                longs = new ArrayList<>();
                for (Integer d : dims) {
                    longs.add(d == null ? null : d.longValue() * (in.consumeBoolean() ? 1 : 1L << 31));
                }
            }
            row = RowFactory.create(floats(in), longs);
            reader = ARRAY;
        } else {
            List<Integer> dims = ints(in);
            row = RowFactory.create(in.consumeBoolean() ? null : in.consumeBytes(800), dims);
            reader = BINARY;
        }
        ImageRecord r;
        try {
            r = reader.convert(row, in.consumeLong(0, 1000));
        } catch (DatasetException bad) {
            return;
        }
        long n = 1;
        for (int d : r.shape()) {
            n *= d;
        }
        assertEquals(3, r.shape().length, "a record is 3-D");
        assertEquals(n, r.data().length, "the shape holds exactly the data");
    }
}
