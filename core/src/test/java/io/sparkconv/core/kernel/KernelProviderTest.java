package io.sparkconv.core.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs in both surefire executions: with the Vector API module (the default one) and without it
 * ({@code scalar-fallback}, which sets {@code sparkconv.expectVectorModule=false}).
 */
@Tag("kernel")
class KernelProviderTest {

    private static boolean vectorExpected() {
        return !"false".equals(System.getProperty("sparkconv.expectVectorModule"));
    }

    @Test
    void choosesTheVectorKernelExactlyWhenTheModuleIsInTheBootLayer() {
        boolean expected = vectorExpected();
        assertEquals(expected, KernelProvider.vectorModulePresent(), "module jdk.incubator.vector present");
        // The CPU's preferred width; on x86 below 512 bits (AVX2: 16 registers) with blocks for 16 registers.
        int bits = expected ? jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize() : 0;
        boolean x86 = List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
        String preferred = !expected ? "scalar" : "vector-" + bits + (x86 && bits < 512 ? "-r16" : "");
        assertEquals(preferred, KernelProvider.get().name(), "chosen kernel");
        assertEquals(expected ? List.of("scalar", preferred) : List.of("scalar"),
                KernelProvider.available().stream().map(ConvKernel::name).toList());
        assertEquals(expected, KernelProvider.vector().isPresent());
        assertSame(KernelProvider.get(), KernelProvider.get(), "chosen once");
    }

    @Test
    void thePropertyForcesEitherKernel() {
        ConvKernel scalar = KernelProvider.scalar();
        ConvKernel fakeVector = new ScalarConvKernel();
        assertSame(scalar, KernelProvider.choose("scalar", scalar, Optional.of(fakeVector)));
        assertSame(scalar, KernelProvider.choose(" Scalar ", scalar, Optional.of(fakeVector)));
        assertSame(fakeVector, KernelProvider.choose("vector", scalar, Optional.of(fakeVector)));
        assertSame(fakeVector, KernelProvider.choose(null, scalar, Optional.of(fakeVector)));
        assertSame(scalar, KernelProvider.choose(null, scalar, Optional.empty()));
    }

    @Test
    void forcingVectorWithoutTheModuleFailsNamingTheFlag() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KernelProvider.choose("vector", KernelProvider.scalar(), Optional.empty()));
        assertTrue(e.getMessage().contains("--add-modules jdk.incubator.vector"), e.getMessage());
        assertTrue(e.getMessage().contains("sparkconv.kernel=vector"), e.getMessage());
    }

    @Test
    void anUnknownKernelNameIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelProvider.choose("simd", KernelProvider.scalar(), Optional.empty()));
        assertTrue(e.getMessage().contains("sparkconv.kernel=simd"), e.getMessage());
        assertTrue(e.getMessage().contains("\"scalar\", \"vector\" or \"vector-BITS[-rREGISTERS]\""), e.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> KernelProvider.choose("vector-100", KernelProvider.scalar(), Optional.of(new ScalarConvKernel())));
        assertTrue(width.getMessage().contains("sparkconv.kernel=vector-100") && width.getMessage().contains("[64, 128, 256, 512]"),
                width.getMessage());
    }

    @Test
    void everyWidthIsItsOwnCopyOfTheVectorCode() {
        if (!vectorExpected()) {
            assertEquals(List.of("scalar"), KernelProvider.everyWidth().stream().map(ConvKernel::name).toList());
            assertThrows(IllegalStateException.class, () -> KernelProvider.vector(256));
            return;
        }
        assertEquals(List.of("scalar", "vector-64", "vector-128", "vector-256", "vector-512", "vector-64-r16",
                "vector-128-r16", "vector-256-r16", "vector-512-r16"),
                KernelProvider.everyWidth().stream().map(ConvKernel::name).toList());
        for (int bits : KernelProvider.VECTOR_BITS) {
            ConvKernel kernel = KernelProvider.vector(bits);
            assertEquals(bits / 32, kernel.vectorLanes(), kernel.name());
            assertSame(kernel, KernelProvider.vector(bits), "one kernel per width");
            assertTrue(kernel.getClass().getClassLoader() instanceof SpeciesClassLoader loader && loader.bits() == bits,
                    kernel.name() + " is defined by its own width's loader");
            ConvKernel forced = KernelProvider.choose("vector-" + bits, KernelProvider.scalar(), KernelProvider.vector());
            assertSame(KernelProvider.vector(bits, 32), forced, "-Dsparkconv.kernel=vector-" + bits);
            for (int registers : KernelProvider.VECTOR_REGISTERS) {
                ConvKernel sized = KernelProvider.vector(bits, registers);
                assertTrue(sized.getClass().getClassLoader() instanceof SpeciesClassLoader loader
                        && loader.bits() == bits && loader.registers() == registers, sized.name());
                assertSame(sized, KernelProvider.named("vector-" + bits + "-r" + registers, "test"));
            }
            assertNotSame(KernelProvider.vector(bits, 16), KernelProvider.vector(bits, 32));
        }
        // A forced name is the kernel of that name on every CPU (tests force kernels by name in child JVMs); only
        // the automatic choice follows the CPU's registers: 32 with AVX-512, 16 on AVX2.
        for (ConvKernel k : KernelProvider.everyWidth()) {
            assertSame(k, KernelProvider.named(k.name(), "test"), k.name());
        }
        assertEquals(KernelProvider.Cpu.vectorRegisters(), KernelProvider.vector(256).name().endsWith("-r16") ? 16 : 32);
        assertThrows(IllegalArgumentException.class, () -> KernelProvider.vector(1024));
        assertThrows(IllegalArgumentException.class, () -> KernelProvider.vector(256, 8));
        for (String bad : List.of("vector-256-r8", "vector-256-r", "vector-256-16", "vector-256-r16-r16")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KernelProvider.named(bad, "--conv-kernel"));
            assertTrue(e.getMessage().startsWith("--conv-kernel=" + bad + " is not a vector kernel"), e.getMessage());
        }
    }

    @Test
    void theFallbackWarnsOnceNamingTheFlag() {
        Logger logger = Logger.getLogger(KernelProvider.class.getName());
        List<LogRecord> records = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        try {
            KernelProvider.choose(null, KernelProvider.scalar(), Optional.empty());
        } finally {
            logger.removeHandler(handler);
        }
        List<LogRecord> warnings = records.stream().filter(r -> r.getLevel() == Level.WARNING).toList();
        assertEquals(1, warnings.size(), "one warning");
        assertTrue(warnings.get(0).getMessage().contains("--add-modules jdk.incubator.vector"),
                warnings.get(0).getMessage());
    }
}
