package io.sparkconv.datasets.spark;

import org.apache.spark.sql.SparkSession;

/** One local[2] SparkSession per test JVM, with Kryo and registration required, as the job runs. */
public final class LocalSpark {
    private static SparkSession session;

    private LocalSpark() {
    }

    public static synchronized SparkSession get() {
        if (session == null) {
            StringBuilder classes = new StringBuilder();
            for (Class<?> c : SparkDatasets.kryoClasses()) {
                classes.append(classes.length() == 0 ? "" : ",").append(c.getName());
            }
            session = SparkSession.builder().master("local[2]").appName("datasets-test")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                    .config("spark.kryo.registrationRequired", "true")
                    .config("spark.kryo.classesToRegister", classes.toString())
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.driver.host", "127.0.0.1")
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
        }
        return session;
    }
}
