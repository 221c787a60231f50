package io.sparkconv.datasets.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordIterator;
import io.sparkconv.datasets.Rejection;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, finding 5: images under a symlinked directory are read, a link loop is not followed twice, and a
 * dangling link is counted as a rejected record instead of being dropped silently.
 */
class SymlinkInputsTest {
    @TempDir
    Path dir;

    private static void png(Path file) throws IOException {
        ImageIO.write(new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
    }

    @Test
    void symlinkedDirectoriesAreFollowedAndDanglingLinksCounted() throws IOException {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        png(elsewhere.resolve("linked.png"));
        Path root = Files.createDirectories(dir.resolve("input"));
        png(root.resolve("direct.png"));
        Files.createSymbolicLink(root.resolve("sub"), elsewhere);
        Files.createSymbolicLink(root.resolve("gone.png"), dir.resolve("missing.png"));
        Files.createSymbolicLink(elsewhere.resolve("loop"), root); // input/sub/loop -> input

        List<String> listed = InputFiles.listFiles(root.toString());
        assertEquals(List.of(root.resolve("direct.png").toString(), root.resolve("gone.png").toString(),
                root.resolve("sub/linked.png").toString()), listed);

        ReadOptions options = ReadOptions.defaults().withBadRecordPolicy(BadRecordPolicy.QUARANTINE);
        List<ImageRecord> records = new ArrayList<>();
        List<Rejection> rejections = new ArrayList<>();
        long read = 0;
        for (DatasetSplit split : DatasetSource.plan(root.toString(), DatasetFormat.IMAGE, options)) {
            try (RecordIterator it = DatasetSource.open(split, options, rejections::add)) {
                it.forEachRemaining(records::add);
                read += it.read();
            }
        }
        assertEquals(3, read, "every listed file is a record read");
        assertEquals(2, records.size());
        assertEquals(1, rejections.size());
        assertTrue(rejections.get(0).source().endsWith("gone.png"), rejections.toString());
    }
}
