package io.sparkconv.datasets.image;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.ChannelOrder;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageMode;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.PixelScale;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordCursor;
import io.sparkconv.datasets.io.InputFiles;
import io.sparkconv.datasets.io.SeekableInput;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DirectColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;

/**
 * Image files (PNG, JPEG, BMP, GIF: its first frame) decoded with javax.imageio into float tensors.
 * Samples keep their stored bit depth (8 or 16 bits) and are scaled per {@link PixelScale}; gray, gray+alpha,
 * colour and colour+alpha images are converted per {@link ImageMode}; colour channels are ordered per
 * {@link ChannelOrder} (RGB by default; BGR as OpenCV and Spark's image source store them). Palette images
 * and colour spaces other than gray/RGB are converted to 8-bit sRGB first.
 */
public final class ImageFormat {
    /** Image files larger than this are refused before being read. */
    static final long MAX_FILE_BYTES = 1L << 30;

    private ImageFormat() {
    }

    /** Stored samples of an image: {@code channels} per pixel, row-major, plus the largest sample value. */
    static final class Stored {
        final int height;
        final int width;
        final int channels;
        final float[] samples;
        final float maxValue;

        Stored(int height, int width, int channels, float[] samples, float maxValue) {
            this.height = height;
            this.width = width;
            this.channels = channels;
            this.samples = samples;
            this.maxValue = maxValue;
        }
    }

    /** Decodes an image file's bytes; the result's shape is per the options' data format. */
    public static float[] decode(byte[] bytes, String source, ReadOptions options, int[] shapeOut) {
        Stored s = decodeStored(bytes, source, options);
        return convert(s, options, shapeOut);
    }

