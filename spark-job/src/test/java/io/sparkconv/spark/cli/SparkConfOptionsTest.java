package io.sparkconv.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.spark.job.ConvJob;
import io.sparkconv.spark.job.JobConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: --conf and --properties-file with spark-submit's precedence (--master, --conf, system properties,
 * then the properties file, which replaces conf/spark-defaults.conf); local-cluster is not offered.
 */
class SparkConfOptionsTest {
    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        System.clearProperty(ConvJob.CONF_DIR_PROPERTY);
        System.clearProperty("spark.sparkconv.test.sys");
    }

    @Test
    void confWinsOverSystemPropertiesWhichWinOverTheFileWhichReplacesTheDefaults() throws IOException {
        Path confDir = Files.createDirectories(dir.resolve("conf"));
        Files.writeString(confDir.resolve("spark-defaults.conf"),
                "spark.sparkconv.test.defaults  from-defaults\nspark.sparkconv.test.file  from-defaults\n");
        Path file = Files.writeString(dir.resolve("my.conf"), "spark.sparkconv.test.file   from-file\n"
                + "spark.sparkconv.test.conf   from-file\nspark.sparkconv.test.sys   from-file\nnot.spark  x\n");
        System.setProperty(ConvJob.CONF_DIR_PROPERTY, confDir.toString());
        System.setProperty("spark.sparkconv.test.sys", "from-system");

        SparkConf defaults = ConvJob.sparkConf("local[1]", Map.of(), null);
        assertEquals("from-defaults", defaults.get("spark.sparkconv.test.file"));
        assertEquals("from-defaults", defaults.get("spark.sparkconv.test.defaults"));

        SparkConf conf = ConvJob.sparkConf("local[1]", Map.of("spark.sparkconv.test.conf", "from-conf",
                "spark.master", "local[3]"), file.toString());
        assertEquals("from-conf", conf.get("spark.sparkconv.test.conf"));
        assertEquals("from-system", conf.get("spark.sparkconv.test.sys"));
        assertEquals("from-file", conf.get("spark.sparkconv.test.file"));
        assertFalse(conf.contains("spark.sparkconv.test.defaults"), "--properties-file replaces spark-defaults.conf");
        assertFalse(conf.contains("not.spark"), "non-spark keys are ignored, as spark-submit does");
        assertEquals("local[1]", conf.get("spark.master"), "--master wins over --conf spark.master");
        assertEquals("local[3]", ConvJob.sparkConf(null, Map.of("spark.master", "local[3]"), null)
                .get("spark.master"));
    }

    @Test
    void theCommandLineTakesRepeatableConfAndRefusesBadOnesOnTheDriver() throws IOException {
        Path layer = TestFiles.layer(dir.resolve("layer.json"),
                Conv2D.builder(2, 3, 3).padding("same").useBias(false).build());
        Path input = TestFiles.npy(dir.resolve("images.npy"), 1, 2, 5, 5, 1);
        CliRunner noValue = CliRunner.run("run", "--input", input.toString(), "--layer", layer.toString(),
                "--output", dir.resolve("out").toString(), "--conf", "spark.ui.enabled");
        assertEquals(SparkConvMain.EXIT_USAGE, noValue.exitCode, noValue.toString());
        assertTrue(noValue.err.contains("spark.ui.enabled"), noValue.toString());

        CliRunner missing = CliRunner.run("run", "--input", input.toString(), "--layer", layer.toString(),
                "--output", dir.resolve("out").toString(), "--properties-file", dir.resolve("nope.conf").toString());
        assertEquals(SparkConvMain.EXIT_FAILURE, missing.exitCode, missing.toString());
        assertEquals(1, missing.errLines().length, missing.toString());
        assertTrue(missing.err.contains("properties file " + dir.resolve("nope.conf") + " does not exist"),
                missing.toString());

        CliRunner cluster = CliRunner.run("run", "--input", input.toString(), "--layer", layer.toString(),
                "--output", dir.resolve("out").toString(), "--conf", "spark.ui.enabled=false", "--conf",
                "spark.master=local-cluster[2,1,1024]");
        assertEquals(SparkConvMain.EXIT_FAILURE, cluster.exitCode, cluster.toString());
        assertEquals(1, cluster.errLines().length, cluster.toString());
        assertTrue(cluster.err.contains("local-cluster[2,1,1024] is not offered"), cluster.toString());
        assertFalse(Files.exists(dir.resolve("out")));
        JobConfigException e = assertThrows(JobConfigException.class,
                () -> ConvJob.sparkConf("local-cluster[2,1,1024]"));
        assertTrue(e.getMessage().contains("use local[N]"), e.getMessage());
    }
}
