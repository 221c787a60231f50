package io.sparkconv.spark;

import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * ML vector values of internal rows. The only class of the row path that touches spark-mllib, and loaded only when a
 * column is a vector: the job runs on a Spark without mllib on its class path.
 */
final class VectorValues {
    /** Fields of the vector's SQL struct (type, size, indices, values). */
    private static final int FIELDS = 4;
    private static final VectorUDT UDT = new VectorUDT();
    static final String UDT_CLASS = "org.apache.spark.ml.linalg.VectorUDT";

    private VectorValues() {
    }

    private static Vector vector(InternalRow row, int column) {
        return UDT.deserialize(row.getStruct(column, FIELDS));
    }

    /** The vector's length. */
    static int size(InternalRow row, int column) {
        return vector(row, column).size();
    }

    /** Copies the vector's values (dense or sparse) to {@code target[offset..]} as floats. */
    static void copy(InternalRow row, int column, float[] target, int offset) {
        Vector vector = vector(row, column);
        double[] values = vector instanceof DenseVector dense ? dense.values() : vector.toArray();
        for (int i = 0; i < values.length; i++) {
            target[offset + i] = (float) values[i];
        }
    }
}
