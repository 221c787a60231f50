package io.sparkconv.notebook;

import io.sparkconv.spark.job.ConvJob;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of a kernel or shell, started from the job's settings (conf/spark-defaults.conf: Kryo with
 * registration required) in local mode on all cores unless SPARKCONV_MASTER or {@code %spark --master} says
 * otherwise. Spark settings come from {@code -Dspark.x=y} (SPARKCONV_JAVA_OPTS) or {@code %spark --conf}.
 */
public final class NotebookSpark {
    /** Environment variable naming the Spark master, e.g. {@code local[2]} or {@code spark://host:7077}. */
    public static final String MASTER_ENV = "SPARKCONV_MASTER";

    private static SparkSession session;

    private NotebookSpark() {
    }

    /** The session, started on first use. */
    public static synchronized SparkSession get() {
        if (session == null) {
            session = start(System.getenv(MASTER_ENV), Map.of());
        }
        return session;
    }

    /** Stops the current session (if any) and starts one with this master (null: the default) and settings. */
    public static synchronized SparkSession restart(String master, Map<String, String> settings) {
        stop();
        session = start(master == null ? System.getenv(MASTER_ENV) : master, settings);
        return session;
    }

    public static synchronized void stop() {
        if (session != null) {
            session.stop();
            session = null;
        }
    }

    /**
     * Makes the session the calling thread's active one (Spark keeps it per thread): code run in a cell, such as
     * the command line's {@code demo}, then uses it rather than starting and stopping one of its own.
     */
    public static void activate() {
        SparkSession s = session;
        if (s != null) {
            SparkSession.setActiveSession(s);
        }
    }

    /** Cancels every running Spark job (a cell interrupted by the user); the session stays up. */
    public static void cancelJobs() {
        SparkSession s = session;
        if (s != null && !s.sparkContext().isStopped()) {
            s.sparkContext().cancelAllJobs();
        }
    }

    private static SparkSession start(String master, Map<String, String> settings) {
        SparkConf conf = ConvJob.sparkConf(master == null || master.isBlank() ? null : master.strip());
        conf.set("spark.app.name", "sparkconv-notebook");
        for (Map.Entry<String, String> e : new LinkedHashMap<>(settings).entrySet()) {
            conf.set(e.getKey(), e.getValue());
        }
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
