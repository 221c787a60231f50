package io.sparkconv.spark.ml;

import java.util.List;

/** Classes Spark serializes with Kryo in the ML tests, registered because registration is required. */
final class SparkKryoClasses {
    static final List<String> NAMES = List.of(
            "[F",
            // Parquet schema inference runs a job that returns schemas: their data types must be registered.
            "org.apache.spark.sql.types.ArrayType",
            "org.apache.spark.sql.types.FloatType$",
            "org.apache.spark.sql.types.BinaryType$",
            "org.apache.spark.ml.linalg.VectorUDT");

    private SparkKryoClasses() {
    }
}
