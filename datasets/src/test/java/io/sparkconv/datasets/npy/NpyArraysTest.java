package io.sparkconv.datasets.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.PythonNumpy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole NPY arrays (weights, one batch) read against files NumPy wrote, in every layout the reader handles. */
class NpyArraysTest {
    @TempDir
    Path dir;

    /** NumPy writes each array and, beside it, the same values as little-endian float32 C order in a .raw file. */
    private static final String SCRIPT = String.join("\n",
            "import numpy as np",
            "rng = np.random.default_rng(7)",
            "def save(name, a):",
            "    np.save(name + '.npy', a)",
            "    np.ascontiguousarray(a, dtype='<f4').tofile(name + '.raw')",
            "    open(name + '.shape', 'w').write(','.join(str(d) for d in a.shape))",
            "save('kernel_f4', rng.standard_normal((3, 5, 2, 4)).astype('<f4'))",
            "save('fortran_f8', np.asfortranarray(rng.standard_normal((4, 3, 5))))",
            "save('big_endian', rng.standard_normal(7).astype('>f4'))",
            "save('int16', rng.integers(-300, 300, size=(6, 2)).astype('<i2'))",
            "save('fortran_u1', np.asfortranarray(rng.integers(0, 255, size=(2, 3, 4, 5)).astype('u1')))",
            "");

    private void assertReadsLikeNumpy(String name) throws IOException {
        FloatTensor t = NpyArrays.read(dir.resolve(name + ".npy").toString());
        int[] shape = Arrays.stream(Files.readString(dir.resolve(name + ".shape")).split(","))
                .mapToInt(Integer::parseInt).toArray();
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(name + ".raw"))).order(ByteOrder.LITTLE_ENDIAN);
        float[] expected = new float[raw.remaining() / 4];
        raw.asFloatBuffer().get(expected);
        assertArrayEquals(shape, t.shape(), name);
        assertArrayEquals(expected, t.data(), 0f, name);
    }

    @Test
    void readsEveryLayoutAndTypeAsNumpyWroteIt() throws Exception {
        PythonNumpy.run(dir, SCRIPT);
        for (String name : new String[] {"kernel_f4", "fortran_f8", "big_endian", "int16", "fortran_u1"}) {
            assertReadsLikeNumpy(name);
        }
    }

    @Test
    void badFilesAreRefusedWithTheFileNamed() throws IOException {
        Path truncated = dir.resolve("truncated.npy");
        NpyWriter.write(truncated, new int[] {4, 4}, new float[16]);
        byte[] all = Files.readAllBytes(truncated);
        Files.write(truncated, Arrays.copyOf(all, all.length - 8));
        DatasetException e = assertThrows(DatasetException.class, () -> NpyArrays.read(truncated.toString()));
        assertTrue(e.getMessage().startsWith(truncated + ": truncated"), e.getMessage());

        Path big = dir.resolve("big.npy");
        NpyWriter.write(big, new int[] {10, 10}, new float[100]);
        DatasetException limit = assertThrows(DatasetException.class, () -> NpyArrays.read(big.toString(), 99));
        assertTrue(limit.getMessage().contains("100 elements, more than the limit of 99"), limit.getMessage());

        Path text = Files.writeString(dir.resolve("text.npy"), "not a numpy file at all");
        DatasetException magic = assertThrows(DatasetException.class, () -> NpyArrays.read(text.toString()));
        assertTrue(magic.getMessage().contains("wrong magic"), magic.getMessage());
    }
}
