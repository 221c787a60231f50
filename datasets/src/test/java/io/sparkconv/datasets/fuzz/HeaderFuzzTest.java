package io.sparkconv.datasets.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;

/**
 * Jazzer fuzz tests of the binary header parsers (NPY, NPZ, IDX, CIFAR): for any bytes, only
 * {@link io.sparkconv.datasets.DatasetException} may come out (see {@link Parsers}).
 *
 * <p>In the normal test run (no {@code JAZZER_FUZZ}) each test runs its seed corpus under
 * {@code src/test/resources/io/sparkconv/datasets/fuzz/HeaderFuzzTestInputs/<test>/}. To fuzz for longer:
 * {@code JAZZER_FUZZ=1 mvn -o -pl datasets -am test -Dtest=HeaderFuzzTest#npy -Djazzer.max_duration=10m}
 * (Jazzer fuzzes one test per run; findings are written into the inputs directory as new regression seeds).
 */
class HeaderFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void npy(byte[] data) throws IOException {
        Parsers.npy(data);
    }

    @FuzzTest(maxDuration = "30s")
    void npz(byte[] data) {
        Parsers.npz(data);
    }

    @FuzzTest(maxDuration = "30s")
    void idx(byte[] data) {
        Parsers.idx(data);
    }

    @FuzzTest(maxDuration = "30s")
    void cifar(FuzzedDataProvider input) {
        boolean hundred = input.consumeBoolean();
        Parsers.cifar(input.consumeRemainingAsBytes(), hundred);
    }
}
