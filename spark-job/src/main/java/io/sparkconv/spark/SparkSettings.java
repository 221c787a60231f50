package io.sparkconv.spark;

import org.apache.spark.SparkConf;

/** The Spark settings every sparkconv job and test runs with. */
public final class SparkSettings {
    private SparkSettings() {
    }

    /**
     * Kryo with our registrator and registration required, so an unregistered class on the wire is an error,
     * not a silent slow path. Applied over whatever the configuration says.
     */
    public static SparkConf withKryo(SparkConf conf) {
        return conf.set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", SparkConvKryoRegistrator.class.getName())
                .set("spark.kryo.registrationRequired", "true");
    }
}
