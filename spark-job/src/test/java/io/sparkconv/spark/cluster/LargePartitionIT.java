package io.sparkconv.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: a 512 MB heap convolves one partition of 200,000 images of 28x28x1 (32 filters: 20 GB of output
 * values streamed through) with both APIs, the job's SparkConv.apply and the transformer, which share one
 * partition convolver: a task's memory is bounded by its batch, not by its partition.
 */
class LargePartitionIT {
    @TempDir
    Path dir;

    @Test
    void a512MbHeapConvolvesA200000ImagePartitionThroughBothApis() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(MultiJvmSupport.javaExecutable().toString());
        cmd.add("-Xmx512m");
        cmd.addAll(MultiJvmSupport.jvmOptions());
        cmd.add("-Dlog4j2.configurationFile=" + MultiJvmSupport.projectDir().resolve("conf/log4j2.properties"));
        cmd.add("-cp");
        cmd.add(MultiJvmSupport.testClassPath());
        cmd.add(LargePartitionMain.class.getName());
        cmd.add("200000");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish in 240 s: " + Files.readString(err));
        }
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        assertEquals(0, p.exitValue(), stdout + stderr);
        assertTrue(stdout.contains("rdd 200000") && stdout.contains("ml 200000"), stdout + stderr);
        assertTrue(!stderr.contains("OutOfMemoryError"), stderr);
    }
}
