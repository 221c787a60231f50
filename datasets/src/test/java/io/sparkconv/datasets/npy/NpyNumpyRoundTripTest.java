package io.sparkconv.datasets.npy;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.PythonNumpy;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordCounts;
import io.sparkconv.datasets.RejectionSink;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NPY and NPZ files written by NumPy (every supported dtype, both byte orders, C and Fortran order, format
 * versions 1 to 3, image shapes of both data formats) read back here; each compared with the float32 values
 * NumPy itself computes ({@code arr.astype('<f4')}, C order), written beside as raw bytes.
 */
class NpyNumpyRoundTripTest {
    @TempDir
    static Path dir;
    static List<String[]> cases = new ArrayList<>();

    private static final String WRITER = String.join("\n",
            "import sys, os, numpy as np",
            "from numpy.lib import format as fmt",
            "out = sys.argv[1]",
            "rng = np.random.default_rng(1234)",
            "shapes = {'nhwc': (5, 4, 3, 2), 'nchw': (5, 2, 4, 3), 'hwc': (4, 3, 2), 'chw': (2, 4, 3), 'hw': (4, 3)}",
            "dtypes = ['f4', 'f8', 'u1', 'i1', 'i2', 'i4', 'i8', 'u2']",
            "def values(bo, dt, shape):",
            "    if dt[0] == 'f':",
            "        return (rng.standard_normal(shape) * 100).astype(bo + dt)",
            "    info = np.iinfo(dt)",
            "    lo, hi = max(int(info.min), -30000), min(int(info.max), 30000)",
            "    return rng.integers(lo, hi, size=shape, endpoint=True).astype(bo + dt)",
            "for sname, shape in shapes.items():",
            "    for dt in dtypes:",
            "        for bo in ['<', '>']:",
            "            for order in ['C', 'F']:",
            "                for ver in [(1, 0), (2, 0), (3, 0)]:",
            "                    if ver != (1, 0) and (dt != 'f4' or order != 'C'):",
            "                        continue",
            "                    a = values(bo, dt, shape)",
            "                    a = np.asfortranarray(a) if order == 'F' else np.ascontiguousarray(a)",
            "                    name = '%s_%s%s_%s_v%d' % (sname, {'<': 'le', '>': 'be'}[bo], dt, order, ver[0])",
            "                    with open(os.path.join(out, name + '.npy'), 'wb') as f:",
            "                        fmt.write_array(f, a, version=ver)",
            "                    a.astype('<f4').tofile(os.path.join(out, name + '.raw'))",
            "                    print(name, sname, ' '.join(str(d) for d in shape))",
            "");

    @BeforeAll
    static void writeWithNumpy() throws Exception {
        String listing = PythonNumpy.run(dir, WRITER, dir.toString());
        for (String line : listing.split("\n")) {
            if (!line.isBlank()) {
                cases.add(line.trim().split(" ", 3));
            }
        }
        assertTrue(cases.size() > 100, "numpy wrote " + cases.size() + " files");
    }

    static float[] raw(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }

    @Test
    void everyNumpyFileReadsBackExactly() throws Exception {
        for (String[] c : cases) {
            String name = c[0];
            String kind = c[1];
            int[] shape = Arrays.stream(c[2].split(" ")).mapToInt(Integer::parseInt).toArray();
            DataFormat format = kind.equals("nchw") || kind.equals("chw") ? DataFormat.CHANNELS_FIRST
                    : DataFormat.CHANNELS_LAST;
            ReadOptions options = ReadOptions.defaults().withDataFormat(format).withRecordsPerSplit(2);
            String path = dir.resolve(name + ".npy").toString();
            float[] expected = raw(dir.resolve(name + ".raw"));
            List<DatasetSplit> splits = DatasetSource.plan(path, DatasetFormat.NPY, options);
            int records = shape.length == 4 ? shape[0] : 1;
            assertEquals((records + 1) / 2, splits.size(), name + " splits");
            List<ImageRecord> got = new ArrayList<>();
            RecordCounts counts = new RecordCounts();
            Iterator<ImageRecord> it = DatasetSource.readAll(path, DatasetFormat.NPY, options, RejectionSink.NONE,
                    counts);
            it.forEachRemaining(got::add);
            assertEquals(records, got.size(), name);
            assertEquals(new RecordCounts(records, 0, 0), counts, name);
            int[] recordShape = shape.length == 4 ? Arrays.copyOfRange(shape, 1, 4)
                    : shape.length == 3 ? shape : new int[] {shape[0], shape[1], 1};
            int per = expected.length / records;
            for (int i = 0; i < records; i++) {
                ImageRecord r = got.get(i);
                assertEquals(i, r.index(), name);
                assertEquals(path, r.source());
                assertArrayEquals(recordShape, r.shape(), name);
                assertArrayEquals(Arrays.copyOfRange(expected, i * per, (i + 1) * per), r.data(), 0f,
                        name + " record " + i);
            }
        }
    }

