package io.sparkconv.datasets.window;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.PythonNumpy;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.zip.Deflater;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Window reads of NPY (written by NumPy), TIFF (written by the JDK's own TIFF writer: tiled LZW float32 and
 * striped Deflate 8-bit), BigTIFF (tiled and in strips: written by tifffile, and written here byte by byte from the
 * BigTIFF layout)
 * and PNG (ImageIO) equal the same rectangles of the source values; headers and limits fail with one line.
 */
class WindowedImagesTest {
    @TempDir
    Path dir;

    /** The value at (row, col, channel) of every test image: distinct per pixel and channel. */
    private static float value(int r, int c, int ch) {
        return r * 1000f + c + ch * 0.25f;
    }

    @Test
    void npyWindowsEqualNumPysSlices() throws Exception {
        PythonNumpy.run(dir, String.join("\n",
                "import numpy as np",
                "r, c, ch = np.meshgrid(np.arange(37), np.arange(29), np.arange(3), indexing='ij')",
                "v = r * 1000.0 + c + ch * 0.25",
                "np.save('hwc.npy', v.astype('<f4'))",
                "np.save('one.npy', v[None].astype('>f8'))",
                "np.save('gray.npy', (r[:, :, 0] % 200).astype(np.uint8))",
                "np.save('fortran.npy', np.asfortranarray(v.astype('<f4')))",
                "np.save('batch.npy', np.stack([v, v]).astype('<f4'))"));
        for (String name : new String[] {"hwc.npy", "one.npy"}) {
            try (ImageWindows w = WindowedImages.open(dir.resolve(name).toString(), 1)) {
                assertEquals(new ImageInfo(dir.resolve(name).toString(), WindowFormat.NPY, 37, 29, 3), w.info());
                assertWindows(w);
            }
        }
        try (ImageWindows w = WindowedImages.open(dir.resolve("gray.npy").toString(), 1)) {
            assertEquals(1, w.info().channels());
            float[] got = new float[2 * 3];
            w.read(30, 4, 2, 3, got, 0, 3);
            assertArrayEquals(new float[] {30, 30, 30, 31, 31, 31}, got);
        }
        DatasetException e = assertThrows(DatasetException.class,
                () -> WindowedImages.open(dir.resolve("fortran.npy").toString(), 1));
        assertTrue(e.getMessage().contains("Fortran-order"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> WindowedImages.describe(dir.resolve("batch.npy").toString(), 1));
        assertTrue(e.getMessage().contains("is not one image"), e.getMessage());
        Path cut = Files.copy(dir.resolve("hwc.npy"), dir.resolve("cut.npy"));
        try (RandomAccessFile f = new RandomAccessFile(cut.toFile(), "rw")) {
            f.setLength(f.length() - 4);
        }
        e = assertThrows(DatasetException.class, () -> WindowedImages.describe(cut.toString(), 1));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void tiffWindowsFromTheJdkWriterTiledLzwFloatAndStripedDeflate() throws IOException {
        BufferedImage floats = floatImage(45, 61);
        Path tiled = write(floats, "tiled-lzw.tif", "LZW", 16);
        try (ImageWindows w = WindowedImages.open(tiled.toString(), 1)) {
            assertEquals(new ImageInfo(tiled.toString(), WindowFormat.TIFF, 45, 61, 3), w.info());
            assertWindows(w);
        }
        BufferedImage bytes = new BufferedImage(50, 33, BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster raster = bytes.getRaster();
        for (int r = 0; r < 33; r++) {
            for (int c = 0; c < 50; c++) {
                raster.setPixel(c, r, new int[] {(r * 7 + c) % 256, (r + c * 3) % 256, (r * c) % 256});
            }
        }
        Path striped = write(bytes, "striped-deflate.tiff", "Deflate", 0);
        try (ImageWindows w = WindowedImages.open(striped.toString(), 1)) {
            assertEquals(3, w.info().channels());
            float[] got = new float[4 * 5 * 3];
            w.read(20, 40, 4, 5, got, 0, 15);
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 5; c++) {
                    int rr = 20 + r;
                    int cc = 40 + c;
                    float[] want = {(rr * 7 + cc) % 256, (rr + cc * 3) % 256, (rr * cc) % 256};
                    for (int ch = 0; ch < 3; ch++) {
                        assertEquals(want[ch], got[(r * 5 + c) * 3 + ch], "pixel " + rr + "," + cc + " channel " + ch);
                    }
                }
            }
        }
    }

    @Test
    void bigTiffInStripsAndTilesFromOurWriterIsReadByWindows() throws IOException {
        Path big = writeBigTiff(dir.resolve("big.tif"), 37, 50, 0, 5);
        try (ImageWindows w = WindowedImages.open(big.toString(), 1)) {
            assertEquals(new ImageInfo(big.toString(), WindowFormat.TIFF, 37, 50, 3), w.info());
            assertWindows(w);
        }
        Path tiled = writeBigTiff(dir.resolve("big-tiled.tiff"), 37, 50, 16, 0);
        try (ImageWindows w = WindowedImages.open(tiled.toString(), 1)) {
            assertEquals(new ImageInfo(tiled.toString(), WindowFormat.TIFF, 37, 50, 3), w.info());
            assertWindows(w);
        }
        Path notTiff = Files.write(dir.resolve("fake.tif"), "not a tiff at all".getBytes(StandardCharsets.UTF_8));
        DatasetException e = assertThrows(DatasetException.class, () -> WindowedImages.describe(notTiff.toString(), 1));
        assertTrue(e.getMessage().contains("not a TIFF file"), e.getMessage());
    }

    /**
     * Tiled and striped BigTIFF written by tifffile (Debian's python3-tifffile, an independent writer): float32 RGB,
     * uncompressed, Deflate (8 and 32946), both byte orders, 45x61 in tiles of 16x32 (neither divides the image);
     * and uint16 with Deflate and predictor 2 (tifffile refuses predictor 2 for floats).
     */
    @Test
    void tiledAndStripedBigTiffFromTifffileAreReadByWindows() throws Exception {
        PythonNumpy.run(dir, String.join("\n",
                "import numpy as np, tifffile",
                "r, c, ch = np.meshgrid(np.arange(45), np.arange(61), np.arange(3), indexing='ij')",
                "v = (r * 1000.0 + c + ch * 0.25).astype('<f4')",
                "kw = dict(bigtiff=True, photometric='rgb')",
                "tifffile.imwrite('tiled-none.tif', v, tile=(16, 32), **kw)",
                "tifffile.imwrite('tiled-deflate.tif', v, tile=(16, 32), compression=8, **kw)",
                "tifffile.imwrite('tiled-deflate32946.tif', v, tile=(16, 32), compression=32946, **kw)",
                "tifffile.imwrite('tiled-big-endian.tif', v.astype('>f4'), tile=(16, 48), compression=8,"
                        + " byteorder='>', **kw)",
                "tifffile.imwrite('strips-deflate.tif', v, rowsperstrip=7, compression=8, **kw)",
                "u = ((r * 7919 + c * 104729 + ch * 31) % 65536).astype('<u2')",
                "tifffile.imwrite('u16-predictor.tif', u, tile=(16, 16), compression=8, predictor=2, **kw)",
                "t = tifffile.TiffFile('tiled-deflate.tif')",
                "assert t.is_bigtiff and t.pages[0].is_tiled and t.pages[0].compression == 8",
                "t.close()"));
        Path cut = Files.copy(dir.resolve("tiled-none.tif"), dir.resolve("tiled-cut.tif"));
        try (RandomAccessFile f = new RandomAccessFile(cut.toFile(), "rw")) {    // tifffile puts the IFD first
            f.setLength(f.length() * 3 / 5);
        }
        assertCorrupt(cut, "ends past the end of the file");
        for (String name : new String[] {"tiled-none.tif", "tiled-deflate.tif", "tiled-deflate32946.tif",
                "tiled-big-endian.tif", "strips-deflate.tif"}) {
            String path = dir.resolve(name).toString();
            try (ImageWindows w = WindowedImages.open(path, 1)) {
                assertTrue(w instanceof TiffChunkWindows, name + " is read by " + w.getClass());
                assertEquals(new ImageInfo(path, WindowFormat.TIFF, 45, 61, 3), w.info());
                assertWindows(w);
            }
        }
        try (ImageWindows w = WindowedImages.open(dir.resolve("u16-predictor.tif").toString(), 1)) {
            float[] got = new float[45 * 61 * 3];
            w.read(0, 0, 45, 61, got, 0, 61 * 3);
            float[] window = new float[5 * 9 * 3];
            w.read(14, 30, 5, 9, window, 0, 9 * 3);
            for (int r = 0; r < 45; r++) {
                for (int c = 0; c < 61; c++) {
                    for (int ch = 0; ch < 3; ch++) {
                        float want = (r * 7919 + c * 104729 + ch * 31) % 65536;
                        assertEquals(want, got[(r * 61 + c) * 3 + ch], "pixel " + r + "," + c + " channel " + ch);
                        if (r >= 14 && r < 19 && c >= 30 && c < 39) {
                            assertEquals(want, window[((r - 14) * 9 + c - 30) * 3 + ch], "window " + r + "," + c);
                        }
                    }
                }
            }
        }
    }

    /** LZW: the JDK's writer encodes a tiled float TIFF; the chunk reader decodes it as it does BigTIFF's. */
    @Test
    void lzwTilesFromTheJdkWriterAreDecodedByTheChunkReader() throws IOException {
        Path tiled = write(floatImage(45, 61), "tiled-lzw-chunks.tif", "LZW", 16);
        try (ImageWindows w = TiffChunkWindows.open(tiled.toString(), WindowFormat.TIFF)) {
            assertEquals(new ImageInfo(tiled.toString(), WindowFormat.TIFF, 45, 61, 3), w.info());
            assertWindows(w);
        }
        Path deflate = write(floatImage(33, 20), "striped-deflate-chunks.tif", "Deflate", 0);
        try (ImageWindows w = TiffChunkWindows.open(deflate.toString(), WindowFormat.TIFF)) {
            assertWindows(w);
        }
    }

    /** Truncated, a tile offset past the end, an absurd tile size: one line naming the file, when opened. */
    @Test
    void corruptTiledBigTiffFailsInOneLineWhenOpened() throws Exception {
        Path good = writeBigTiff(dir.resolve("good.tif"), 37, 50, 16, 0);
        long size = Files.size(good);

        Path cut = Files.copy(good, dir.resolve("cut.tif"));    // this writer puts the IFD last: it is gone
        try (RandomAccessFile f = new RandomAccessFile(cut.toFile(), "rw")) {
            f.setLength(size / 2);
        }
        assertCorrupt(cut, "is outside the file (" + size / 2 + " bytes)");

        Path past = Files.copy(good, dir.resolve("past.tif"));
        try (RandomAccessFile f = new RandomAccessFile(past.toFile(), "rw")) {
            f.seek(bigTiffEntry(past, 324)[2] + 8 * 5);          // tile 5's offset
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(size + 1000).array());
        }
        assertCorrupt(past, "tile 5 (row 1, column 1) at byte " + (size + 1000));

        Path huge = Files.copy(good, dir.resolve("huge.tif"));
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.seek(bigTiffEntry(huge, 322)[1]);                  // TileWidth's inline value
            f.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(1 << 30).array());
        }
        assertCorrupt(huge, "tiles of 1073741824x16 pixels are more than the 67108864 bytes");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.seek(bigTiffEntry(huge, 322)[1]);
            f.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(1 << 20).array());
        }
        assertCorrupt(huge, "tiles of 1048576x16 pixels (201326592 bytes) are more than the 67108864 bytes");
    }

    private static void assertCorrupt(Path file, String expected) {
        DatasetException e = assertThrows(DatasetException.class, () -> WindowedImages.describe(file.toString(), 1));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains(expected), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    /**
     * The IFD entry of {@code tag} in a little-endian BigTIFF: {entry position, value field position, value (or
     * offset of the values)}.
     */
    private static long[] bigTiffEntry(Path file, int tag) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long ifd = b.getLong(8);
        long n = b.getLong((int) ifd);
        for (int i = 0; i < n; i++) {
            int at = (int) ifd + 8 + i * 20;
            if ((b.getShort(at) & 0xFFFF) == tag) {
                return new long[] {at, at + 12, b.getLong(at + 12)};
            }
        }
        throw new AssertionError("no tag " + tag + " in " + file);
    }

    @Test
    void pngBelowTheLimitIsReadAndAboveItFailsWithOneLine() throws IOException {
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < 30; r++) {
            for (int c = 0; c < 40; c++) {
                image.setRGB(c, r, (r << 16) | (c << 8) | ((r + c) & 0xFF));
            }
        }
        Path png = dir.resolve("small.png");
        ImageIO.write(image, "png", png.toFile());
        try (ImageWindows w = WindowedImages.open(png.toString(), 1200)) {
            assertEquals(new ImageInfo(png.toString(), WindowFormat.IMAGE, 30, 40, 3), w.info());
            float[] got = new float[2 * 2 * 3];
            w.read(10, 20, 2, 2, got, 0, 6);
            assertArrayEquals(new float[] {10, 20, 30, 10, 21, 31, 11, 20, 31, 11, 21, 32}, got);
        }
        DatasetException e = assertThrows(DatasetException.class, () -> WindowedImages.describe(png.toString(), 1199));
        assertTrue(e.getMessage().contains("40x30 = 1200 pixels is more than the 1199 allowed"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> WindowFormat.of("scene.raw"));
        assertTrue(e.getMessage().contains("expected .npy"), e.getMessage());
    }

    /** Several rectangles (corners, edges, the whole image, one pixel) into a strided destination. */
    private static void assertWindows(ImageWindows w) throws IOException {
        ImageInfo info = w.info();
        int h = info.height();
        int wd = info.width();
        int[][] regions = {{0, 0, h, wd}, {0, 0, 1, 1}, {h - 1, wd - 1, 1, 1}, {5, 3, 17, 11}, {h - 9, 0, 9, wd},
                {0, wd - 7, h, 7}, {Math.min(20, h - 16), Math.min(16, wd - 16), 16, 16}};
        for (int[] g : regions) {
            int stride = (g[3] + 3) * 3;                 // wider than the region: padding columns stay untouched
            float[] got = new float[3 + g[2] * stride];
            java.util.Arrays.fill(got, -1f);
            w.read(g[0], g[1], g[2], g[3], got, 3, stride);
            for (int r = 0; r < g[2]; r++) {
                for (int c = 0; c < g[3]; c++) {
                    for (int ch = 0; ch < 3; ch++) {
                        float want = value(g[0] + r, g[1] + c, ch);
                        float have = got[3 + r * stride + c * 3 + ch];
                        if (want != have) {
                            throw new AssertionError(info.path() + " region " + java.util.Arrays.toString(g)
                                    + ": pixel (" + (g[0] + r) + ", " + (g[1] + c) + ") channel " + ch + " is " + have
                                    + ", expected " + want);
                        }
                    }
                }
                for (int k = g[3] * 3; k < stride; k++) {
                    assertEquals(-1f, got[3 + r * stride + k], "written outside the region");
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> w.read(h - 1, 0, 2, 1, new float[100], 0, 3));
    }

    private static BufferedImage floatImage(int h, int w) {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_FLOAT);
        WritableRaster raster = cm.createCompatibleWritableRaster(w, h);
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                raster.setPixel(c, r, new float[] {value(r, c, 0), value(r, c, 1), value(r, c, 2)});
            }
        }
        return new BufferedImage(cm, raster, false, null);
    }

    /** Writes with the JDK's TIFF writer (not TwelveMonkeys'), so the reader is checked against another writer. */
    private Path write(BufferedImage image, String name, String compression, int tile) throws IOException {
        ImageWriter writer = null;
        for (Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("tiff"); it.hasNext(); ) {
            ImageWriter candidate = it.next();
            if (candidate.getClass().getName().startsWith("com.sun.imageio")) {
                writer = candidate;
            }
        }
        assertTrue(writer != null, "the JDK's TIFF writer is missing");
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionType(compression);
        if (tile > 0) {
            param.setTilingMode(ImageWriteParam.MODE_EXPLICIT);
            param.setTiling(tile, tile, 0, 0);
        }
        Path file = dir.resolve(name);
        Files.deleteIfExists(file);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return file;
    }

    /**
     * A little-endian BigTIFF (version 43, 8-byte offsets) of RGB float32, chunky, zlib-deflated (compression 8):
     * with {@code tile > 0} in tiles of {@code tile}^2 (edge tiles padded, as TIFF requires), otherwise in strips
     * of {@code stripRows} rows.
     */
    private static Path writeBigTiff(Path file, int h, int w, int tile, int stripRows) throws IOException {
        boolean tiled = tile > 0;
        int across = tiled ? (w + tile - 1) / tile : 1;
        int down = tiled ? (h + tile - 1) / tile : (h + stripRows - 1) / stripRows;
        int chunks = across * down;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long[] offsets = new long[chunks];
        long[] counts = new long[chunks];
        long dataStart = 16;
        for (int t = 0; t < chunks; t++) {
            int r0 = tiled ? t / across * tile : t * stripRows;
            int c0 = tiled ? t % across * tile : 0;
            int rows = tiled ? tile : Math.min(stripRows, h - r0);
            int cols = tiled ? tile : w;
            ByteBuffer raw = ByteBuffer.allocate(rows * cols * 3 * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    for (int ch = 0; ch < 3; ch++) {
                        boolean inside = r0 + r < h && c0 + c < w;
                        raw.putFloat(inside ? value(r0 + r, c0 + c, ch) : 0f);
                    }
                }
            }
            Deflater deflater = new Deflater();
            deflater.setInput(raw.array());
            deflater.finish();
            byte[] buf = new byte[raw.capacity() + 1024];
            int n = deflater.deflate(buf);
            assertTrue(deflater.finished());
            deflater.end();
            offsets[t] = dataStart + data.size();
            counts[t] = n;
            data.write(buf, 0, n);
        }
        long arrays = dataStart + data.size();                 // chunk offsets, then byte counts, then the IFD
        long ifd = arrays + 16L * chunks;
        int entries = tiled ? 12 : 11;
        ByteBuffer b = ByteBuffer.allocate((int) (ifd + 8 + entries * 20 + 8)).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 43).putShort((short) 8).putShort((short) 0).putLong(ifd);
        b.put(data.toByteArray());
        for (long o : offsets) {
            b.putLong(o);
        }
        for (long c : counts) {
            b.putLong(c);
        }
        b.putLong(entries);                                   // entries in ascending tag order
        entry(b, 256, 4, 1, w);                               // ImageWidth, LONG
        entry(b, 257, 4, 1, h);                               // ImageLength
        b.putShort((short) 258).putShort((short) 3).putLong(3) // BitsPerSample 32,32,32 (SHORT x3, inline)
                .putShort((short) 32).putShort((short) 32).putShort((short) 32).putShort((short) 0);
        entry(b, 259, 3, 1, 8);                               // Compression: Deflate
        entry(b, 262, 3, 1, 2);                               // Photometric: RGB
        if (!tiled) {
            entry(b, 273, 16, chunks, arrays);                // StripOffsets, LONG8
        }
        entry(b, 277, 3, 1, 3);                               // SamplesPerPixel
        if (!tiled) {
            entry(b, 278, 4, 1, stripRows);                   // RowsPerStrip
            entry(b, 279, 16, chunks, arrays + 8L * chunks);  // StripByteCounts, LONG8
        }
        entry(b, 284, 3, 1, 1);                               // PlanarConfiguration: chunky
        if (tiled) {
            entry(b, 322, 4, 1, tile);                        // TileWidth
            entry(b, 323, 4, 1, tile);                        // TileLength
            entry(b, 324, 16, chunks, arrays);                // TileOffsets, LONG8
            entry(b, 325, 16, chunks, arrays + 8L * chunks);  // TileByteCounts, LONG8
        }
        b.putShort((short) 339).putShort((short) 3).putLong(3) // SampleFormat: IEEE float x3
                .putShort((short) 3).putShort((short) 3).putShort((short) 3).putShort((short) 0);
        b.putLong(0);                                         // no next IFD
        Files.write(file, b.array());
        return file;
    }

    private static void entry(ByteBuffer b, int tag, int type, long count, long value) {
        b.putShort((short) tag).putShort((short) type).putLong(count).putLong(value);
    }
}
