package io.sparkconv.datasets.fuzz;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bounded, deterministic mutation run over the fuzz seeds, part of every test run (Jazzer's own fuzzing
 * needs {@code JAZZER_FUZZ=1}): thousands of corrupted headers per parser, each must end in a
 * DatasetException or a clean read, within the time limit, allocating at most 32 MiB for one input.
 */
class MutationSmokeTest {
    private static final int MUTANTS_PER_SEED = 1000;
    private static final long MAX_ALLOCATION = 32L << 20;

    interface Target {
        int parse(byte[] data) throws IOException;
    }

    static byte[] seed(String test, String name) throws IOException {
        String path = "/io/sparkconv/datasets/fuzz/HeaderFuzzTestInputs/" + test + "/" + name;
        try (InputStream in = MutationSmokeTest.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("missing seed " + path);
            }
            return in.readAllBytes();
        }
    }

    static byte[] mutate(byte[] seed, Random r) {
        byte[] b = seed.clone();
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits && b.length > 0; e++) {
            // headers live at the start: aim most edits there
            int pos = r.nextInt(4) == 0 ? r.nextInt(b.length) : r.nextInt(Math.min(b.length, 80));
            switch (r.nextInt(6)) {
                case 0:
                    b[pos] ^= (byte) (1 << r.nextInt(8));
                    break;
                case 1:
                    b[pos] = (byte) new int[] {0, 0xFF, 0x7F, 0x80, '9', ')', '\'', ',', '-'}[r.nextInt(9)];
                    break;
                case 2:
                    b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1));
                    break;
                case 3: {
                    byte[] longer = new byte[b.length + 1 + r.nextInt(8)];
                    System.arraycopy(b, 0, longer, 0, pos);
                    System.arraycopy(b, pos, longer, longer.length - (b.length - pos), b.length - pos);
                    for (int i = pos; i < longer.length - (b.length - pos); i++) {
                        longer[i] = (byte) ('0' + r.nextInt(10));
                    }
                    b = longer;
                    break;
                }
                case 4:
                    b[pos] = (byte) r.nextInt(256);
                    break;
                default:
                    if (pos + 4 <= b.length) {
                        int v = r.nextBoolean() ? Integer.MAX_VALUE : -1 - r.nextInt(3);
                        b[pos] = (byte) (v >>> 24);
                        b[pos + 1] = (byte) (v >>> 16);
                        b[pos + 2] = (byte) (v >>> 8);
                        b[pos + 3] = (byte) v;
                    }
                    break;
            }
        }
        return b;
    }

    private static void run(String test, String[] seeds, int[] seedRecords, Target target) throws IOException {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Random random = new Random(test.hashCode());
        for (int s = 0; s < seeds.length; s++) {
            byte[] seed = seed(test, seeds[s]);
            assertEquals(seedRecords[s], target.parse(seed), "the unmodified seed " + seeds[s] + " reads");
            for (int i = 0; i < MUTANTS_PER_SEED; i++) {
                byte[] mutant = mutate(seed, random);
                long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
                target.parse(mutant);
                long allocated = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
                assertTrue(allocated < MAX_ALLOCATION, test + " mutant " + i + " of " + seeds[s] + " allocated "
                        + allocated + " bytes");
            }
        }
    }

    @Test
    void npy() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run("npy",
                new String[] {"c_f4_v1", "fortran_be_f8", "v2_u1", "v3_i2_hw"}, new int[] {2, 3, 1, 1}, Parsers::npy));
    }

    @Test
    void npz() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run("npz", new String[] {"stored", "deflated"},
                new int[] {4, 4}, Parsers::npz));
    }

    @Test
    void idx() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run("idx", new String[] {"plain", "gz", "float4d"},
                new int[] {2, 2, 1}, Parsers::idx));
    }

    @Test
    void cifar() {
        // the seeds carry one trailing byte for Jazzer's FuzzedDataProvider (the CIFAR-100 flag): strip it here
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            run("cifar", new String[] {"two10"}, new int[] {2},
                    d -> Parsers.cifar(java.util.Arrays.copyOf(d, Math.max(0, d.length - 1)), false));
            run("cifar", new String[] {"one100"}, new int[] {1},
                    d -> Parsers.cifar(java.util.Arrays.copyOf(d, Math.max(0, d.length - 1)), true));
        });
    }
}