    @Test
    void rank3GrayBatchAndChannelsFirstTwoDims() throws Exception {
        PythonNumpy.run(dir, String.join("\n",
                "import sys, numpy as np",
                "a = np.arange(2 * 3 * 4, dtype='>i2').reshape(2, 3, 4)",
                "np.save(sys.argv[1] + '/gray.npy', a)",
                ""), dir.toString());
        ReadOptions options = ReadOptions.defaults().withRank3IsGrayBatch(true)
                .withDataFormat(DataFormat.CHANNELS_FIRST);
        List<ImageRecord> got = new ArrayList<>();
        DatasetSource.readAll(dir.resolve("gray.npy").toString(), DatasetFormat.NPY, options, RejectionSink.NONE,
                null).forEachRemaining(got::add);
        assertEquals(2, got.size());
        assertArrayEquals(new int[] {1, 3, 4}, got.get(1).shape());
        assertEquals(12f, got.get(1).data()[0]);
        assertEquals(23f, got.get(1).data()[11]);
    }

    @Test
    void npzStoredAndDeflatedMembersIncludingFortran() throws Exception {
        PythonNumpy.run(dir, String.join("\n",
                "import sys, numpy as np",
                "rng = np.random.default_rng(7)",
                "a = rng.standard_normal((6, 5, 4, 3)).astype('<f4')",
                "b = np.asfortranarray(rng.integers(0, 255, (3, 4, 4, 1)).astype('u1'))",
                "c = rng.standard_normal((2, 2, 3, 3)).astype('>f8')",
                "d = np.asfortranarray(rng.standard_normal((3, 2, 2, 2)).astype('<f4'))",
                "for comp, save in (('stored', np.savez), ('deflated', np.savez_compressed)):",
                "    save(sys.argv[1] + '/' + comp + '.npz', a=a, b=b, c=c, d=d)",
                "for n, x in (('a', a), ('b', b), ('c', c), ('d', d)):",
                "    x.astype('<f4').tofile(sys.argv[1] + '/npz_' + n + '.raw')",
                ""), dir.toString());
        for (String comp : List.of("stored", "deflated")) {
            String path = dir.resolve(comp + ".npz").toString();
            ReadOptions options = ReadOptions.defaults().withRecordsPerSplit(4);
            List<DatasetSplit> splits = DatasetSource.plan(path, DatasetFormat.NPZ, options);
            List<ImageRecord> got = new ArrayList<>();
            RecordCounts counts = new RecordCounts();
            DatasetSource.readAll(path, DatasetFormat.NPZ, options, RejectionSink.NONE, counts)
                    .forEachRemaining(got::add);
            assertEquals(6 + 3 + 2 + 3, got.size(), comp);
            assertEquals(14, counts.read());
            int at = 0;
            long lastOrdinal = -1;
            for (String member : List.of("a", "b", "c", "d")) {
                float[] expected = raw(dir.resolve("npz_" + member + ".raw"));
                int n = member.equals("a") ? 6 : member.equals("c") ? 2 : 3;
                int per = expected.length / n;
                for (int i = 0; i < n; i++) {
                    ImageRecord r = got.get(at++);
                    assertEquals(path + "!" + member + ".npy", r.source());
                    assertEquals(i, r.index());
                    assertTrue(r.ordinal() > lastOrdinal, "ordinals increase in input order");
                    lastOrdinal = r.ordinal();
                    assertArrayEquals(Arrays.copyOfRange(expected, i * per, (i + 1) * per), r.data(), 0f,
                            comp + " " + member + "[" + i + "]");
                }
            }
            assertTrue(splits.size() >= 5, comp + ": member a (6 records) is split in two: " + splits);
        }
    }

    @Test
    void javaWriterOutputIsReadByNumpy() throws Exception {
        Path out = dir.resolve("written.npy");
        int[] shape = {7, 3, 5, 2};
        float[] data = new float[7 * 3 * 5 * 2];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 0.25f - 13f;
        }
        data[3] = Float.NaN;
        data[4] = Float.NEGATIVE_INFINITY;
        NpyWriter.write(out, shape, data);
        String result = PythonNumpy.run(dir, String.join("\n",
                "import sys, numpy as np",
                "a = np.load(sys.argv[1])",
                "e = (np.arange(7 * 3 * 5 * 2, dtype='f8') * 0.25 - 13).astype('f4').reshape(7, 3, 5, 2)",
                "e.flat[3] = np.nan; e.flat[4] = -np.inf",
                "assert a.dtype == np.dtype('<f4'), a.dtype",
                "assert a.shape == (7, 3, 5, 2), a.shape",
                "assert np.array_equal(a, e, equal_nan=True)",
                "print('ok', a.shape)",
                ""), out.toString());
        assertTrue(result.startsWith("ok (7, 3, 5, 2)"), result);
    }
}
