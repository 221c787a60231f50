package io.sparkconv.datasets.spark;

import io.sparkconv.datasets.npy.NpyWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.apache.spark.sql.functions.col;

/**
 * Gathers a job's Parquet output (rows of {@link TensorRows#SCHEMA}, or any table with the tensor struct
 * column) into one float32 {@code .npy} of shape (N, ...record shape) in input order: sorted by
 * {@code ordinal}, then {@code source} and {@code index} where present. Rows are streamed to the driver a
 * partition at a time ({@code toLocalIterator}), never collected whole.
 */
public final class NpyExport {
    private NpyExport() {
    }

    /** Exports; returns the number of records written. All records must share one shape. */
    public static long export(SparkSession spark, String inputDir, Path outNpy) throws IOException {
        Dataset<Row> df = spark.read().parquet(inputDir);
        List<String> names = Arrays.asList(df.columns());
        if (!names.contains(TensorRows.TENSOR) || !TensorRows.isTensorType(df.schema().apply(TensorRows.TENSOR)
                .dataType())) {
            throw new IllegalArgumentException(inputDir + " has no '" + TensorRows.TENSOR + "' column of the tensor "
                    + "struct (shape array<int>, data array<float>): columns are " + names);
        }
        Column[] order = names.stream().filter(n -> n.equals(TensorRows.ORDINAL) || n.equals(TensorRows.SOURCE)
                || n.equals(TensorRows.INDEX)).sorted((a, b) -> rank(a) - rank(b)).map(n -> col(n))
                .toArray(Column[]::new);
        Dataset<Row> sorted = order.length == 0 ? df : df.orderBy(order);
        Iterator<Row> rows = sorted.select(col(TensorRows.TENSOR)).toLocalIterator();
        NpyWriter writer = null;
        int[] shape = null;
        long n = 0;
        try {
            while (rows.hasNext()) {
                Row t = rows.next().getStruct(0);
                int[] s = TensorRows.shapeOf(t);
                float[] d = TensorRows.dataOf(t);
                if (writer == null) {
                    shape = s;
                    writer = new NpyWriter(outNpy, s);
                } else if (!Arrays.equals(shape, s)) {
                    throw new IllegalArgumentException("record " + n + " of " + inputDir + " has shape "
                            + Arrays.toString(s) + ", the first had " + Arrays.toString(shape)
                            + ": one NPY holds one shape");
                }
                writer.write(d);
                n++;
            }
        } catch (RuntimeException | IOException e) {
            if (writer != null) {
                writer.close();
            }
            Files.deleteIfExists(outNpy);
            throw e;
        }
        if (writer == null) {
            throw new IllegalArgumentException(inputDir + " holds no records: nothing to export");
        }
        writer.close();
        return n;
    }

    private static int rank(String column) {
        return column.equals(TensorRows.ORDINAL) ? 0 : column.equals(TensorRows.SOURCE) ? 1 : 2;
    }
}
