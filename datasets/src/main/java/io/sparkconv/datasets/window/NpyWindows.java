package io.sparkconv.datasets.window;

import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.io.InputFiles;
import io.sparkconv.datasets.io.SeekableInput;
import io.sparkconv.datasets.npy.NpyHeader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Windows of a C-order {@code .npy} of shape (H, W, C), (1, H, W, C) or (H, W) (one channel), any dtype the
 * datasets reader knows (converted to float32). Each window row is one positioned read of
 * {@code cols * C} elements, so a window costs its own bytes only.
 */
final class NpyWindows implements ImageWindows {
    private final ImageInfo info;
    private final NpyHeader header;
    private final SeekableInput input;
    private byte[] rowBytes = new byte[0];

    private NpyWindows(ImageInfo info, NpyHeader header, SeekableInput input) {
        this.info = info;
        this.header = header;
        this.input = input;
    }

    static NpyWindows open(String path) throws IOException {
        SeekableInput input = InputFiles.open(path);
        try {
            NpyHeader header;
            try (InputStream in = input.streamFrom(0)) {
                header = NpyHeader.read(in, path);
            }
            ImageInfo info = describe(path, header);
            long needed = header.dataOffset() + header.dataBytes();
            long size = input.size();
            if (size < needed) {
                throw DatasetException.file(path, "the file is " + size + " bytes but its header "
                        + Arrays.toString(header.shape()) + " " + header.descr() + " needs " + needed
                        + ": truncated");
            }
            return new NpyWindows(info, header, input);
        } catch (RuntimeException | IOException e) {
            input.close();
            throw e;
        }
    }

    private static ImageInfo describe(String path, NpyHeader h) {
        long[] s = h.shape();
        if (h.fortranOrder()) {
            throw DatasetException.file(path, "Fortran-order NPY " + Arrays.toString(s) + " cannot be read by "
                    + "windows: expected C order (save it with np.ascontiguousarray)");
        }
        long height;
        long width;
        long channels;
        if (s.length == 2) {
            height = s[0];
            width = s[1];
            channels = 1;
        } else if (s.length == 3) {
            height = s[0];
            width = s[1];
            channels = s[2];
        } else if (s.length == 4 && s[0] == 1) {
            height = s[1];
            width = s[2];
            channels = s[3];
        } else {
            throw DatasetException.file(path, "shape " + Arrays.toString(s) + " is not one image: expected "
                    + "(H, W, C), (1, H, W, C) or (H, W)");
        }
        if (height < 1 || width < 1 || channels < 1 || height > Integer.MAX_VALUE || width > Integer.MAX_VALUE
                || channels > 65535) {
            throw DatasetException.file(path, "shape " + Arrays.toString(s) + ": expected positive height and "
                    + "width below 2^31 and 1..65535 channels");
        }
        return new ImageInfo(path, WindowFormat.NPY, (int) height, (int) width, (int) channels);
    }

    @Override
    public ImageInfo info() {
        return info;
    }

    @Override
    public void read(int row, int col, int rows, int cols, float[] dst, int dstOffset, int dstRowStride)
            throws IOException {
        WindowedImages.checkRegion(info, row, col, rows, cols);
        int c = info.channels();
        int elementSize = header.type().size();
        int count = Math.multiplyExact(cols, c);
        int bytes = Math.multiplyExact(count, elementSize);
        if (rowBytes.length < bytes) {
            rowBytes = new byte[bytes];
        }
        for (int r = 0; r < rows; r++) {
            long position = header.dataOffset()
                    + (((long) (row + r) * info.width() + col) * c) * elementSize;
            try {
                input.readFully(position, rowBytes, 0, bytes);
            } catch (EOFException e) {
                throw new EOFException(info.path() + ": file ends before image row " + (row + r));
            }
            header.type().toFloats(rowBytes, 0, header.order(), dst, dstOffset + r * dstRowStride, count);
        }
    }

    @Override
    public void close() throws IOException {
        input.close();
    }
}
