package io.sparkconv.datasets.npy;

import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.ReadOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way an NPY file can be wrong gives a DatasetException naming the file and the problem. */
class NpyHeaderErrorsTest {
    @TempDir
    Path dir;

    static byte[] npy(int major, String dict, int dataBytes) {
        byte[] d = dict.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int pre = major == 1 ? 10 : 12;
        byte[] out = new byte[pre + d.length + dataBytes];
        System.arraycopy(NpyHeader.MAGIC, 0, out, 0, 6);
        out[6] = (byte) major;
        out[8] = (byte) d.length;
        out[9] = (byte) (d.length >>> 8);
        System.arraycopy(d, 0, out, pre, d.length);
        return out;
    }

    static String dict(String descr, String fortran, String shape) {
        return "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n";
    }

    private DatasetException failure(String name, byte[] bytes) throws Exception {
        return failure(name, bytes, ReadOptions.defaults());
    }

    private DatasetException failure(String name, byte[] bytes, ReadOptions options) throws Exception {
        Path file = dir.resolve(name + ".npy");
        Files.write(file, bytes);
        DatasetException e = assertThrows(DatasetException.class,
                () -> DatasetSource.plan(file.toString(), DatasetFormat.NPY, options));
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), "names the file: " + e.getMessage());
        assertEquals(DatasetException.WHOLE_FILE, e.index());
        return e;
    }

    private void expect(String name, byte[] bytes, String... fragments) throws Exception {
        DatasetException e = failure(name, bytes);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' in: " + e.getMessage());
        }
    }

    @Test
    void validFileIsAccepted() throws Exception {
        Path file = dir.resolve("ok.npy");
        Files.write(file, npy(1, dict("'<f4'", "False", "(2, 2, 2, 1)"), 32));
        assertEquals(1, DatasetSource.plan(file.toString(), DatasetFormat.NPY, ReadOptions.defaults()).size());
    }

    @Test
    void magicVersionAndLength() throws Exception {
        byte[] b = npy(1, dict("'<f4'", "False", "(1, 1, 1)"), 4);
        b[1] = 'X';
        expect("magic", b, "wrong magic", "93 58 55 4d 50 59");
        b = npy(1, dict("'<f4'", "False", "(1, 1, 1)"), 4);
        b[6] = 4;
        expect("version", b, "version 4.0 is not supported");
        b = npy(2, dict("'<f4'", "False", "(1, 1, 1)"), 4);
        b[10] = 0x10; // header length 16 MiB and more
        expect("length", b, "header length", "larger than");
        expect("short", Arrays.copyOf(npy(1, dict("'<f4'", "False", "(1, 1, 1)"), 0), 30), "truncated",
                "NPY header");
        expect("tiny", new byte[] {(byte) 0x93, 'N', 'U'}, "truncated", "preamble");
    }

    @Test
    void dictSyntaxAndKeys() throws Exception {
        expect("syntax", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}", 24),
                "malformed NPY header dict");
        expect("unterminated", npy(1, "{'descr': '<f4", 0), "malformed", "unterminated string");
        expect("missing", npy(1, "{'descr': '<f4', 'shape': (1, 1, 1), }", 4), "lacks the key 'fortran_order'");
        expect("extra", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1), 'x': 1}", 4),
                "unexpected keys [x]");
        expect("duplicate", npy(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1)}", 4),
                "duplicate key 'descr'");
        expect("fortran", npy(1, dict("'<f4'", "'no'", "(1, 1, 1)"), 4), "'fortran_order' is 'no'");
        expect("shape", npy(1, dict("'<f4'", "False", "'big'"), 4), "'shape' is 'big'");
        expect("trailing", npy(1, dict("'<f4'", "False", "(1, 1, 1)") + "x", 4), "unexpected text after");
    }

    @Test
    void dtypes() throws Exception {
        expect("complex", npy(1, dict("'<c8'", "False", "(1, 1, 1)"), 8), "dtype '<c8' is not supported");
        expect("unicode", npy(1, dict("'<U4'", "False", "(1, 1, 1)"), 16), "dtype '<U4' is not supported");
        expect("object", npy(1, dict("'|O'", "False", "(1, 1, 1)"), 8), "dtype '|O' is not supported");
        expect("half", npy(1, dict("'<f2'", "False", "(1, 1, 1)"), 2), "dtype '<f2' is not supported");
        expect("structured", npy(1, dict("[('a', '<f4'), ('b', '<i4')]", "False", "(1, 1, 1)"), 8),
                "structured", "[('a', '<f4'), ('b', '<i4')]");
        expect("noorder", npy(1, dict("'|f4'", "False", "(1, 1, 1)"), 4), "no byte order");
    }

    @Test
    void shapesThatLie() throws Exception {
        expect("negative", npy(1, dict("'<f4'", "False", "(1, -2, 1)"), 4), "negative dimension");
        expect("overflow", npy(1, dict("'<f4'", "False", "(4294967296, 4294967296, 4294967296)"), 4),
                "more elements than a 64-bit count holds");
        expect("bytes", npy(1, dict("'<f8'", "False", "(2305843009213693952,)"), 4), "more bytes than a 64-bit");
        expect("rank5", npy(1, dict("'<f4'", "False", "(1, 1, 1, 1, 1)"), 4), "rank 5", "is not images");
        expect("rank1", npy(1, dict("'<f4'", "False", "(4,)"), 16), "rank 1");
        expect("zero", npy(1, dict("'<f4'", "False", "(3, 0, 2, 2)"), 0), "zero-sized dimension");
        expect("truncated", npy(1, dict("'<f4'", "False", "(2, 2, 2, 1)"), 31), "truncated", "promises 32 data bytes");
        expect("longer", npy(1, dict("'<f4'", "False", "(2, 2, 2, 1)"), 40), "8 bytes unaccounted for");
    }

    @Test
    void enormousRecordIsRefusedBeforeAnyAllocation() throws Exception {
        byte[] bytes = npy(1, dict("'<f4'", "False", "(1, 100000, 100000, 3)"), 64);
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        DatasetException e = failure("enormous", bytes);
        long allocated = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(e.getMessage().contains("30000000000 elements, more than the limit of 67108864"), e.getMessage());
        assertTrue(allocated < 16 << 20, "allocated " + allocated + " bytes");
        // the limit is configurable
        DatasetException small = failure("limited", npy(1, dict("'<f4'", "False", "(2, 8, 8, 3)"), 2 * 192 * 4),
                ReadOptions.defaults().withMaxElementsPerRecord(100));
        assertTrue(small.getMessage().contains("192 elements, more than the limit of 100"), small.getMessage());
    }

    @Test
    void versionsTwoAndThreeAndPython2Longs() throws Exception {
        for (int v : new int[] {2, 3}) {
            Path file = dir.resolve("v" + v + ".npy");
            Files.write(file, npy(v, dict("'<f4'", "False", "(2L, 1L, 1L, 1L)"), 8));
            assertEquals(1, DatasetSource.plan(file.toString(), DatasetFormat.NPY, ReadOptions.defaults()).size());
        }
    }
}
