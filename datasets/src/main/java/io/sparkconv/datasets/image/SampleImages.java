package io.sparkconv.datasets.image;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The bundled sample: small RGB PNG pictures drawn deterministically with Java2D (no fonts, no downloads)
 * in which a convolution visibly does something: hard edges of filled shapes and outlines, seven-segment
 * digits, stripes at angles, checkerboards (edge and line detectors), smooth gradients and concentric
 * rings (blur barely changes them, derivatives do). Generated on demand, never stored in the repository.
 */
public final class SampleImages {
    public static final int DEFAULT_COUNT = 32;
    public static final int DEFAULT_SIZE = 64;
    private static final long SEED = 20240229L;

    private SampleImages() {
    }

    /** Writes {@code count} images of {@code size}x{@code size} as {@code sample-NN-<kind>.png}; returns them. */
    public static List<Path> generate(Path dir, int count, int size) throws IOException {
        if (count < 1 || size < 8) {
            throw new IllegalArgumentException("need count >= 1 and size >= 8, got " + count + ", " + size);
        }
        Files.createDirectories(dir);
        Random random = new Random(SEED);
        List<Path> out = new ArrayList<>();
        String[] kinds = {"shapes", "digit", "stripes", "checker", "gradient", "rings", "outline", "scene"};
        for (int i = 0; i < count; i++) {
            String kind = kinds[i % kinds.length];
            BufferedImage img = draw(kind, i, size, random);
            Path file = dir.resolve(String.format("sample-%02d-%s.png", i, kind));
            if (!ImageIO.write(img, "png", file.toFile())) {
                throw new IOException("no PNG writer in this JVM");
            }
            out.add(file);
        }
        return out;
    }

    /** Generates the default sample into {@code dir} unless it already holds it; returns the directory. */
    public static Path ensure(Path dir) throws IOException {
        Path last = dir.resolve(String.format("sample-%02d-%s.png", DEFAULT_COUNT - 1, "scene"));
        if (!Files.exists(last)) {
            generate(dir, DEFAULT_COUNT, DEFAULT_SIZE);
        }
        return dir;
    }

    static BufferedImage draw(String kind, int i, int s, Random random) {
        BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            Color bg = new Color(random.nextInt(60), random.nextInt(60), random.nextInt(60));
            Color fg = new Color(150 + random.nextInt(106), 150 + random.nextInt(106), 150 + random.nextInt(106));
            g.setColor(bg);
            g.fillRect(0, 0, s, s);
            switch (kind) {
                case "shapes":
                    g.setColor(fg);
                    g.fillOval(s / 8, s / 8, s / 2, s / 2);
                    g.setColor(fg.darker());
                    g.fillRect(s / 2, s / 2, s * 3 / 8, s * 3 / 8);
                    g.setColor(new Color(255 - fg.getRed(), fg.getGreen(), 255 - fg.getBlue()));
                    g.fillPolygon(new Polygon(new int[] {s / 8, s / 2, s / 8}, new int[] {s * 7 / 8, s * 7 / 8,
                        s / 2}, 3));
                    break;
                case "digit":
                    g.setColor(fg);
                    g.setStroke(new BasicStroke(Math.max(2f, s / 10f), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                    drawDigit(g, (i / 8) % 10, s);
                    break;
                case "stripes": {
                    AffineTransform saved = g.getTransform();
                    g.rotate(Math.toRadians(15 + 30 * (i / 8)), s / 2.0, s / 2.0);
                    g.setColor(fg);
                    int period = Math.max(4, s / 8);
                    for (int x = -s; x < 2 * s; x += period) {
                        g.fillRect(x, -s, period / 2, 3 * s);
                    }
                    g.setTransform(saved);
                    break;
                }
                case "checker": {
                    int cell = Math.max(2, s / (4 + 2 * (i / 8)));
                    for (int y = 0; y < s; y += cell) {
                        for (int x = 0; x < s; x += cell) {
                            if (((x / cell) + (y / cell)) % 2 == 0) {
                                g.setColor(fg);
                                g.fillRect(x, y, cell, cell);
                            }
                        }
                    }
                    break;
                }
                case "gradient":
                    g.setPaint(new GradientPaint(0, 0, bg, s, s * ((i / 8) % 2), fg));
                    g.fillRect(0, 0, s, s);
                    break;
                case "rings":
                    g.setStroke(new BasicStroke(Math.max(1f, s / 32f)));
                    for (int r = s / 16; r < s * 3 / 4; r += Math.max(3, s / 10)) {
                        g.setColor(new Color((fg.getRed() * r / s) % 256, fg.getGreen(), (fg.getBlue() + r) % 256));
                        g.drawOval(s / 2 - r, s / 2 - r, 2 * r, 2 * r);
                    }
                    break;
                case "outline":
                    g.setColor(fg);
                    g.setStroke(new BasicStroke(Math.max(1f, s / 20f)));
                    g.drawRect(s / 6, s / 6, s * 2 / 3, s * 2 / 3);
                    g.drawLine(s / 6, s / 6, s * 5 / 6, s * 5 / 6);
                    g.drawOval(s / 3, s / 3, s / 3, s / 3);
                    break;
                default: {
                    // a small "scene": sky gradient, ground, sun
                    g.setPaint(new GradientPaint(0, 0, new Color(40, 90, 200), 0, s * 0.6f, new Color(180, 210, 250)));
                    g.fillRect(0, 0, s, s * 3 / 5);
                    g.setColor(new Color(40 + random.nextInt(40), 120 + random.nextInt(60), 40));
                    g.fillRect(0, s * 3 / 5, s, s);
                    g.setColor(new Color(250, 220, 60));
                    g.fillOval(s * 5 / 8, s / 10, s / 4, s / 4);
                    g.setColor(new Color(90, 60, 30));
                    g.fillRect(s / 5, s * 2 / 5, s / 12, s / 4);
                    break;
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Seven-segment digit strokes, so no font is needed (headless machines may have none). */
    private static void drawDigit(Graphics2D g, int digit, int s) {
        int[] segments = {0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F};
        int bits = segments[digit];
        int l = s / 4;
        int r = s * 3 / 4;
        int t = s / 8;
        int m = s / 2;
        int b = s * 7 / 8;
        int[][] lines = {
            {l, t, r, t}, {r, t, r, m}, {r, m, r, b}, {l, b, r, b}, {l, m, l, b}, {l, t, l, m}, {l, m, r, m}
        };
        for (int k = 0; k < 7; k++) {
            if ((bits & (1 << k)) != 0) {
                g.drawLine(lines[k][0], lines[k][1], lines[k][2], lines[k][3]);
            }
        }
    }

    /** {@code SampleImages <dir> [count] [size]}: writes the sample. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: SampleImages <dir> [count] [size]");
            System.exit(2);
        }
        int count = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_COUNT;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : DEFAULT_SIZE;
        List<Path> files = generate(Paths.get(args[0]), count, size);
        System.out.println("wrote " + files.size() + " images to " + args[0]);
    }
}
