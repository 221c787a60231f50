package io.sparkconv.datasets.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.NonFinitePolicy;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordCounts;
import io.sparkconv.datasets.Rejection;
import io.sparkconv.datasets.npy.NpyWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, accounting that cannot lie: for every input format, one split with good and bad records
 * interleaved. Under skip and quarantine every good record comes out and every bad one is rejected, counted
 * exactly (read = good + bad); under fail the first bad record stops the read with a one-line error.
 */
class InterleavedBadRecordsTest {
    @TempDir
    Path dir;

    private static final int[] BAD = {1, 4, 6};
    private static final int RECORDS = 8;

    private static boolean bad(int i) {
        return Arrays.stream(BAD).anyMatch(b -> b == i);
    }

    /** (8, 4, 4, 1) float32 values; records 1, 4 and 6 hold a NaN (rejected under non_finite=reject). */
    private static float[] valuesWithNaNs() {
        float[] d = SparkDatasetsTest.values(RECORDS * 16, 0.5f);
        for (int b : BAD) {
            d[b * 16 + 5] = Float.NaN;
        }
        return d;
    }

    private static List<String> goodKeys(String source) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            if (!bad(i)) {
                keys.add(source + "#" + i);
            }
        }
        return keys;
    }

    /** Reads under each policy and checks the records out, the counts and the quarantine list. */
    private static void assertInterleaved(String path, DatasetFormat format, ReadOptions options,
            List<String> expectedGood, int expectedBad, String firstBadSource) {
        SparkSession spark = LocalSpark.get();
        for (BadRecordPolicy policy : List.of(BadRecordPolicy.SKIP, BadRecordPolicy.QUARANTINE)) {
            DatasetRead read = SparkDatasets.read(spark, path, format, options.withBadRecordPolicy(policy));
            assertEquals(1, read.records().getNumPartitions(), "one split holds good and bad records");
            List<String> keys = new ArrayList<>();
            for (ImageRecord r : read.records().collect()) {
                keys.add(r.source() + "#" + r.index());
            }
            keys.sort(null);
            List<String> expected = new ArrayList<>(expectedGood);
            expected.sort(null);
            assertEquals(expected, keys, policy + ": every good record, and only those");
            assertEquals(new RecordCounts(expectedGood.size() + expectedBad, 0, expectedBad), read.counts().value(),
                    policy + ": read = written + rejected, exactly");
            List<Rejection> rejections = read.rejections().value();
            assertEquals(policy == BadRecordPolicy.QUARANTINE ? expectedBad : 0, rejections.size(),
                    policy + ": " + rejections);
        }
        Throwable failure = assertThrows(Exception.class, () -> SparkDatasets.read(spark, path, format,
                options.withBadRecordPolicy(BadRecordPolicy.FAIL)).records().collect());
        DatasetException cause = null;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof DatasetException d) {
                cause = d;
                break;
            }
        }
        assertNotNull(cause, "fail stops with the record's DatasetException: " + failure);
        assertFalse(cause.getMessage().contains("\n"), "one line: " + cause.getMessage());
        assertTrue(cause.getMessage().startsWith(firstBadSource), cause.getMessage());
    }

    @Test
    void npy() throws IOException {
        Path file = dir.resolve("x.npy");
        NpyWriter.write(file, new int[] {RECORDS, 4, 4, 1}, valuesWithNaNs());
        assertInterleaved(file.toString(), DatasetFormat.NPY,
                ReadOptions.defaults().withNonFinitePolicy(NonFinitePolicy.REJECT), goodKeys(file.toString()),
                BAD.length, file + " record 1");
    }

    @Test
    void npz() throws IOException {
        Path npy = dir.resolve("member.npy");
        NpyWriter.write(npy, new int[] {RECORDS, 4, 4, 1}, valuesWithNaNs());
        Path file = dir.resolve("x.npz");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("x.npy")); // deflated, as np.savez_compressed writes
            zip.write(Files.readAllBytes(npy));
            zip.closeEntry();
        }
        Files.delete(npy);
        String source = file + "!x.npy";
        assertInterleaved(file.toString(), DatasetFormat.NPZ,
                ReadOptions.defaults().withNonFinitePolicy(NonFinitePolicy.REJECT), goodKeys(source), BAD.length,
                source + " record 1");
    }

    @Test
    void idx() throws IOException {
        float[] values = valuesWithNaNs();
        ByteBuffer b = ByteBuffer.allocate(4 + 12 + values.length * 4); // big-endian, as IDX is
        b.put(new byte[] {0, 0, 0x0D, 3}).putInt(RECORDS).putInt(4).putInt(4);
        for (float v : values) {
            b.putFloat(v);
        }
        Path file = Files.write(dir.resolve("floats-idx3-ubyte"), b.array());
        assertInterleaved(file.toString(), DatasetFormat.IDX,
                ReadOptions.defaults().withNonFinitePolicy(NonFinitePolicy.REJECT), goodKeys(file.toString()),
                BAD.length, file + " record 1");
    }

    @Test
    void cifar10() throws IOException {
        byte[] data = new byte[RECORDS * 3073];
        for (int i = 0; i < RECORDS; i++) {
            data[i * 3073] = (byte) (bad(i) ? 10 + i : i); // labels 10.. are out of CIFAR-10's range
            for (int k = 1; k < 3073; k++) {
                data[i * 3073 + k] = (byte) (i * 31 + k);
            }
        }
        Path file = Files.write(dir.resolve("data_batch_1.bin"), data);
        assertInterleaved(file.toString(), DatasetFormat.CIFAR10, ReadOptions.defaults(),
                goodKeys(file.toString()), BAD.length, file + " record 1");
    }

    @Test
    void images() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("images"));
        BufferedImage picture = new BufferedImage(6, 5, BufferedImage.TYPE_INT_RGB);
        picture.setRGB(2, 3, 0x123456);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(picture, "png", png);
        byte[] good = png.toByteArray();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            Path f = folder.resolve("img" + i + ".png");
            if (!bad(i)) {
                Files.write(f, good);
                expected.add(f + "#0");
            } else if (i == 1) {
                Files.write(f, "not a picture at all".getBytes());
            } else if (i == 4) {
                Files.write(f, Arrays.copyOf(good, good.length / 2)); // truncated inside the image data
            } else {
                Files.write(f, new byte[0]);
            }
        }
        assertInterleaved(folder.toString(), DatasetFormat.IMAGE, ReadOptions.defaults(), expected, BAD.length,
                folder.resolve("img1.png").toString());
    }
}
