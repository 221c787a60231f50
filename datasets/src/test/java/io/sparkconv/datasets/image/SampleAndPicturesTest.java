package io.sparkconv.datasets.image;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RejectionSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SampleAndPicturesTest {
    @TempDir
    Path dir;

    @Test
    void sampleIsSmallDeterministicAndFullOfEdges() throws Exception {
        List<Path> a = SampleImages.generate(dir.resolve("a"), SampleImages.DEFAULT_COUNT, SampleImages.DEFAULT_SIZE);
        List<Path> b = SampleImages.generate(dir.resolve("b"), SampleImages.DEFAULT_COUNT, SampleImages.DEFAULT_SIZE);
        assertEquals(32, a.size());
        long total = 0;
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(Files.readAllBytes(a.get(i)), Files.readAllBytes(b.get(i)), "deterministic " + a.get(i));
            total += Files.size(a.get(i));
        }
        assertTrue(total < 2L << 20, "sample is " + total + " bytes");
        List<ImageRecord> records = new ArrayList<>();
        DatasetSource.readAll(dir.resolve("a").toString(), DatasetFormat.IMAGE, ReadOptions.defaults(),
                RejectionSink.NONE, null).forEachRemaining(records::add);
        assertEquals(32, records.size());
        for (ImageRecord r : records) {
            assertArrayEquals(new int[] {64, 64, 3}, r.shape());
            // horizontal and vertical difference filters find strong edges in every picture but the gradients
            float maxStep = 0;
            float[] d = r.data();
            for (int y = 1; y < 64; y++) {
                for (int x = 1; x < 64; x++) {
                    for (int c = 0; c < 3; c++) {
                        float v = d[(y * 64 + x) * 3 + c];
                        maxStep = Math.max(maxStep, Math.abs(v - d[(y * 64 + x - 1) * 3 + c]));
                        maxStep = Math.max(maxStep, Math.abs(v - d[((y - 1) * 64 + x) * 3 + c]));
                    }
                }
            }
            boolean gradient = r.source().contains("gradient");
            assertTrue(gradient ? maxStep < 20 : maxStep > 60, r.source() + " max step " + maxStep);
        }
        Path ensured = SampleImages.ensure(dir.resolve("a"));
        assertEquals(32, Files.list(ensured).count());
    }

    @Test
    void featureMapTilesAreMinMaxNormalisedEach() throws Exception {
        // (H, W, C) = (2, 3, 4): channel 0 ramps, 1 is constant, 2 holds a NaN, 3 is negative
        int h = 2;
        int w = 3;
        int c = 4;
        float[] data = new float[h * w * c];
        for (int p = 0; p < h * w; p++) {
            data[p * c] = p;
            data[p * c + 1] = 5f;
            data[p * c + 2] = p == 4 ? Float.NaN : -p;
            data[p * c + 3] = -100f - 10 * p;
        }
        Path png = FeatureMapPictures.write(dir.resolve("maps/fm.png"), new int[] {h, w, c}, data,
                DataFormat.CHANNELS_LAST);
        BufferedImage img = ImageIO.read(png.toFile());
        int scale = (FeatureMapPictures.MIN_TILE + 2) / 3; // 22: enlarge 3-wide maps to >= 64 px
        assertEquals(2 * (3 * scale + 2) + 2, img.getWidth());
        assertEquals(2 * (2 * scale + 2) + 2, img.getHeight());
        // {tile, pixel p of the map, expected gray (-1: red)}; tile f sits at column f % 2, row f / 2
        int[][] expected = {
            {0, 0, 0}, {0, 5, 255}, {0, 2, 102},   // ramp 0..5: min black, max white, 2/5 of the way
            {1, 0, 128}, {1, 5, 128},              // constant: mid gray
            {2, 0, 255}, {2, 3, 102}, {2, 5, 0}, {2, 4, -1}, // 0, -1, -2, -3, NaN, -5
            {3, 0, 255}, {3, 5, 0}                 // -100 .. -150
        };
        for (int[] e : expected) {
            int f = e[0];
            int p = e[1];
            int x0 = 2 + (f % 2) * (3 * scale + 2) + (p % w) * scale;
            int y0 = 2 + (f / 2) * (2 * scale + 2) + (p / w) * scale;
            int rgb = img.getRGB(x0 + scale - 1, y0 + scale - 1) & 0xFFFFFF;
            if (e[2] < 0) {
                assertEquals(0xFF0000, rgb, "NaN is red");
            } else {
                assertEquals(e[2] * 0x010101, rgb, "tile " + f + " pixel " + p);
            }
        }
        assertTrue(FeatureMapPictures.normalisation().contains("min-max"));
        List<ImageRecord> two = List.of(new ImageRecord("s", 0, 10, -1, new int[] {h, w, c}, data),
                new ImageRecord("s", 1, 11, -1, new int[] {h, w, c}, data));
        List<Path> pngs = FeatureMapPictures.writeFirst(two.iterator(), DataFormat.CHANNELS_LAST, dir.resolve("first"),
                1);
        assertEquals(List.of(dir.resolve("first/featuremaps-00010.png")), pngs);
        assertEquals(img.getWidth(), ImageIO.read(pngs.get(0).toFile()).getWidth());
        assertThrows(IllegalArgumentException.class,
                () -> FeatureMapPictures.render(new int[] {2, 2, 2}, new float[7], DataFormat.CHANNELS_LAST));
        // channels_first gives the same picture for the transposed tensor
        float[] chw = new float[data.length];
        for (int p = 0; p < h * w; p++) {
            for (int k = 0; k < c; k++) {
                chw[k * h * w + p] = data[p * c + k];
            }
        }
        BufferedImage first = FeatureMapPictures.render(new int[] {c, h, w}, chw, DataFormat.CHANNELS_FIRST);
        BufferedImage last = FeatureMapPictures.render(new int[] {h, w, c}, data, DataFormat.CHANNELS_LAST);
        assertArrayEquals(last.getRGB(0, 0, last.getWidth(), last.getHeight(), null, 0, last.getWidth()),
                first.getRGB(0, 0, first.getWidth(), first.getHeight(), null, 0, first.getWidth()));
    }
}
