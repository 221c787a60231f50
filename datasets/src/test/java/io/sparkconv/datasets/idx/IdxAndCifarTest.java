package io.sparkconv.datasets.idx;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.datasets.ChannelOrder;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.PythonNumpy;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordCounts;
import io.sparkconv.datasets.Rejection;
import io.sparkconv.datasets.RejectionSink;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IDX and CIFAR files written by Python's standard library (struct, gzip) read back; the expected float
 * values (in HWC and CHW order) are computed by the Python script too.
 */
class IdxAndCifarTest {
    @TempDir
    static Path dir;

    private static final String WRITER = String.join("\n",
            "import sys, struct, gzip, random",
            "out = sys.argv[1]",
            "rnd = random.Random(99)",
            "n, h, w = 7, 5, 4",
            "pix = bytes(rnd.randrange(256) for _ in range(n * h * w))",
            "idx = struct.pack('>BBBBiii', 0, 0, 8, 3, n, h, w) + pix",
            "open(out + '/images-idx3-ubyte', 'wb').write(idx)",
            "open(out + '/images-idx3-ubyte.gz', 'wb').write(gzip.compress(idx))",
            "open(out + '/idx.raw', 'wb').write(struct.pack('<%df' % len(pix), *pix))",
            "labels = struct.pack('>BBBBi', 0, 0, 8, 1, n) + bytes((3 * i) % 10 for i in range(n))",
            "open(out + '/labels-idx1-ubyte', 'wb').write(labels)",
            "open(out + '/labels-idx1-ubyte.gz', 'wb').write(gzip.compress(labels))",
            "import os; os.makedirs(out + '/mnist')",
            "open(out + '/mnist/t10k-images-idx3-ubyte', 'wb').write(idx)",
            "open(out + '/mnist/t10k-labels-idx1-ubyte', 'wb').write(labels)",
            "open(out + '/other-images-idx3-ubyte', 'wb').write(idx)",
            "open(out + '/other-labels-idx1-ubyte', 'wb').write(struct.pack('>BBBBi', 0, 0, 8, 1, 3) + bytes([1, 2, 3]))",
            "fl = struct.pack('>BBBBiiii', 0, 0, 0x0D, 4, 2, 2, 2, 3) + struct.pack('>24f', *[i * 0.5 - 3 for i in range(24)])",
            "open(out + '/floats.idx', 'wb').write(fl)",
            "for name, lab in (('c10', 1), ('c100', 2)):",
            "    recs = b''; hwc = []; chw = []; labels = []",
            "    for r in range(5):",
            "        lb = bytes([r % 10]) if lab == 1 else bytes([r % 20, (r * 17) % 100])",
            "        planes = bytes(rnd.randrange(256) for _ in range(3072))",
            "        recs += lb + planes",
            "        chw += list(planes)",
            "        hwc += [planes[c * 1024 + p] for p in range(1024) for c in range(3)]",
            "    open(out + '/' + name + '.bin', 'wb').write(recs)",
            "    open(out + '/' + name + '_hwc.raw', 'wb').write(struct.pack('<%df' % len(hwc), *hwc))",
            "    open(out + '/' + name + '_chw.raw', 'wb').write(struct.pack('<%df' % len(chw), *chw))",
            "");

    @BeforeAll
    static void write() throws Exception {
        PythonNumpy.run(dir, WRITER, dir.toString());
    }

