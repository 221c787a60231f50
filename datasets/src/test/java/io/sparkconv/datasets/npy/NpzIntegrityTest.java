package io.sparkconv.datasets.npy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.PythonNumpy;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordIterator;
import io.sparkconv.datasets.Rejection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, finding 2: every NPZ member's CRC-32 and declared sizes are checked before any of its records is
 * handed out, so a corrupt member gives rejected records, never garbage ones.
 */
class NpzIntegrityTest {
    @TempDir
    Path dir;

    /** Reads every split under QUARANTINE: the good records, and the rejections through {@code rejections}. */
    private static List<ImageRecord> readAll(String path, ReadOptions options, List<Rejection> rejections,
            long[] counts) {
        List<ImageRecord> out = new ArrayList<>();
        for (DatasetSplit split : DatasetSource.plan(path, DatasetFormat.NPZ, options)) {
            try (RecordIterator it = DatasetSource.open(split, options, rejections::add)) {
                while (it.hasNext()) {
                    out.add(it.next());
                }
                counts[0] += it.read();
                counts[1] += it.rejected();
            }
        }
        return out;
    }

    private static byte[] npy(int records) throws IOException {
        Path tmp = Files.createTempFile("member", ".npy");
        float[] values = new float[records * 8 * 8 * 3];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) Math.sin(i * 0.01);
        }
        NpyWriter.write(tmp, new int[] {records, 8, 8, 3}, values);
        byte[] b = Files.readAllBytes(tmp);
        Files.delete(tmp);
        return b;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Flips 64 bytes of the first member's record data (past the NPY header). */
    private static void flipRecordBytes(byte[] zip) {
        int npy = indexOf(zip, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'});
        assertTrue(npy > 0, "the member is stored verbatim");
        for (int i = npy + 400; i < npy + 464; i++) {
            zip[i] ^= 0x5A;
        }
    }

    private static void assertAllRejected(Path file, int records, String expectedReason) {
        ReadOptions options = ReadOptions.defaults().withBadRecordPolicy(BadRecordPolicy.QUARANTINE)
                .withRecordsPerSplit(20); // several splits of the member: each one checks it
        List<Rejection> rejections = new ArrayList<>();
        long[] counts = new long[2];
        List<ImageRecord> written = readAll(file.toString(), options, rejections, counts);
        assertEquals(0, written.size(), "no record of a corrupt member is handed out");
        assertEquals(records, counts[0], "every record of the member is counted as read");
        assertEquals(records, counts[1], "and as rejected");
        assertEquals(records, rejections.size());
        assertTrue(rejections.get(0).reason().contains(expectedReason), rejections.get(0).toString());
        DatasetException fail = assertThrows(DatasetException.class, () -> readAll(file.toString(),
                options.withBadRecordPolicy(BadRecordPolicy.FAIL), new ArrayList<>(), new long[2]));
        assertTrue(fail.getMessage().contains(expectedReason) && !fail.getMessage().contains("\n"),
                fail.getMessage());
    }

    /** A deflated member whose deflate stream is valid but whose data is not: only the CRC-32 can tell. */
    @Test
    void aDeflatedMemberWithFlippedBytesIsRejectedByItsCrc() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setLevel(Deflater.NO_COMPRESSION); // deflate's stored blocks: flipped bytes still inflate
            zip.putNextEntry(new ZipEntry("x.npy"));
            zip.write(npy(50));
            zip.closeEntry();
        }
        byte[] zip = bytes.toByteArray();
        flipRecordBytes(zip);
        Path file = Files.write(dir.resolve("flipped.npz"), zip);
        assertAllRejected(file, 50, "bad CRC-32");
    }

    /** np.savez (stored members): the same corruption, found by the CRC-32 too. */
    @Test
    void aStoredMemberWithFlippedBytesIsRejectedByItsCrc() throws IOException {
        byte[] npy = npy(50);
        CRC32 crc = new CRC32();
        crc.update(npy);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            ZipEntry e = new ZipEntry("x.npy");
            e.setMethod(ZipEntry.STORED);
            e.setSize(npy.length);
            e.setCompressedSize(npy.length);
            e.setCrc(crc.getValue());
            zip.putNextEntry(e);
            zip.write(npy);
            zip.closeEntry();
        }
        byte[] zip = bytes.toByteArray();
        flipRecordBytes(zip);
        Path file = Files.write(dir.resolve("stored.npz"), zip);
        assertAllRejected(file, 50, "bad CRC-32");
    }

    /** A member that inflates to more bytes than its central directory entry declares. */
    @Test
    void aMemberThatInflatesToMoreThanItsDeclaredSizeIsRejected() throws IOException {
        byte[] npy = npy(30);
        byte[] longer = java.util.Arrays.copyOf(npy, npy.length + 1000);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("x.npy"));
            zip.write(longer);
            zip.closeEntry();
        }
        byte[] zip = bytes.toByteArray();
        int central = indexOf(zip, new byte[] {0x50, 0x4b, 0x01, 0x02});
        ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).putInt(central + 24, npy.length);
        Path file = Files.write(dir.resolve("longer.npz"), zip);
        assertAllRejected(file, 30, "inflates to more than");
    }

    /** The file of the issue: np.savez_compressed, 64 bytes flipped; NumPy itself refuses it. */
    @Test
    void aNumpyCompressedArchiveWithFlippedBytesIsRejected() throws Exception {
        PythonNumpy.run(dir, String.join("\n",
                "import sys, numpy as np",
                "a = (np.arange(50 * 8 * 8 * 3) % 97).astype('<f4').reshape(50, 8, 8, 3)",
                "np.savez_compressed(sys.argv[1] + '/c.npz', x=a)",
                ""), dir.toString());
        Path file = dir.resolve("c.npz");
        byte[] zip = Files.readAllBytes(file);
        int data = indexOf(zip, "x.npy".getBytes()) + 5 + 200; // inside the deflate stream of the member
        for (int i = data; i < data + 64; i++) {
            zip[i] ^= 0x5A;
        }
        Files.write(file, zip);
        String numpy = PythonNumpy.run(dir, String.join("\n",
                "import sys, zipfile, numpy as np",
                "try:",
                "    np.load(sys.argv[1])['x'].sum()",
                "    print('read')",
                "except Exception as e:",
                "    print('refused', type(e).__name__)",
                ""), file.toString());
        assertTrue(numpy.startsWith("refused"), "NumPy, the oracle, refuses the file: " + numpy);
        ReadOptions options = ReadOptions.defaults().withBadRecordPolicy(BadRecordPolicy.QUARANTINE);
        List<Rejection> rejections = new ArrayList<>();
        long[] counts = new long[2];
        List<ImageRecord> written = readAll(file.toString(), options, rejections, counts);
        assertEquals(0, written.size(), "no garbage record is handed out: " + rejections);
        assertEquals(50, counts[0]);
        assertEquals(50, counts[1]);
    }
}
