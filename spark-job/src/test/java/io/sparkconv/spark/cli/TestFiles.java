package io.sparkconv.spark.cli;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.datasets.npy.NpyWriter;
import io.sparkconv.spark.SparkTestSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/** Input, layer and weight files for command-line tests. */
final class TestFiles {
    private TestFiles() {
    }

    static Path npy(Path file, long seed, int... shape) throws IOException {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        NpyWriter.write(file, shape, SparkTestSupport.randomValues(new SplittableRandom(seed), n));
        return file;
    }

    static Path layer(Path file, Conv2D layer) throws IOException {
        Files.writeString(file, layer.toConfig(), StandardCharsets.UTF_8);
        return file;
    }

    static Path text(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }
}
