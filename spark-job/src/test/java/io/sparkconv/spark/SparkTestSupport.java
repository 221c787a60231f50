package io.sparkconv.spark;

import io.sparkconv.datasets.ImageRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** A real local Spark for tests: Kryo with registration required, no UI, small defaults. */
public final class SparkTestSupport {
    private SparkTestSupport() {
    }

    public static SparkConf conf(String master, String appName) {
        SparkConf conf = new SparkConf(false).setMaster(master).setAppName(appName)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set("spark.sql.shuffle.partitions", "4")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.driver.memory", "1g");
        return SparkSettings.withKryo(conf);
    }

    /** A local[2] session; stop it in @AfterAll. */
    public static SparkSession localSession(String appName) {
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
        return SparkSession.builder().config(conf("local[2]", appName)).getOrCreate();
    }

    public static void stop(SparkSession spark) {
        if (spark != null) {
            spark.stop();
        }
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    /** Random values in [-1, 1), never all zero. */
    public static float[] randomValues(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** {@code count} records of shape {@code shape} from source {@code source}, index i, ordinal base + i. */
    public static List<ImageRecord> randomRecords(long seed, String source, int count, long ordinalBase,
            int... shape) {
        SplittableRandom random = new SplittableRandom(seed);
        List<ImageRecord> out = new ArrayList<>();
        int n = shape[0] * shape[1] * shape[2];
        for (int i = 0; i < count; i++) {
            out.add(new ImageRecord(source, i, ordinalBase + i, i % 10, shape.clone(), randomValues(random, n)));
        }
        return out;
    }
}
