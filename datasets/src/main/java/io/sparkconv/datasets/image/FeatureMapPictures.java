package io.sparkconv.datasets.image;

import io.sparkconv.core.tensor.DataFormat;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * PNG pictures of feature maps: one gray tile per filter (channel) of an output tensor, in a near-square grid,
 * filters left to right then top to bottom. Normalisation: each tile is min-max scaled on its own, its minimum
 * black and its maximum white (a constant tile is mid-gray); NaN and infinite values are drawn red. Small maps
 * are enlarged by whole-pixel repetition so a tile is at least {@link #MIN_TILE} pixels across.
 */
public final class FeatureMapPictures {
    public static final int MIN_TILE = 64;
    private static final int GAP = 2;
    private static final int BACKGROUND = 0x303040;
    private static final int BAD = 0xFF0000;

    private FeatureMapPictures() {
    }

    /** What the tiles' gray levels mean, for printing beside the picture. */
    public static String normalisation() {
        return "one tile per filter, each min-max normalised on its own (min black, max white, constant mid-gray,"
                + " NaN/Inf red)";
    }

    /** Renders a 3-D tensor of {@code shape} in {@code format} as a grid of its channels. */
    public static BufferedImage render(int[] shape, float[] data, DataFormat format) {
        if (shape.length != 3) {
            throw new IllegalArgumentException("a feature-map tensor is 3-D, got " + Arrays.toString(shape));
        }
        boolean last = format == DataFormat.CHANNELS_LAST;
        int h = last ? shape[0] : shape[1];
        int w = last ? shape[1] : shape[2];
        int c = last ? shape[2] : shape[0];
        if ((long) h * w * c != data.length || h < 1 || w < 1 || c < 1) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not match "
                    + data.length + " values");
        }
        int scale = Math.max(1, (MIN_TILE + Math.max(h, w) - 1) / Math.max(h, w));
        int cols = (int) Math.ceil(Math.sqrt(c));
        int rows = (c + cols - 1) / cols;
        int tileW = w * scale;
        int tileH = h * scale;
        long pw = (long) cols * (tileW + GAP) + GAP;
        long ph = (long) rows * (tileH + GAP) + GAP;
        if (pw * ph > (1L << 28)) {
            throw new IllegalArgumentException("a picture of " + pw + "x" + ph + " pixels is too large");
        }
        BufferedImage img = new BufferedImage((int) pw, (int) ph, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < ph; y++) {
            for (int x = 0; x < pw; x++) {
                img.setRGB(x, y, BACKGROUND);
            }
        }
        int plane = h * w;
        for (int f = 0; f < c; f++) {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int p = 0; p < plane; p++) {
                float v = data[last ? p * c + f : f * plane + p];
                if (Float.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            int x0 = GAP + (f % cols) * (tileW + GAP);
            int y0 = GAP + (f / cols) * (tileH + GAP);
            for (int p = 0; p < plane; p++) {
                float v = data[last ? p * c + f : f * plane + p];
                int rgb;
                if (!Float.isFinite(v)) {
                    rgb = BAD;
                } else {
                    int gray = max > min ? Math.round((v - min) / (max - min) * 255f) : 128;
                    rgb = (gray << 16) | (gray << 8) | gray;
                }
                int py = y0 + (p / w) * scale;
                int px = x0 + (p % w) * scale;
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        img.setRGB(px + dx, py + dy, rgb);
                    }
                }
            }
        }
        return img;
    }

    /**
     * Writes pictures of the first {@code max} records as {@code dir/featuremaps-<ordinal>.png}; returns their
     * paths. Takes only what it needs from the iterator.
     */
    public static java.util.List<Path> writeFirst(java.util.Iterator<io.sparkconv.datasets.ImageRecord> records,
                                                  DataFormat format, Path dir, int max) throws IOException {
        java.util.List<Path> out = new java.util.ArrayList<>();
        while (out.size() < max && records.hasNext()) {
            io.sparkconv.datasets.ImageRecord r = records.next();
            out.add(write(dir.resolve(String.format("featuremaps-%05d.png", r.ordinal())), r.shape(), r.data(),
                    format));
        }
        return out;
    }

    /** Writes {@link #render} as a PNG file. */
    public static Path write(Path png, int[] shape, float[] data, DataFormat format) throws IOException {
        BufferedImage img = render(shape, data, format);
        if (png.getParent() != null) {
            Files.createDirectories(png.getParent());
        }
        if (!ImageIO.write(img, "png", png.toFile())) {
            throw new IOException("no PNG writer in this JVM");
        }
        return png;
    }
}
