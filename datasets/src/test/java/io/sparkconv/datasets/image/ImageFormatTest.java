package io.sparkconv.datasets.image;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.datasets.ChannelOrder;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.ImageMode;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.PixelScale;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordCounts;
import io.sparkconv.datasets.Rejection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Images written by Java ImageIO, read back with each mode, channel order, scale and layout. */
class ImageFormatTest {
    @TempDir
    Path dir;

    static final int W = 5;
    static final int H = 3;

    static BufferedImage rgb(int type, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(W, H, type);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                img.setRGB(x, y, (r.nextInt(256) << 24) | r.nextInt(1 << 24));
            }
        }
        return img;
    }

    List<ImageRecord> read(Path file, ReadOptions options) {
        List<ImageRecord> out = new ArrayList<>();
        DatasetSource.readAll(file.toString(), DatasetFormat.IMAGE, options, r -> { }, null).forEachRemaining(out::add);
        return out;
    }

    ImageRecord one(Path file, ReadOptions options) {
        List<ImageRecord> r = read(file, options);
        assertEquals(1, r.size());
        return r.get(0);
    }

    @Test
    void rgbPngAndBmpExactInBothOrdersAndLayouts() throws Exception {
        BufferedImage img = rgb(BufferedImage.TYPE_3BYTE_BGR, 1);
        for (String fmt : List.of("png", "bmp")) {
            Path file = dir.resolve("rgb." + fmt);
            assertTrue(ImageIO.write(img, fmt, file.toFile()));
            ImageRecord rgb = one(file, ReadOptions.defaults());
            ImageRecord bgr = one(file, ReadOptions.defaults().withChannelOrder(ChannelOrder.BGR));
            ImageRecord chw = one(file, ReadOptions.defaults().withDataFormat(DataFormat.CHANNELS_FIRST));
            assertArrayEquals(new int[] {H, W, 3}, rgb.shape());
            assertArrayEquals(new int[] {3, H, W}, chw.shape());
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    int p = img.getRGB(x, y);
                    int[] c = {(p >> 16) & 0xFF, (p >> 8) & 0xFF, p & 0xFF};
                    int i = y * W + x;
                    for (int k = 0; k < 3; k++) {
                        assertEquals(c[k], rgb.data()[i * 3 + k], fmt);
                        assertEquals(c[2 - k], bgr.data()[i * 3 + k], fmt);
                        assertEquals(c[k], chw.data()[k * H * W + i], fmt);
                    }
                }
            }
        }
    }

    @Test
    void alphaKeptDroppedOrGray() throws Exception {
        BufferedImage img = rgb(BufferedImage.TYPE_INT_ARGB, 2);
        Path file = dir.resolve("rgba.png");
        assertTrue(ImageIO.write(img, "png", file.toFile()));
        ImageRecord stored = one(file, ReadOptions.defaults().withImageMode(ImageMode.AS_STORED));
        ImageRecord color = one(file, ReadOptions.defaults());
        ImageRecord gray = one(file, ReadOptions.defaults().withImageMode(ImageMode.GRAY));
        assertArrayEquals(new int[] {H, W, 4}, stored.shape());
        assertArrayEquals(new int[] {H, W, 3}, color.shape());
        assertArrayEquals(new int[] {H, W, 1}, gray.shape());
        int p = img.getRGB(2, 1);
        int i = W + 2;
        int r = (p >> 16) & 0xFF;
        int g = (p >> 8) & 0xFF;
        int b = p & 0xFF;
        assertEquals((p >>> 24) & 0xFF, stored.data()[i * 4 + 3]);
        assertEquals(r, color.data()[i * 3]);
        assertEquals((float) (0.299 * r + 0.587 * g + 0.114 * b), gray.data()[i], 1e-4f);
    }

    @Test
    void sixteenBitGrayRawAndUnitAndGrayAlpha() throws Exception {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_USHORT_GRAY);
        WritableRaster raster = img.getRaster();
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                raster.setSample(x, y, 0, 1000 * (y * W + x) + 7);
            }
        }
        raster.setSample(W - 1, H - 1, 0, 65535);
        Path file = dir.resolve("gray16.png");
        assertTrue(ImageIO.write(img, "png", file.toFile()));
        ImageRecord raw = one(file, ReadOptions.defaults().withImageMode(ImageMode.AS_STORED));
        ImageRecord unit = one(file, ReadOptions.defaults().withImageMode(ImageMode.GRAY)
                .withPixelScale(PixelScale.UNIT));
        ImageRecord color = one(file, ReadOptions.defaults());
        assertArrayEquals(new int[] {H, W, 1}, raw.shape());
        assertEquals(1007f, raw.data()[1]);
        assertEquals(65535f, raw.data()[H * W - 1]);
        assertEquals(1007f / 65535f, unit.data()[1], 1e-7f);
        assertEquals(1f, unit.data()[H * W - 1]);
        assertEquals(1007f, color.data()[3 + 2], "gray replicated into three channels");

        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster ga = cm.createCompatibleWritableRaster(W, H);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                ga.setSample(x, y, 0, 10 * x + y);
                ga.setSample(x, y, 1, 255 - x);
            }
        }
        Path gaFile = dir.resolve("grayalpha.png");
        assertTrue(ImageIO.write(new BufferedImage(cm, ga, false, null), "png", gaFile.toFile()));
        ImageRecord stored = one(gaFile, ReadOptions.defaults().withImageMode(ImageMode.AS_STORED));
        assertArrayEquals(new int[] {H, W, 2}, stored.shape());
        int i = 2 * W + 3;
        assertEquals(32f, stored.data()[i * 2]);
        assertEquals(252f, stored.data()[i * 2 + 1]);
        ImageRecord rgba = one(gaFile, ReadOptions.defaults().withImageMode(ImageMode.COLOR_ALPHA));
        assertArrayEquals(new float[] {32f, 32f, 32f, 252f},
                java.util.Arrays.copyOfRange(rgba.data(), i * 4, i * 4 + 4));
    }

    @Test
    void gifFirstFrameAndJpeg() throws Exception {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_INDEXED);
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                img.setRGB(x, y, ((x + y) % 2 == 0) ? 0xFF0000 : 0x0000FF);
            }
        }
        Path gif = dir.resolve("pal.gif");
        assertTrue(ImageIO.write(img, "gif", gif.toFile()));
        ImageRecord g = one(gif, ReadOptions.defaults());
        assertArrayEquals(new int[] {H, W, 3}, g.shape());
        assertArrayEquals(new float[] {255, 0, 0, 0, 0, 255}, java.util.Arrays.copyOfRange(g.data(), 0, 6));

        BufferedImage smooth = new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                smooth.setRGB(x, y, (x * 16 << 16) | (y * 16 << 8) | 128);
            }
        }
        Path jpg = dir.resolve("s.jpg");
        assertTrue(ImageIO.write(smooth, "jpeg", jpg.toFile()));
        ImageRecord j = one(jpg, ReadOptions.defaults());
        assertArrayEquals(new int[] {16, 16, 3}, j.shape());
        double err = 0;
        for (int p = 0; p < 256; p++) {
            err += Math.abs(j.data()[p * 3] - (p % 16) * 16) + Math.abs(j.data()[p * 3 + 1] - (p / 16) * 16);
        }
        assertTrue(err / 512 < 8, "JPEG is lossy but close: mean error " + err / 512);
    }

    @Test
    void directoryRecursiveSortedWithCorruptFilesUnderEachPolicy() throws Exception {
        Path root = Files.createDirectories(dir.resolve("imgs"));
        Files.createDirectories(root.resolve("sub/deeper"));
        Files.createDirectories(root.resolve(".hidden"));
        ImageIO.write(rgb(BufferedImage.TYPE_3BYTE_BGR, 3), "png", root.resolve("b.png").toFile());
        ImageIO.write(rgb(BufferedImage.TYPE_3BYTE_BGR, 4), "png", root.resolve("sub/a.png").toFile());
        ImageIO.write(rgb(BufferedImage.TYPE_3BYTE_BGR, 5), "bmp", root.resolve("sub/deeper/c.bmp").toFile());
        ImageIO.write(rgb(BufferedImage.TYPE_3BYTE_BGR, 6), "png", root.resolve(".hidden/x.png").toFile());
        Files.writeString(root.resolve("notes.txt"), "not an image, and not an image name");
        byte[] png = Files.readAllBytes(root.resolve("b.png"));
        Files.write(root.resolve("sub/corrupt.png"), java.util.Arrays.copyOf(png, 40));
        Files.writeString(root.resolve("text.jpg"), "this is text with an image name");
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY), "png", root.resolve("z_gray.png").toFile());
        ReadOptions options = ReadOptions.defaults().withImagesPerSplit(2).withExpectedChannels(3)
                .withImageMode(ImageMode.AS_STORED);

        DatasetException e = assertThrows(DatasetException.class, () -> read(root, options));
        assertTrue(e.getMessage().startsWith(root.resolve("sub/corrupt.png").toString()), e.getMessage());

        for (BadRecordPolicy policy : List.of(BadRecordPolicy.SKIP, BadRecordPolicy.QUARANTINE)) {
            List<Rejection> rejected = new ArrayList<>();
            RecordCounts counts = new RecordCounts();
            List<ImageRecord> got = new ArrayList<>();
            DatasetSource.readAll(root.toString(), DatasetFormat.IMAGE, options.withBadRecordPolicy(policy),
                    rejected::add, counts).forEachRemaining(got::add);
            List<String> names = new ArrayList<>();
            got.forEach(r -> names.add(root.relativize(Path.of(r.source())).toString()));
            assertEquals(List.of("b.png", "sub/a.png", "sub/deeper/c.bmp"), names);
            assertEquals(new RecordCounts(6, 0, 3), counts);
            assertEquals(3, rejected.size());
            assertTrue(rejected.get(0).source().endsWith("sub/corrupt.png")
                    && rejected.get(0).reason().contains("corrupt"), rejected.get(0).toString());
            assertTrue(rejected.get(1).source().endsWith("text.jpg")
                    && rejected.get(1).reason().contains("not an image"), rejected.get(1).toString());
            assertTrue(rejected.get(2).source().endsWith("z_gray.png")
                    && rejected.get(2).reason().contains("has 1 channels") && rejected.get(2).reason()
                    .contains("expected 3"), rejected.get(2).toString());
            for (int i = 1; i < got.size(); i++) {
                assertTrue(got.get(i).ordinal() > got.get(i - 1).ordinal());
            }
        }
    }
}