    static Stored decodeStored(byte[] bytes, String source, ReadOptions options) {
        try (ImageInputStream iis = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) {
                throw DatasetException.badFile(source, "not an image javax.imageio can read (PNG, JPEG, BMP, GIF): "
                        + "unknown file signature", null);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(iis, true, true);
                int w = reader.getWidth(0);
                int h = reader.getHeight(0);
                if (w <= 0 || h <= 0) {
                    throw DatasetException.badFile(source, "image has a zero-sized dimension (" + w + "x" + h + ")",
                            null);
                }
                // Elements of the decoded record: the mode's channel count (as stored: up to 4).
                int channels = options.imageMode().channels() > 0 ? options.imageMode().channels() : 4;
                long elements = Math.multiplyExact(Math.multiplyExact((long) w, h), (long) channels);
                if (elements > options.maxElementsPerRecord()) {
                    throw DatasetException.badFile(source, "a " + w + "x" + h + " image has up to " + elements
                            + " elements, more than the limit of " + options.maxElementsPerRecord()
                            + " per record (" + options.maxElementsHint() + ")", null);
                }
                BufferedImage img = reader.read(0);
                return stored(img);
            } finally {
                reader.dispose();
            }
        } catch (DatasetException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw DatasetException.badFile(source, "corrupt or unreadable image: " + e, e);
        }
    }

    static Stored stored(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        ColorModel cm = img.getColorModel();
        int space = cm.getColorSpace().getType();
        boolean plain = (cm instanceof ComponentColorModel || cm instanceof DirectColorModel)
                && (space == ColorSpace.TYPE_GRAY || space == ColorSpace.TYPE_RGB)
                && cm.getColorSpace().isCS_sRGB() == (space == ColorSpace.TYPE_RGB)
                && sameBits(cm);
        if (plain) {
            Raster raster = img.getRaster();
            int channels = raster.getNumBands();
            float[] out = new float[w * h * channels];
            int[] row = new int[w * channels];
            for (int y = 0; y < h; y++) {
                raster.getPixels(0, y, w, 1, row);
                int base = y * w * channels;
                for (int i = 0; i < row.length; i++) {
                    out[base + i] = row[i];
                }
            }
            return new Stored(h, w, channels, out, (float) ((1 << cm.getComponentSize(0)) - 1));
        }
        // Palette, packed low-bit or other colour spaces: through 8-bit sRGB.
        boolean alpha = cm.hasAlpha();
        int channels = alpha ? 4 : 3;
        float[] out = new float[w * h * channels];
        int[] argb = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, argb, 0, w);
            for (int x = 0; x < w; x++) {
                int p = argb[x];
                int o = (y * w + x) * channels;
                out[o] = (p >>> 16) & 0xFF;
                out[o + 1] = (p >>> 8) & 0xFF;
                out[o + 2] = p & 0xFF;
                if (alpha) {
                    out[o + 3] = (p >>> 24) & 0xFF;
                }
            }
        }
        return new Stored(h, w, channels, out, 255f);
    }

    private static boolean sameBits(ColorModel cm) {
        int bits = cm.getComponentSize(0);
        if (bits != 8 && bits != 16) {
            return false;
        }
        for (int i = 1; i < cm.getNumComponents(); i++) {
            if (cm.getComponentSize(i) != bits) {
                return false;
            }
        }
        return true;
    }

    static float[] convert(Stored s, ReadOptions options, int[] shapeOut) {
        ImageMode mode = options.imageMode();
        int stored = s.channels;
        boolean storedColor = stored >= 3;
        boolean storedAlpha = stored == 2 || stored == 4;
        int outChannels = mode == ImageMode.AS_STORED ? stored : mode.channels();
        boolean bgr = options.channelOrder() == ChannelOrder.BGR;
        float scale = options.pixelScale() == PixelScale.UNIT ? 1f / s.maxValue : 1f;
        boolean last = options.dataFormat() == DataFormat.CHANNELS_LAST;
        int pixels = s.height * s.width;
        float[] out = new float[pixels * outChannels];
        float[] px = new float[4];
        for (int p = 0; p < pixels; p++) {
            int i = p * stored;
            float r;
            float g;
            float b;
            if (storedColor) {
                r = s.samples[i];
                g = s.samples[i + 1];
                b = s.samples[i + 2];
            } else {
                r = s.samples[i];
                g = r;
                b = r;
            }
            float a = storedAlpha ? s.samples[i + stored - 1] : s.maxValue;
            int n;
            if (outChannels == 1 || outChannels == 2) {
                px[0] = storedColor ? (float) (0.299 * r + 0.587 * g + 0.114 * b) : r;
                px[1] = a;
                n = outChannels;
            } else {
                px[0] = bgr ? b : r;
                px[1] = g;
                px[2] = bgr ? r : b;
                px[3] = a;
                n = outChannels;
            }
            for (int c = 0; c < n; c++) {
                out[last ? p * n + c : c * pixels + p] = px[c] * scale;
            }
        }
        if (last) {
            shapeOut[0] = s.height;
            shapeOut[1] = s.width;
            shapeOut[2] = outChannels;
        } else {
            shapeOut[0] = outChannels;
            shapeOut[1] = s.height;
            shapeOut[2] = s.width;
        }
        return out;
    }

    /** Reads the image files of a split one after another. */
    public static RecordCursor open(DatasetSplit split, ReadOptions options) {
        List<String> files = split.files();
        return new RecordCursor() {
            private int next;

            @Override
            public ImageRecord next() {
                if (next >= files.size()) {
                    return null;
                }
                int i = next++;
                String file = files.get(i);
                byte[] bytes = readFile(file);
                int[] shape = new int[3];
                float[] data = decode(bytes, file, options, shape);
                return new ImageRecord(file, 0, split.ordinalBase() + i, ImageRecord.NO_LABEL, shape, data);
            }

            @Override
            public void close() {
            }
        };
    }

    static byte[] readFile(String file) {
        try (SeekableInput in = InputFiles.open(file)) {
            long size = in.size();
            if (size > MAX_FILE_BYTES) {
                throw DatasetException.badFile(file, "image file of " + size + " bytes exceeds the "
                        + MAX_FILE_BYTES + "-byte limit", null);
            }
            if (size == 0) {
                throw DatasetException.badFile(file, "empty file", null);
            }
            byte[] b = new byte[(int) size];
            in.readFully(0, b, 0, b.length);
            return b;
        } catch (IOException e) {
            throw DatasetException.badFile(file, "cannot read: " + e, e);
        }
    }
}
