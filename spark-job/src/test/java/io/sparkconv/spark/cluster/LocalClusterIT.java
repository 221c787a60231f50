package io.sparkconv.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.datasets.npy.NpyWriter;
import io.sparkconv.spark.SparkTestSupport;
import io.sparkconv.spark.job.ConvJob;
import io.sparkconv.spark.job.JobExport;
import io.sparkconv.spark.job.JobOptions;
import io.sparkconv.spark.job.JobSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job with executors in separate JVMs (local-cluster[2,1,1024]: a master, two workers and their executors
 * started by Spark in this JVM): the executors are other processes, each builds the layer from the broadcast
 * once, the output equals local mode bit for bit, and losing an executor mid-job changes nothing in the output.
 */
class LocalClusterIT {
    private static final int EXECUTORS = 2;

    @TempDir
    static Path dir;

    private static Path layer;
    private static Path kernel;
    private static Path bias;

    @BeforeAll
    static void files() throws IOException {
        MultiJvmSupport.sparkHome();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
        // Heavy enough (about 160 MFLOP an image) that the job is still running when an executor is killed.
        Conv2D conv = Conv2D.builder(32, 5, 5).padding("same").activation("relu").build();
        layer = dir.resolve("layer.json");
        Files.writeString(layer, conv.toConfig());
        kernel = npy(dir.resolve("kernel.npy"), 2, 5, 5, 16, 32);
        bias = npy(dir.resolve("bias.npy"), 3, 32);
    }

    @AfterAll
    static void stopLeftovers() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    static Path npy(Path file, long seed, int... shape) throws IOException {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        NpyWriter.write(file, shape, SparkTestSupport.randomValues(new SplittableRandom(seed), n));
        return file;
    }

    private static SparkSession localCluster() throws IOException {
        SparkConf conf = SparkTestSupport.conf("local-cluster[" + EXECUTORS + ",1,1024]", "LocalClusterIT")
                .set("spark.executor.extraClassPath", MultiJvmSupport.testClassPath())
                .set("spark.executor.extraJavaOptions", MultiJvmSupport.jvmOptionsLine())
                .set("spark.executor.memory", "768m")
                .set("spark.task.maxFailures", "4");
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        waitForExecutors(spark, EXECUTORS);
        return spark;
    }

    private static void waitForExecutors(SparkSession spark, int count) {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < count + 1) { // + the driver
            if (System.nanoTime() > deadline) {
                throw new AssertionError("executors did not register within 120 s");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static JobOptions options(Path input, Path output, int partitions) {
        JobOptions o = new JobOptions();
        o.input = input.toString();
        o.layer = layer.toString();
        o.kernel = kernel.toString();
        o.bias = bias.toString();
        o.output = output.toString();
        o.partitions = partitions;
        o.batchSize = 2;
        o.progressIntervalMillis = 0;
        return o;
    }

    private static byte[] runAndExport(SparkSession spark, JobOptions o, List<JobSummary> summaries) throws IOException {
        JobSummary summary = ConvJob.run(spark, ConvJob.plan(o), new PrintStream(System.err, true,
                StandardCharsets.UTF_8));
        summaries.add(summary);
        Path npy = Path.of(o.output + ".npy");
        JobExport.export(spark, o.output, npy.toString());
        return Files.readAllBytes(npy);
    }

    @Test
    void executorsInOtherJvmsGetTheBroadcastAndComputeLocalModesBitsEvenWhenOneIsKilled() throws Exception {
        Path input = npy(dir.resolve("images.npy"), 1, 40, 80, 80, 16);
        long driverPid = ProcessHandle.current().pid();

        // Local mode first: the reference bytes.
        List<JobSummary> localSummaries = new ArrayList<>();
        SparkSession local = SparkSession.builder().config(SparkTestSupport.conf("local[2]", "reference"))
                .getOrCreate();
        byte[] reference;
        try {
            reference = runAndExport(local, options(input, dir.resolve("local"), 6), localSummaries);
        } finally {
            local.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
        assertEquals(Set.of(driverPid), localSummaries.get(0).layerBuildPids());

        SparkSession spark = localCluster();
        try {
            // 1. Executors are separate processes; each built the layer from the broadcast once for 10 tasks.
            List<JobSummary> summaries = new ArrayList<>();
            byte[] clustered = runAndExport(spark, options(input, dir.resolve("cluster"), 10), summaries);
            JobSummary s = summaries.get(0);
            assertEquals(40, s.read());
            assertEquals(40, s.written());
            TreeSet<Long> pids = s.layerBuildPids();
            assertFalse(pids.contains(driverPid), "tasks ran in the driver JVM: " + s.layerBuilds());
            assertEquals(s.layerBuilds().size(), pids.size(), "one build per JVM: " + s.layerBuilds());
            assertEquals(EXECUTORS, pids.size(), "both executors took part: " + s.layerBuilds());
            for (long pid : pids) {
                assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "executor " + pid);
            }
            assertArrayEquals(reference, clustered, "local-cluster output differs from local mode");

            // 2. Kill one executor JVM once the first task of the job has finished; the job still completes.
            long victim = pids.first();
            AtomicBoolean killed = new AtomicBoolean();
            AtomicInteger tasksEndedAfterKill = new AtomicInteger();
            List<String> removed = new CopyOnWriteArrayList<>();
            SparkListener killer = new SparkListener() {
                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    if (killed.get()) {
                        tasksEndedAfterKill.incrementAndGet();
                    } else if (end.taskInfo().successful() && killed.compareAndSet(false, true)) {
                        ProcessHandle.of(victim).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }

                @Override
                public void onExecutorRemoved(SparkListenerExecutorRemoved e) {
                    removed.add(e.executorId() + ": " + e.reason());
                }
            };
            spark.sparkContext().addSparkListener(killer);
            byte[] afterFault;
            try {
                afterFault = runAndExport(spark, options(input, dir.resolve("fault"), 20), summaries);
            } finally {
                spark.sparkContext().removeSparkListener(killer);
            }
            assertTrue(killed.get(), "the executor was killed during the job");
            assertTrue(tasksEndedAfterKill.get() > 0, "the job went on after the kill");
            assertFalse(ProcessHandle.of(victim).map(ProcessHandle::isAlive).orElse(false), "executor " + victim);
            assertFalse(removed.isEmpty(), "Spark saw the executor go");
            JobSummary f = summaries.get(1);
            assertEquals(40, f.read(), f.text());
            assertEquals(40, f.written(), f.text());
            assertEquals(0, f.rejected(), f.text());
            assertArrayEquals(reference, afterFault, "output after losing an executor differs");
        } finally {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
    }
}
