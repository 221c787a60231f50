package io.sparkconv.core.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Picks the convolution kernel once per JVM, in the manner of Lucene's vectorization provider: the vector
 * kernel at the CPU's preferred width when the module {@code jdk.incubator.vector} is in the boot layer, else
 * the scalar kernel (plain Java, auto-vectorized by C2) with one warning naming the JVM flag. The system
 * property {@code sparkconv.kernel} forces a choice: {@code scalar}, {@code vector} (preferred width) or
 * {@code vector-64|128|256|512} (forcing a vector kernel without the module is an error), optionally with
 * {@code -r16}: register blocks sized for 16 vector registers instead of 32 ({@code -r32}, the default). A forced
 * name is exactly the kernel of that {@link ConvKernel#name()}; only {@code vector} and the automatic choice
 * follow the CPU's registers (16 on x86 without AVX-512, where blocks sized for 32 would spill, else 32). Vector classes are only loaded,
 * reflectively and one copy per width and register count ({@link SpeciesClassLoader}), after the module was
 * found, so this class links on any JVM. Which path a layer then runs is decided per geometry by {@link ConvPath}.
 */
public final class KernelProvider {

    /** System property that forces the kernel: {@code scalar}, {@code vector} or {@code vector-BITS}. */
    public static final String PROPERTY = "sparkconv.kernel";
    /** The JVM flag that makes the Vector API available. */
    public static final String VECTOR_FLAG = "--add-modules jdk.incubator.vector";
    /** Every vector width the kernel supports, in bits. */
    public static final List<Integer> VECTOR_BITS = List.of(64, 128, 256, 512);
    /** Every register count the register blocks are sized for. */
    public static final List<Integer> VECTOR_REGISTERS = List.of(32, 16);

    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_CLASS = SpeciesClassLoader.PACKAGE + ".VectorConvKernel";
    private static final System.Logger LOG = System.getLogger(KernelProvider.class.getName());
    private static final ConcurrentHashMap<List<Integer>, ConvKernel> BY_WIDTH = new ConcurrentHashMap<>();

    private KernelProvider() {
    }

    /** The kernel chosen for this JVM (decided and logged on first use). */
    public static ConvKernel get() {
        return Holder.CHOSEN;
    }

    /** The scalar kernel: plain Java, the fallback without the Vector API. */
    public static ConvKernel scalar() {
        return Holder.SCALAR;
    }

    /** The scalar kernel and the vector kernel at the preferred width, when this JVM can run it. */
    public static List<ConvKernel> available() {
        return Holder.PREFERRED.isPresent() ? List.of(Holder.SCALAR, Holder.PREFERRED.get()) : List.of(Holder.SCALAR);
    }

    /**
     * The scalar kernel and, with the module, the vector kernel at every width and register count (what the
     * tests cover).
     */
    public static List<ConvKernel> everyWidth() {
        List<ConvKernel> all = new ArrayList<>(List.of(Holder.SCALAR));
        if (vectorModulePresent()) {
            VECTOR_REGISTERS.forEach(registers -> VECTOR_BITS.forEach(bits -> all.add(vector(bits, registers))));
        }
        return all;
    }

    /** Whether the module {@code jdk.incubator.vector} is in the boot layer. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** The vector kernel at the CPU's preferred width, when this JVM can run it. */
    public static Optional<ConvKernel> vector() {
        return Holder.PREFERRED;
    }

    /**
     * The vector kernel at {@code bits} (64, 128, 256 or 512), whatever the CPU: the Vector API computes any
     * width correctly, natively up to the CPU's largest and emulated beyond it. Its register blocks are sized
     * for the CPU's vector registers.
     */
    public static ConvKernel vector(int bits) {
        return vector(bits, Cpu.vectorRegisters());
    }

    /**
     * The widest vector, in bits, that this CPU runs natively (the Vector API's preferred shape, 64 to 512); wider
     * species are emulated in Java, correct but allocating. Needs the vector module.
     */
    public static int nativeBits() {
        return PreferredWidth.bits();
    }

    /** The vector kernel at {@code bits} with register blocks sized for {@code registers} (16 or 32). */
    public static ConvKernel vector(int bits, int registers) {
        if (!VECTOR_BITS.contains(bits)) {
            throw new IllegalArgumentException("vector width " + bits + " bits: expected one of " + VECTOR_BITS);
        }
        if (!VECTOR_REGISTERS.contains(registers)) {
            throw new IllegalArgumentException(registers + " vector registers: expected one of " + VECTOR_REGISTERS);
        }
        if (!vectorModulePresent()) {
            throw new IllegalStateException("the vector kernel needs the module " + VECTOR_MODULE
                    + ", which this JVM does not have: start it with " + VECTOR_FLAG);
        }
        return BY_WIDTH.computeIfAbsent(List.of(bits, registers), key -> loadVector(key.get(0), key.get(1)));
    }

    /**
     * The kernel a name asks for: {@code scalar}, {@code vector} (the preferred width) or {@code vector-BITS}
     * (the values of {@link #PROPERTY}); {@code what} names the setting in the error of an unknown name.
     */
    public static ConvKernel named(String name, String what) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        if (wanted.equals("scalar")) {
            return scalar();
        }
        if (wanted.equals("vector") || wanted.startsWith("vector-")) {
            int[] form = wanted.equals("vector") ? new int[] {0, 0} : widthOf(name, what, wanted);   // named first
            if (!vectorModulePresent()) {
                throw noVectorModule(what, name);
            }
            if (form[0] == 0) {
                return vector(PreferredWidth.bits());
            }
            return vector(form[0], form[1] == 0 ? 32 : form[1]);
        }
        throw new IllegalArgumentException(what + "=" + name + " is not a kernel: expected \"scalar\", \"vector\" "
                + "or \"vector-BITS[-rREGISTERS]\" with BITS one of " + VECTOR_BITS + " and REGISTERS one of "
                + VECTOR_REGISTERS);
    }

    /** Chooses a kernel from the {@link #PROPERTY} value (null when unset); visible for tests. */
    static ConvKernel choose(String forced, ConvKernel scalar, Optional<ConvKernel> preferred) {
        if (forced != null && !forced.isBlank()) {
            String wanted = forced.trim().toLowerCase(Locale.ROOT);
            ConvKernel kernel;
            if (wanted.equals("scalar")) {
                kernel = scalar;
            } else if (wanted.startsWith("vector") && preferred.isEmpty()) {
                throw noVectorModule("-D" + PROPERTY, forced);
            } else {
                kernel = wanted.equals("vector") ? preferred.get() : named(forced, "-D" + PROPERTY);
            }
            LOG.log(System.Logger.Level.INFO, "sparkconv convolution kernel: " + kernel.name() + " (forced by -D"
                    + PROPERTY + "=" + forced.trim() + ")");
            return kernel;
        }
        if (preferred.isPresent()) {
            LOG.log(System.Logger.Level.INFO, "sparkconv convolution kernel: " + preferred.get().name());
            return preferred.get();
        }
        LOG.log(System.Logger.Level.WARNING, "sparkconv convolution kernel: scalar. The Vector API module "
                + VECTOR_MODULE + " is not available; add the JVM flag " + VECTOR_FLAG
                + " for the faster vectorized kernel");
        return scalar;
    }

    private static IllegalStateException noVectorModule(String what, String name) {
        return new IllegalStateException(what + "=" + name + " needs the Vector API, but the module " + VECTOR_MODULE
                + " is not available in this JVM: start it with " + VECTOR_FLAG);
    }

    /** {bits, registers (0: not given)} of "vector-BITS[-rREGISTERS]". */
    private static int[] widthOf(String forced, String what, String wanted) {
        String[] parts = wanted.substring("vector-".length()).split("-r", -1);
        try {
            int bits = Integer.parseInt(parts[0]);
            int registers = parts.length == 2 ? Integer.parseInt(parts[1]) : 0;
            if (parts.length <= 2 && VECTOR_BITS.contains(bits)
                    && (registers == 0 || VECTOR_REGISTERS.contains(registers))) {
                return new int[] {bits, registers};
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(what + "=" + forced + " is not a vector kernel: expected "
                + "vector-BITS[-rREGISTERS] with BITS one of " + VECTOR_BITS + " and REGISTERS one of "
                + VECTOR_REGISTERS);
    }

    private static Optional<ConvKernel> loadPreferred() {
        return vectorModulePresent() ? Optional.of(vector(PreferredWidth.bits())) : Optional.empty();
    }

    private static ConvKernel loadVector(int bits, int registers) {
        try {
            ClassLoader loader = new SpeciesClassLoader(bits, registers, KernelProvider.class.getClassLoader());
            Class<?> type = Class.forName(VECTOR_CLASS, true, loader);
            return (ConvKernel) MethodHandles.publicLookup()
                    .findConstructor(type, MethodType.methodType(void.class)).invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create the " + bits + "-bit vector kernel", e);
        }
    }

    /** What the CPU offers the register blocks. */
    static final class Cpu {
        private Cpu() {
        }

        /**
         * 16 on x86 without AVX-512 (AVX2 and SSE have 16 vector registers; the JVM's widest vector there is
         * at most 256 bits, also under {@code -XX:UseAVX=2}), else 32 (AVX-512, ARM NEON and SVE).
         */
        static int vectorRegisters() {
            String arch = System.getProperty("os.arch", "");
            boolean x86 = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86") || arch.equals("i386");
            return x86 && PreferredWidth.bits() <= 256 ? 16 : 32;
        }
    }

    /** The CPU's preferred vector width, asked of the Vector API reflectively (this class links without it). */
    private static final class PreferredWidth {
        static int bits() {
            try {
                Class<?> shape = Class.forName("jdk.incubator.vector.VectorShape");
                Object preferred = shape.getMethod("preferredShape").invoke(null);
                int bits = (int) shape.getMethod("vectorBitSize").invoke(preferred);
                // Scalable vectors (ARM SVE) may be wider than the widest width the kernel is tested at.
                return Math.max(64, Math.min(512, bits));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot ask the Vector API for the preferred vector width", e);
            }
        }
    }

    /** Lazy holder: the choice is made (and logged) once, on first use, without class-loading deadlocks. */
    private static final class Holder {
        static final ConvKernel SCALAR = new ScalarConvKernel();
        static final Optional<ConvKernel> PREFERRED = loadPreferred();
        static final ConvKernel CHOSEN = choose(System.getProperty(PROPERTY), SCALAR, PREFERRED);
    }
}
