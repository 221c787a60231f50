package io.sparkconv.spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.spark.SparkTestSupport;
import io.sparkconv.spark.job.ConvJob;
import io.sparkconv.spark.job.ConvJobHooks;
import io.sparkconv.spark.job.JobConfigException;
import io.sparkconv.spark.job.JobOptions;
import io.sparkconv.spark.job.OutputTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, output safety: an output that would replace an input is refused before Spark starts; the job writes
 * through a staging directory committed by rename, so a failed or concurrent run never deletes or half-writes an
 * output.
 */
class OutputSafetyTest {
    private static SparkSession spark;
    private static final AtomicInteger TASKS_STARTED = new AtomicInteger();

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.localSession("OutputSafetyTest");
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskStart(SparkListenerTaskStart taskStart) {
                TASKS_STARTED.incrementAndGet();
            }
        });
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    @AfterEach
    void noHook() {
        ConvJobHooks.beforeCommit(null);
    }

    private Path layer() throws IOException {
        return TestFiles.layer(dir.resolve("layer.json"),
                Conv2D.builder(2, 3, 3).padding("same").useBias(false).build());
    }

    private static List<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            List<String> out = new ArrayList<>();
            s.forEach(p -> out.add(root.relativize(p).toString()));
            out.sort(null);
            return out;
        }
    }

    private CliRunner run(Path input, Path output, String... more) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--layer",
                layer().toString(), "--output", output.toString(), "--progress-seconds", "0"));
        args.addAll(List.of(more));
        return CliRunner.run(args.toArray(new String[0]));
    }

    /** Finding 1: `--output` equal to, containing or inside the input is refused and the input is untouched. */
    @Test
    void anOutputThatIsContainsOrLiesInsideTheInputIsRefusedAndTheInputKept() throws IOException {
        Path inputs = Files.createDirectories(dir.resolve("inputs"));
        TestFiles.npy(inputs.resolve("a.npy"), 1, 3, 5, 5, 1);
        TestFiles.npy(inputs.resolve("b.npy"), 2, 2, 5, 5, 1);
        byte[] a = Files.readAllBytes(inputs.resolve("a.npy"));
        List<String> before = tree(inputs);

        TASKS_STARTED.set(0);
        CliRunner same = run(inputs, inputs, "--overwrite");
        assertEquals(1, same.exitCode, same.toString());
        assertEquals(1, same.errLines().length, same.toString());
        assertTrue(same.err.contains("output " + inputs + " is the input"), same.err);

        CliRunner contains = run(inputs.resolve("a.npy"), dir, "--overwrite");
        assertEquals(1, contains.exitCode, contains.toString());
        assertTrue(contains.err.contains("contains the input"), contains.err);

        CliRunner inside = run(inputs, inputs.resolve("sub"), "--overwrite");
        assertEquals(1, inside.exitCode, inside.toString());
        assertTrue(inside.err.contains("lies inside the input"), inside.err);

        // Through a symlink to the input directory, too.
        Path link = Files.createSymbolicLink(dir.resolve("link"), inputs);
        CliRunner viaLink = run(inputs, link, "--overwrite");
        assertEquals(1, viaLink.exitCode, viaLink.toString());
        assertTrue(viaLink.err.contains("is the input"), viaLink.err);

        // The layer and weight files are inputs as well.
        CliRunner overLayer = run(inputs.resolve("a.npy"), dir.resolve("layer.json"), "--overwrite");
        assertEquals(1, overLayer.exitCode, overLayer.toString());
        assertTrue(overLayer.err.contains("is the input " + dir.resolve("layer.json")), overLayer.err);

        assertEquals(0, TASKS_STARTED.get(), "refused on the driver before any task");
        assertEquals(before, tree(inputs));
        assertArrayEquals(a, Files.readAllBytes(inputs.resolve("a.npy")));
    }

    /** The output check runs in the plan, which runWithSession calls before it creates a SparkSession. */
    @Test
    void anExistingOutputIsRefusedByThePlanBeforeSparkStarts() throws IOException {
        Path input = TestFiles.npy(dir.resolve("x.npy"), 3, 2, 5, 5, 1);
        Path out = Files.createDirectories(dir.resolve("out"));
        JobOptions o = new JobOptions();
        o.input = input.toString();
        o.layer = dir.resolve("missing-layer.json").toString(); // not read: the output check comes first
        o.output = out.toString();
        JobConfigException e = assertThrows(JobConfigException.class, () -> ConvJob.plan(o));
        assertEquals("output " + out + " already exists: add --overwrite to replace it, or choose another directory",
                e.getMessage());
    }

    /** A driver-side failure after every task committed leaves the previous output as it was, and no staging. */
    @Test
    void aDriverFailureAfterTheTasksCommittedKeepsThePreviousOutput() throws IOException {
        Path input = TestFiles.npy(dir.resolve("x.npy"), 4, 6, 5, 5, 1);
        Path out = dir.resolve("out");
        CliRunner first = run(input, out);
        assertEquals(0, first.exitCode, first.toString());
        List<String> good = tree(out);
        byte[] marker = Files.readAllBytes(out.resolve("_SUCCESS"));

        Path bigger = TestFiles.npy(dir.resolve("y.npy"), 5, 9, 5, 5, 1);
        ConvJobHooks.beforeCommit(() -> {
            throw new IllegalStateException("driver failure injected after the tasks committed");
        });
        CliRunner failed = run(bigger, out, "--overwrite", "--partitions", "3");
        assertEquals(1, failed.exitCode, failed.toString());
        assertEquals(1, failed.errLines().length, failed.toString());
        assertTrue(failed.err.contains("driver failure injected"), failed.err);
        assertEquals(good, tree(out), "the previous output is untouched");
        assertArrayEquals(marker, Files.readAllBytes(out.resolve("_SUCCESS")));
        assertEquals(6, spark.read().parquet(out.toString()).count());
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".sparkconv-staging")),
                    "the staging directory is removed");
        }
    }

    /**
     * The final rename fails (here the finished staging directory disappears before it, as when the disk under
     * it fails; a read-only directory cannot be simulated for root, who runs CI): the previous output is moved
     * back and kept whole, and the run fails with one line.
     */
    @Test
    void aCommitWhoseRenameFailsKeepsThePreviousOutput() throws IOException {
        Path input = TestFiles.npy(dir.resolve("x.npy"), 8, 5, 5, 5, 1);
        Path out = dir.resolve("out");
        CliRunner first = run(input, out);
        assertEquals(0, first.exitCode, first.toString());
        List<String> good = tree(out);

        ConvJobHooks.beforeCommit(() -> {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path staging : s.filter(p -> p.getFileName().toString().startsWith(".sparkconv-staging"))
                        .toList()) {
                    try (Stream<Path> all = Files.walk(staging)) {
                        for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.delete(p);
                        }
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CliRunner failed = run(input, out, "--overwrite");
        assertEquals(1, failed.exitCode, failed.toString());
        assertEquals(1, failed.errLines().length, failed.toString());
        assertTrue(failed.err.contains("the result was not committed; the previous output is kept"), failed.err);
        assertEquals(good, tree(out));
        assertEquals(5, spark.read().parquet(out.toString()).count());
    }

    /** A run whose output is locked by another run fails clearly; the other run's output is untouched. */
    @Test
    void aSecondRunOnALockedOutputFailsClearly() throws IOException {
        Path input = TestFiles.npy(dir.resolve("x.npy"), 6, 4, 5, 5, 1);
        Path out = dir.resolve("out");
        Configuration hadoop = new Configuration();
        try (OutputTarget other = OutputTarget.open(hadoop, out.toString(), true)) {
            CliRunner r = run(input, out, "--overwrite");
            assertEquals(1, r.exitCode, r.toString());
            assertEquals(1, r.errLines().length, r.toString());
            assertTrue(r.err.contains("is being written by another sparkconv run"), r.err);
            assertFalse(Files.exists(out));
        }
        CliRunner after = run(input, out, "--overwrite");
        assertEquals(0, after.exitCode, "the lock is released at the end of a run: " + after);
    }

    /** Two runs started together on one output: each either wins or fails on the lock; the result is complete. */
    @Test
    void twoConcurrentRunsLeaveOneCompleteOutput() throws Exception {
        Path input = TestFiles.npy(dir.resolve("x.npy"), 7, 40, 8, 8, 1);
        Path out = dir.resolve("out");
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<CliRunner>> runs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Callable<CliRunner> c = () -> {
                    go.await();
                    return run(input, out, "--overwrite", "--partitions", "4");
                };
                runs.add(pool.submit(c));
            }
            go.countDown();
            int succeeded = 0;
            for (Future<CliRunner> f : runs) {
                CliRunner r = f.get();
                if (r.exitCode == 0) {
                    succeeded++;
                } else {
                    assertEquals(1, r.errLines().length, r.toString());
                    assertTrue(r.err.contains("is being written by another sparkconv run"), r.toString());
                }
            }
            assertTrue(succeeded >= 1, "at least one run wins");
        } finally {
            pool.shutdownNow();
        }
        assertTrue(Files.exists(out.resolve("_SUCCESS")));
        assertEquals(40, spark.read().parquet(out.toString()).count(), "the output is complete");
    }
}
