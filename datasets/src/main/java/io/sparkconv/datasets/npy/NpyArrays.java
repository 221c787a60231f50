package io.sparkconv.datasets.npy;

import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.io.InputFiles;
import io.sparkconv.datasets.io.SeekableInput;
import java.io.IOException;
import java.util.Arrays;

/**
 * A whole NPY array of any rank read into one float32 tensor in C order: weights (kernel, bias) and the single
 * batch of {@code sparkconv apply}. Image data for jobs is read by records through {@link NpyFormat} instead.
 * (Added by the spark-job side for its weight files; kept apart from the record readers.)
 */
public final class NpyArrays {
    /** Arrays larger than this many elements are refused before anything is allocated. */
    public static final long DEFAULT_MAX_ELEMENTS = io.sparkconv.core.tensor.WeightLimit.MAX_ELEMENTS;
    private static final int CHUNK_BYTES = 1 << 20;

    private NpyArrays() {
    }

    public static FloatTensor read(String path) {
        return read(path, DEFAULT_MAX_ELEMENTS);
    }

    /** Reads {@code path} whole; every problem is a {@link DatasetException} naming the file. */
    public static FloatTensor read(String path, long maxElements) {
        try (SeekableInput in = InputFiles.open(path)) {
            NpyHeader h = NpyHeader.read(in.streamFrom(0), path);
            long[] dims = h.shape();
            if (dims.length == 0) {
                throw DatasetException.file(path, "an NPY scalar (shape ()) is not an array: expected rank >= 1");
            }
            if (h.elementCount() > maxElements) {
                throw DatasetException.file(path, "array of shape " + Arrays.toString(dims) + " has "
                        + h.elementCount() + " elements, more than the limit of " + maxElements);
            }
            int[] shape = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shape[i] = (int) dims[i]; // each <= elementCount <= maxElements < 2^31
            }
            long available = in.size() - h.dataOffset();
            if (available < h.dataBytes()) {
                throw DatasetException.file(path, "truncated: the header announces " + h.dataBytes()
                        + " data bytes for shape " + Arrays.toString(dims) + " " + h.descr() + " but only "
                        + available + " follow it");
            }
            if (available > h.dataBytes()) {
                // As the job's reader (NpyFormat) refuses it: extra bytes mean the header does not describe the file.
                throw DatasetException.file(path, "the header (" + h + ") describes " + (h.dataOffset()
                        + h.dataBytes()) + " bytes but there are " + in.size() + ": " + (available - h.dataBytes())
                        + " bytes unaccounted for");
            }
            int count = (int) h.elementCount();
            float[] stored = new float[count];
            int elementBytes = h.type().size();
            int perChunk = Math.max(1, CHUNK_BYTES / elementBytes);
            byte[] buffer = new byte[Math.min(count, perChunk) * elementBytes];
            long position = h.dataOffset();
            for (int done = 0; done < count; ) {
                int n = Math.min(perChunk, count - done);
                in.readFully(position, buffer, 0, n * elementBytes);
                h.type().toFloats(buffer, 0, h.order(), stored, done, n);
                position += (long) n * elementBytes;
                done += n;
            }
            float[] data = h.fortranOrder() && shape.length > 1 ? fortranToC(stored, shape) : stored;
            return new FloatTensor(data, shape);
        } catch (IOException e) {
            throw DatasetException.file(path, "cannot read: " + e, e);
        }
    }

    /** The same array in C order: Fortran order varies the first index fastest. */
    static float[] fortranToC(float[] fortran, int[] shape) {
        int rank = shape.length;
        int[] fortranStrides = new int[rank];
        int stride = 1;
        for (int i = 0; i < rank; i++) {
            fortranStrides[i] = stride;
            stride *= shape[i];
        }
        float[] c = new float[fortran.length];
        int[] index = new int[rank];
        int from = 0;
        for (int to = 0; to < c.length; to++) {
            c[to] = fortran[from];
            for (int axis = rank - 1; axis >= 0; axis--) { // advance the C-order index, last axis fastest
                index[axis]++;
                from += fortranStrides[axis];
                if (index[axis] < shape[axis]) {
                    break;
                }
                from -= index[axis] * fortranStrides[axis];
                index[axis] = 0;
            }
        }
        return c;
    }
}
