package io.sparkconv.datasets.spark;

import io.sparkconv.datasets.io.InputFiles;
import io.sparkconv.datasets.io.SeekableInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Hadoop FileSystem backend (used for hdfs:, s3a:, ... paths), exercised on Hadoop's local file system. */
class HadoopFilesTest {
    @TempDir
    Path dir;

    @Test
    void listsSortedVisibleFilesAndReadsAtPositions() throws Exception {
        Files.createDirectories(dir.resolve("sub"));
        Files.createDirectories(dir.resolve("_temporary"));
        Files.write(dir.resolve("b.bin"), new byte[] {1, 2, 3, 4, 5});
        Files.write(dir.resolve("sub/a.bin"), new byte[] {9});
        Files.write(dir.resolve(".hidden"), new byte[] {0});
        Files.write(dir.resolve("_temporary/part"), new byte[] {0});
        Files.write(dir.resolve("_SUCCESS"), new byte[0]);
        HadoopFiles hadoop = new HadoopFiles();
        String root = dir.toUri().toString();
        assertTrue(hadoop.isDirectory(root));
        List<String> files = hadoop.listFiles(root);
        assertEquals(2, files.size(), files.toString());
        assertTrue(files.get(0).endsWith("/b.bin") && files.get(1).endsWith("/sub/a.bin"), files.toString());
        assertEquals(5, hadoop.size(files.get(0)));
        assertFalse(hadoop.isDirectory(files.get(0)));
        try (SeekableInput in = hadoop.open(files.get(0))) {
            byte[] b = new byte[3];
            in.readFully(1, b, 0, 3);
            assertArrayEquals(new byte[] {2, 3, 4}, b);
            assertThrows(EOFException.class, () -> in.readFully(3, new byte[4], 0, 4));
        }
        // the local backend lists the same files
        List<String> local = InputFiles.listFiles(dir.toString());
        assertEquals(2, local.size());
        assertTrue(InputFiles.isLocal("file:/x") && InputFiles.isLocal("/x") && !InputFiles.isLocal("hdfs://nn/x"));
    }
}
