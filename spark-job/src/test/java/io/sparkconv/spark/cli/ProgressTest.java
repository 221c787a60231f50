package io.sparkconv.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.spark.SparkTestSupport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress line moves while tasks run: on a job of two partitions, counting finished tasks only could show
 * 0%, 50% and 100% and nothing else; running tasks' heartbeats give the percentages in between.
 */
class ProgressTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
        spark = SparkSession.builder().config(SparkTestSupport.conf("local[2]", "ProgressTest")
                .set("spark.executor.heartbeatInterval", "100ms")).getOrCreate();
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    @Test
    void aTwoPartitionJobShowsPercentagesBetweenTaskEnds() throws IOException {
        // About 250 MFLOP per image, 64 KiB in and out: a second or more per task, little I/O.
        Path input = TestFiles.npy(dir.resolve("images.npy"), 1, 240, 16, 16, 64);
        Path kernel = TestFiles.npy(dir.resolve("kernel.npy"), 2, 11, 11, 64, 64);
        Path layer = TestFiles.layer(dir.resolve("layer.json"),
                Conv2D.builder(64, 11, 11).padding("same").useBias(false).build());
        CliRunner r = CliRunner.run("run", "--input", input.toString(), "--layer", layer.toString(), "--kernel",
                kernel.toString(), "--output", dir.resolve("out").toString(), "--partitions", "2",
                "--batch-size", "4", "--progress-seconds", "0.05");
        assertEquals(0, r.exitCode, r.toString());
        List<Long> percentages = new ArrayList<>();
        Matcher m = Pattern.compile("progress: (\\d+) of 240 images \\((\\d+)%\\)").matcher(r.err);
        while (m.find()) {
            percentages.add(Long.parseLong(m.group(2)));
        }
        assertEquals(100L, percentages.get(percentages.size() - 1), r.err);
        assertTrue(percentages.stream().anyMatch(p -> p > 0 && p < 100 && p != 50),
                "no percentage between task ends: " + percentages);
        for (int i = 1; i < percentages.size(); i++) {
            assertTrue(percentages.get(i) >= percentages.get(i - 1), "progress went back: " + percentages);
        }
    }
}
