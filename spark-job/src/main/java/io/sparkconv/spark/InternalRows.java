package io.sparkconv.spark;

import java.lang.reflect.InvocationTargetException;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * A DataFrame's rows as Spark's internal rows and back, on Spark 4 and 3.5 alike: both have
 * {@code queryExecution().toRdd()} and {@code internalCreateDataFrame(rdd, schema, isStreaming)}, but Spark 4 moved
 * them from {@code org.apache.spark.sql.Dataset}/{@code SparkSession} to their {@code classic} subclasses, so one
 * job jar calls them by name on whichever class the running Spark has.
 */
public final class InternalRows {
    private InternalRows() {
    }

    /** The rows of {@code table} as internal rows (unsafe rows from Spark's readers and caches). */
    @SuppressWarnings("unchecked")
    public static RDD<InternalRow> of(Dataset<Row> table) {
        Object execution = call(table, "queryExecution");
        return (RDD<InternalRow>) call(execution, "toRdd");
    }

    /** A DataFrame of internal rows of {@code schema}. */
    @SuppressWarnings("unchecked")
    public static Dataset<Row> toDataFrame(SparkSession session, RDD<InternalRow> rows, StructType schema) {
        try {
            return (Dataset<Row>) session.getClass().getMethod("internalCreateDataFrame", RDD.class,
                    StructType.class, boolean.class).invoke(session, rows, schema, false);
        } catch (InvocationTargetException e) {
            throw rethrow(e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this Spark has no SparkSession.internalCreateDataFrame: " + e, e);
        }
    }

    private static Object call(Object target, String method) {
        try {
            return target.getClass().getMethod(method).invoke(target);
        } catch (InvocationTargetException e) {
            throw rethrow(e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this Spark has no " + target.getClass().getName() + "." + method + ": "
                    + e, e);
        }
    }

    private static RuntimeException rethrow(InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(cause);
    }
}
