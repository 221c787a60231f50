package io.sparkconv.datasets.window;

import com.twelvemonkeys.imageio.plugins.tiff.TIFFImageReaderSpi;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.io.InputFiles;
import io.sparkconv.datasets.io.SeekableInput;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * Windows of classic TIFF files (the JDK's javax.imageio TIFF reader: tiles or strips, uncompressed, LZW, Deflate,
 * PackBits; integer and float samples; only the tiles or strips a source region touches are decoded), of BigTIFF
 * files (tiled or striped: {@link TiffChunkWindows}; striped layouts it does not decode go through TwelveMonkeys
 * ImageIO, as the JDK's reader has no BigTIFF) and of PNG/JPEG/BMP/GIF (javax.imageio, up to a pixel limit).
 * Samples are the stored values as floats (0..255 for 8-bit, 0..65535 for 16-bit, the floats themselves for float
 * TIFFs); palette images are expanded to RGB(A).
 */
final class ImageIoWindows implements ImageWindows {
    private final ImageInfo info;
    private final SeekableInput input;
    private final ImageInputStream stream;
    private final ImageReader reader;
    private final boolean indexed;
    /** Read through readRaster (TwelveMonkeys, BigTIFF) rather than read (the JDK's readers). */
    private final boolean rasters;

    private ImageIoWindows(ImageInfo info, SeekableInput input, ImageInputStream stream, ImageReader reader,
                           boolean indexed, boolean rasters) {
        this.info = info;
        this.input = input;
        this.stream = stream;
        this.reader = reader;
        this.indexed = indexed;
        this.rasters = rasters;
    }

    /** Bytes 2-3 of the header: 42 for classic TIFF, 43 for BigTIFF (in the byte order of bytes 0-1). */
    private static boolean isBigTiff(SeekableInput input, String path) throws IOException {
        byte[] head = new byte[4];
        if (input.size() < 8) {
            throw DatasetException.file(path, "not a TIFF file: " + input.size() + " bytes, shorter than a header");
        }
        input.readFully(0, head, 0, 4);
        boolean little = head[0] == 'I' && head[1] == 'I';
        boolean big = head[0] == 'M' && head[1] == 'M';
        int version = little ? (head[2] & 0xFF) | (head[3] & 0xFF) << 8 : (head[2] & 0xFF) << 8 | (head[3] & 0xFF);
        if ((!little && !big) || (version != 42 && version != 43)) {
            throw DatasetException.file(path, "not a TIFF file: expected II or MM then 42 (TIFF) or 43 (BigTIFF)");
        }
        return version == 43;
    }

    private static ImageReader jdkTiffReader(String path) {
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("tiff"); it.hasNext(); ) {
            ImageReader r = it.next();
            if (r.getClass().getName().startsWith("com.sun.imageio.plugins.tiff.")) {
                return r;
            }
            r.dispose();
        }
        throw DatasetException.file(path, "this JVM has no javax.imageio TIFF reader (JDK 9 or newer has one)");
    }

    static ImageWindows open(String path, WindowFormat format, long maxDecodedPixels) throws IOException {
        if (format == WindowFormat.TIFF) {
            boolean bigTiff;
            try (SeekableInput head = InputFiles.open(path)) {
                bigTiff = isBigTiff(head, path);
            }
            if (bigTiff) {
                // Tiled or striped BigTIFF by chunks: TwelveMonkeys' region reads fail on tiled float images and
                // decode every chunk above the window (see TiffChunkWindows). It stays the reader of striped
                // layouts TiffChunkWindows does not decode (a palette, separate planes, other compressions).
                TiffChunkWindows chunks = TiffChunkWindows.open(path, format);
                if (chunks != null) {
                    return chunks;
                }
            }
        }
        SeekableInput input = InputFiles.open(path);
        ImageInputStream stream = new SeekableImageInputStream(input);
        ImageReader reader = null;
        try {
            boolean bigTiff = false;
            if (format == WindowFormat.TIFF) {
                bigTiff = isBigTiff(input, path);
                // Classic TIFF: the JDK's reader, whose region reads are right for tiles and strips alike.
                // Striped BigTIFF that TiffChunkWindows does not decode, which the JDK cannot read: TwelveMonkeys',
                // through readRaster (its read() maps float RGB into 0..1).
                reader = bigTiff ? new TIFFImageReaderSpi().createReaderInstance() : jdkTiffReader(path);
            } else {
                Iterator<ImageReader> readers = ImageIO.getImageReaders(stream);
                if (!readers.hasNext()) {
                    throw DatasetException.file(path, "not an image javax.imageio can decode");
                }
                reader = readers.next();
                stream.seek(0);
            }
            reader.setInput(stream, true, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            if (format == WindowFormat.IMAGE && (long) width * height > maxDecodedPixels) {
                throw DatasetException.file(path, width + "x" + height + " = " + (long) width * height
                        + " pixels is more than the " + maxDecodedPixels + " allowed for "
                        + reader.getFormatName() + " (decoded from the start for every window): convert it to "
                        + "NPY or a tiled TIFF, or raise the limit (--max-decoded-pixels)");
            }
            ImageTypeSpecifier type = reader.getRawImageType(0);
            if (type == null) {
                type = reader.getImageTypes(0).next();
            }
            ColorModel cm = type.getColorModel();
            boolean indexed = cm instanceof IndexColorModel;
            int channels = indexed ? (cm.hasAlpha() ? 4 : 3) : type.getSampleModel().getNumBands();
            ImageInfo info = new ImageInfo(path, format, height, width, channels);
            return new ImageIoWindows(info, input, stream, reader, indexed, bigTiff);
        } catch (RuntimeException | IOException e) {
            if (reader != null) {
                reader.dispose();
            }
            stream.close();
            input.close();
            if (e instanceof DatasetException d) {
                throw d;
            }
            throw DatasetException.file(path, "cannot read the " + format.name() + " header: " + e.getMessage(), e);
        }
    }

    @Override
    public ImageInfo info() {
        return info;
    }

    @Override
    public void read(int row, int col, int rows, int cols, float[] dst, int dstOffset, int dstRowStride)
            throws IOException {
        WindowedImages.checkRegion(info, row, col, rows, cols);
        ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceRegion(new Rectangle(col, row, cols, rows));
        Raster raster;
        try {
            if (rasters) {
                raster = reader.readRaster(0, param);
            } else {
                BufferedImage image = reader.read(0, param);   // the JDK's readers have no readRaster
                raster = indexed ? ((IndexColorModel) image.getColorModel()).convertToIntDiscrete(image.getRaster(),
                        image.getColorModel().hasAlpha()).getRaster() : image.getRaster();
            }
        } catch (RuntimeException e) {
            throw new IOException(info.path() + ": cannot decode rows " + row + ".." + (row + rows - 1) + ", cols "
                    + col + ".." + (col + cols - 1) + ": " + e, e);
        }
        if (raster.getWidth() != cols || raster.getHeight() != rows || raster.getNumBands() != info.channels()) {
            throw new IOException(info.path() + ": the decoder returned " + raster.getWidth() + "x"
                    + raster.getHeight() + "x" + raster.getNumBands() + " for a region of " + cols + "x" + rows
                    + "x" + info.channels());
        }
        int x0 = raster.getMinX();
        int y0 = raster.getMinY();
        int values = cols * info.channels();
        float[] line = new float[values];
        for (int r = 0; r < rows; r++) {
            raster.getPixels(x0, y0 + r, cols, 1, line);
            System.arraycopy(line, 0, dst, dstOffset + r * dstRowStride, values);
        }
    }

    @Override
    public void close() throws IOException {
        reader.dispose();
        stream.close();
        input.close();
    }

    /** javax.imageio's stream over a {@link SeekableInput}: local files and Hadoop file systems alike. */
    private static final class SeekableImageInputStream extends ImageInputStreamImpl {
        private final SeekableInput input;
        private final long length;

        SeekableImageInputStream(SeekableInput input) throws IOException {
            this.input = input;
            this.length = input.size();
        }

        @Override
        public int read() throws IOException {
            if (streamPos >= length) {
                return -1;
            }
            byte[] one = new byte[1];
            input.readFully(streamPos, one, 0, 1);
            bitOffset = 0;
            streamPos++;
            return one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (streamPos >= length) {
                return -1;
            }
            int n = (int) Math.min(len, length - streamPos);
            input.readFully(streamPos, b, off, n);
            bitOffset = 0;
            streamPos += n;
            return n;
        }

        @Override
        public long length() {
            return length;
        }
    }
}