    static float[] raw(String name) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(name))).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }

    static List<ImageRecord> read(String file, DatasetFormat format, ReadOptions options) {
        List<ImageRecord> out = new ArrayList<>();
        DatasetSource.readAll(dir.resolve(file).toString(), format, options, RejectionSink.NONE, null)
                .forEachRemaining(out::add);
        return out;
    }

    @Test
    void idxPlainAndGzippedInSplits() throws Exception {
        float[] expected = raw("idx.raw");
        for (String file : List.of("images-idx3-ubyte", "images-idx3-ubyte.gz")) {
            ReadOptions options = ReadOptions.defaults().withRecordsPerSplit(3);
            List<DatasetSplit> splits = DatasetSource.plan(dir.resolve(file).toString(), DatasetFormat.IDX, options);
            assertEquals(3, splits.size(), file);
            List<ImageRecord> got = read(file, DatasetFormat.IDX, options);
            assertEquals(7, got.size());
            for (int i = 0; i < 7; i++) {
                assertEquals((3 * i) % 10, got.get(i).label(), "label from the idx1 file beside " + file);
                assertArrayEquals(new int[] {5, 4, 1}, got.get(i).shape());
                assertArrayEquals(Arrays.copyOfRange(expected, i * 20, (i + 1) * 20), got.get(i).data(), 0f);
            }
        }
        List<ImageRecord> first = read("images-idx3-ubyte", DatasetFormat.IDX,
                ReadOptions.defaults().withDataFormat(DataFormat.CHANNELS_FIRST));
        assertArrayEquals(new int[] {1, 5, 4}, first.get(0).shape());
        List<ImageRecord> floats = read("floats.idx", DatasetFormat.IDX, ReadOptions.defaults());
        assertEquals(2, floats.size());
        assertArrayEquals(new int[] {2, 2, 3}, floats.get(1).shape());
        assertEquals(12 * 0.5f - 3, floats.get(1).data()[0]);
    }

    @Test
    void mnistDirectoryReadsImagesWithTheirLabels() throws Exception {
        List<DatasetSplit> splits = DatasetSource.plan(dir.resolve("mnist").toString(), DatasetFormat.IDX,
                ReadOptions.defaults());
        assertEquals(1, splits.size(), splits.toString());
        assertTrue(splits.get(0).path().endsWith("t10k-images-idx3-ubyte"));
        assertTrue(splits.get(0).labels().endsWith("t10k-labels-idx1-ubyte"));
        String other = dir.resolve("other-images-idx3-ubyte").toString();
        DatasetException e = assertThrows(DatasetException.class,
                () -> DatasetSource.plan(other, DatasetFormat.IDX, ReadOptions.defaults()));
        assertTrue(e.getMessage().endsWith("other-labels-idx1-ubyte: the labels file holds 3 labels but its images "
                + "file holds 7 images"), e.getMessage());
    }

    @Test
    void idxErrorsNameTheFile() throws Exception {
        String labels = dir.resolve("labels-idx1-ubyte").toString();
        DatasetException e = assertThrows(DatasetException.class,
                () -> DatasetSource.plan(labels, DatasetFormat.IDX, ReadOptions.defaults()));
        assertTrue(e.getMessage().startsWith(labels) && e.getMessage().contains("labels file"), e.getMessage());
        byte[] whole = Files.readAllBytes(dir.resolve("images-idx3-ubyte"));
        Path cut = dir.resolve("cut-idx3-ubyte");
        Files.write(cut, Arrays.copyOf(whole, whole.length - 3));
        e = assertThrows(DatasetException.class,
                () -> DatasetSource.plan(cut.toString(), DatasetFormat.IDX, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("but the file has 153"),
                e.getMessage());
        byte[] gz = Files.readAllBytes(dir.resolve("images-idx3-ubyte.gz"));
        gz[gz.length - 4] ^= 1; // the trailer's size no longer matches the header's
        Path lying = dir.resolve("lying-idx3-ubyte.gz");
        Files.write(lying, gz);
        e = assertThrows(DatasetException.class,
                () -> DatasetSource.plan(lying.toString(), DatasetFormat.IDX, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("gzip trailer"), e.getMessage());
        byte[] magic = whole.clone();
        magic[0] = 1;
        Path bad = dir.resolve("magic-idx3-ubyte");
        Files.write(bad, magic);
        e = assertThrows(DatasetException.class,
                () -> DatasetSource.plan(bad.toString(), DatasetFormat.IDX, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("expected 00 00"), e.getMessage());
    }

    @Test
    void gzipWithBadCrcLosesOnlyItsLastSplit() throws Exception {
        byte[] gz = Files.readAllBytes(dir.resolve("images-idx3-ubyte.gz"));
        gz[gz.length - 8] ^= 0x55; // the CRC-32 of the trailer; the size beside it still matches
        Path bad = dir.resolve("badcrc-idx3-ubyte.gz");
        Files.write(bad, gz);
        ReadOptions options = ReadOptions.defaults().withRecordsPerSplit(3);
        DatasetException e = assertThrows(DatasetException.class,
                () -> DatasetSource.readAll(bad.toString(), DatasetFormat.IDX, options, RejectionSink.NONE, null)
                        .forEachRemaining(r -> { }));
        assertTrue(e.getMessage().startsWith(bad + " record 6: cannot read record 6") && e.getMessage()
                .contains("Corrupt GZIP trailer"), e.getMessage());
        List<Rejection> rejected = new ArrayList<>();
        RecordCounts counts = new RecordCounts();
        List<ImageRecord> got = new ArrayList<>();
        DatasetSource.readAll(bad.toString(), DatasetFormat.IDX, options.withBadRecordPolicy(BadRecordPolicy.SKIP),
                rejected::add, counts).forEachRemaining(got::add);
        assertEquals(6, got.size());
        assertEquals(new RecordCounts(7, 0, 1), counts);
        assertEquals(6, rejected.get(0).index());
    }

    @Test
    void cifar10And100BothLayoutsAndBgr() throws Exception {
        for (String name : List.of("c10", "c100")) {
            DatasetFormat format = name.equals("c10") ? DatasetFormat.CIFAR10 : DatasetFormat.CIFAR100;
            float[] hwc = raw(name + "_hwc.raw");
            float[] chw = raw(name + "_chw.raw");
            List<ImageRecord> last = read(name + ".bin", format, ReadOptions.defaults().withRecordsPerSplit(2));
            List<ImageRecord> first = read(name + ".bin", format,
                    ReadOptions.defaults().withDataFormat(DataFormat.CHANNELS_FIRST));
            List<ImageRecord> bgr = read(name + ".bin", format,
                    ReadOptions.defaults().withChannelOrder(ChannelOrder.BGR));
            assertEquals(5, last.size());
            for (int r = 0; r < 5; r++) {
                assertEquals(name.equals("c10") ? r % 10 : (r * 17) % 100, last.get(r).label());
                assertArrayEquals(new int[] {32, 32, 3}, last.get(r).shape());
                assertArrayEquals(Arrays.copyOfRange(hwc, r * 3072, (r + 1) * 3072), last.get(r).data(), 0f);
                assertArrayEquals(new int[] {3, 32, 32}, first.get(r).shape());
                assertArrayEquals(Arrays.copyOfRange(chw, r * 3072, (r + 1) * 3072), first.get(r).data(), 0f);
                for (int p = 0; p < 1024; p++) {
                    assertEquals(last.get(r).data()[p * 3], bgr.get(r).data()[p * 3 + 2]);
                    assertEquals(last.get(r).data()[p * 3 + 2], bgr.get(r).data()[p * 3]);
                }
            }
        }
    }

    @Test
    void cifarBadLabelIsOneBadRecordAndPartialRecordsAreRefused() throws Exception {
        byte[] batch = Files.readAllBytes(dir.resolve("c10.bin"));
        batch[2 * 3073] = 10; // record 2: label out of range
        Path bad = dir.resolve("badlabel.bin");
        Files.write(bad, batch);
        List<Rejection> rejected = new ArrayList<>();
        RecordCounts counts = new RecordCounts();
        List<ImageRecord> got = new ArrayList<>();
        DatasetSource.readAll(bad.toString(), DatasetFormat.CIFAR10,
                ReadOptions.defaults().withBadRecordPolicy(BadRecordPolicy.QUARANTINE), rejected::add, counts)
                .forEachRemaining(got::add);
        assertEquals(4, got.size());
        assertEquals(new RecordCounts(5, 0, 1), counts);
        assertEquals(List.of(new Rejection(bad.toString(), 2, "CIFAR-10 label 10 is out of range 0..9")), rejected);
        DatasetException e = assertThrows(DatasetException.class, () -> read("badlabel.bin", DatasetFormat.CIFAR10,
                ReadOptions.defaults()));
        assertEquals(bad + " record 2: CIFAR-10 label 10 is out of range 0..9", e.getMessage());

        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(batch, 3 * 3073 + 100));
        e = assertThrows(DatasetException.class,
                () -> DatasetSource.plan(cut.toString(), DatasetFormat.CIFAR10, ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("3 records and 100 bytes left over"), e.getMessage());
        e = assertThrows(DatasetException.class,
                () -> DatasetSource.plan(dir.resolve("c10.bin").toString(), DatasetFormat.CIFAR100,
                        ReadOptions.defaults()));
        assertTrue(e.getMessage().contains("not a whole number of 3074-byte records"), e.getMessage());
    }
}
