package io.sparkconv.spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.spark.SparkTestSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's fault suite on a real file system that fails: the output lies on a small tmpfs of its own (mounted
 * by the test; CI runs as root), which fills up while the tasks write. The run fails with one line, no partial or
 * "successful" output appears, the staging directory is removed, the previous output is kept whole and the input
 * is untouched.
 */
class FilesystemFaultsTest {
    private static SparkSession spark;

    @TempDir
    Path dir;
    private Path disk;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.localSession("FilesystemFaultsTest");
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    @BeforeEach
    void mountSmallDisk() throws Exception {
        disk = Files.createDirectories(dir.resolve("disk"));
        assumeTrue(sh("mount", "-t", "tmpfs", "-o", "size=2m", "sparkconv-test", disk.toString()) == 0,
                "mounting a tmpfs needs root (as in CI)");
    }

    @AfterEach
    void unmount() throws Exception {
        if (disk != null) {
            sh("umount", "-l", disk.toString());
        }
    }

    private static int sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    private CliRunner run(Path input, Path output, String... more) throws IOException {
        Path layer = TestFiles.layer(dir.resolve("layer.json"), Conv2D.builder(8, 3, 3).padding("same").build());
        Path kernel = TestFiles.npy(dir.resolve("kernel.npy"), 11, 3, 3, 1, 8);
        Path bias = TestFiles.npy(dir.resolve("bias.npy"), 12, 8);
        List<String> args = new ArrayList<>(List.of("run", "--input", input.toString(), "--layer", layer.toString(),
                "--kernel", kernel.toString(), "--bias", bias.toString(), "--output", output.toString(),
                "--progress-seconds", "0"));
        args.addAll(List.of(more));
        return CliRunner.run(args.toArray(new String[0]));
    }

    private static List<String> tree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    /** A small previous output on the disk, the input beside it (not on the disk), and their bytes. */
    private record Setup(Path input, byte[] inputBytes, Path out, List<String> previous) {
    }

    private Setup previousOutput(int images) throws IOException {
        Path small = TestFiles.npy(dir.resolve("small.npy"), 1, 2, 8, 8, 1);
        Path out = disk.resolve("out");
        CliRunner first = run(small, out);
        assertEquals(0, first.exitCode, first.toString());
        // Random float32 maps do not compress: 8 filters of 32x32 are 32 KB an image, far more than 2 MB in all.
        Path input = TestFiles.npy(dir.resolve("big.npy"), 2, images, 32, 32, 1);
        return new Setup(input, Files.readAllBytes(input), out, tree(out));
    }

    private void assertNothingLost(Setup s, CliRunner failed, String cause) throws IOException {
        assertEquals(1, failed.exitCode, failed.toString());
        assertEquals(1, failed.errLines().length, "one line: " + failed);
        assertTrue(failed.err.toLowerCase().contains(cause), failed.err);
        assertEquals(s.previous(), tree(s.out()), "the previous output is kept whole");
        assertEquals(2, spark.read().parquet(s.out().toString()).count());
        try (Stream<Path> on = Files.list(disk)) {
            // The lock file stays by design (an OS lock on it guards the output; an idle one is harmless).
            assertEquals(List.of("out"), on.map(p -> p.getFileName().toString())
                    .filter(name -> !name.startsWith(".sparkconv-lock-")).toList(),
                    "no staging or partial output is left on the disk");
        }
        assertArrayEquals(s.inputBytes(), Files.readAllBytes(s.input()), "the input is untouched");
    }

    @Test
    void aFullDiskFailsInOneLineAndKeepsThePreviousOutput() throws IOException {
        Setup s = previousOutput(200);
        CliRunner failed = run(s.input(), s.out(), "--overwrite", "--partitions", "4");
        assertNothingLost(s, failed, "no space left");
    }
}
