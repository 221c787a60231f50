package io.sparkconv.core.kernel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Picks the convolution kernel once per JVM, in the manner of Lucene's vectorization provider: the vectorized
 * kernel when the module {@code jdk.incubator.vector} is in the boot layer, else the scalar kernel (plain Java,
 * auto-vectorized by C2) with one warning naming the JVM flag. The system property {@code sparkconv.kernel=scalar|vector} forces a choice
 * (forcing {@code vector} without the module is an error). The vector class is only loaded, reflectively,
 * after the module was found, so this class links on any JVM.
 */
public final class KernelProvider {

    /** System property that forces the kernel: {@code scalar} or {@code vector}. */
    public static final String PROPERTY = "sparkconv.kernel";
    /** The JVM flag that makes the Vector API available. */
    public static final String VECTOR_FLAG = "--add-modules jdk.incubator.vector";

    static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_CLASS = "io.sparkconv.core.kernel.vector.VectorConvKernel";
    private static final System.Logger LOG = System.getLogger(KernelProvider.class.getName());

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

    /** Every kernel this JVM can run: the scalar one, and the vector one when its module is present. */
    public static List<ConvKernel> available() {
        return Holder.VECTOR.isPresent() ? List.of(Holder.SCALAR, Holder.VECTOR.get()) : List.of(Holder.SCALAR);
    }

    /** Whether the module {@code jdk.incubator.vector} is in the boot layer. */
    public static boolean vectorModulePresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** The vectorized kernel, when this JVM can run it. */
    public static Optional<ConvKernel> vector() {
        return Holder.VECTOR;
    }

    /** Chooses a kernel from the {@link #PROPERTY} value (null when unset); visible for tests. */
    static ConvKernel choose(String forced, ConvKernel scalar, Optional<ConvKernel> vector) {
        String wanted = forced == null ? "" : forced.trim().toLowerCase(Locale.ROOT);
        switch (wanted) {
            case "scalar":
                LOG.log(System.Logger.Level.INFO, "sparkconv convolution kernel: scalar (forced by -D"
                        + PROPERTY + "=scalar)");
                return scalar;
            case "vector":
                if (vector.isEmpty()) {
                    throw new IllegalStateException("-D" + PROPERTY + "=vector needs the Vector API, but the module "
                            + VECTOR_MODULE + " is not available in this JVM: start it with " + VECTOR_FLAG);
                }
                LOG.log(System.Logger.Level.INFO, "sparkconv convolution kernel: " + vector.get().name()
                        + " (forced by -D" + PROPERTY + "=vector)");
                return vector.get();
            case "":
                if (vector.isPresent()) {
                    LOG.log(System.Logger.Level.INFO, "sparkconv convolution kernel: " + vector.get().name());
                    return vector.get();
                }
                LOG.log(System.Logger.Level.WARNING, "sparkconv convolution kernel: scalar. The Vector API module "
                        + VECTOR_MODULE + " is not available; add the JVM flag " + VECTOR_FLAG
                        + " for the faster vectorized kernel");
                return scalar;
            default:
                throw new IllegalArgumentException("-D" + PROPERTY + "=" + forced
                        + " is not a kernel: expected \"scalar\" or \"vector\"");
        }
    }

    private static Optional<ConvKernel> loadVector() {
        if (!vectorModulePresent()) {
            return Optional.empty();
        }
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            Class<?> type = lookup.findClass(VECTOR_CLASS);
            return Optional.of((ConvKernel) lookup.findConstructor(type, MethodType.methodType(void.class))
                    .invoke());
        } catch (UnsupportedOperationException e) {
            // e.g. the preferred vector shape is too small to pay off on this CPU
            LOG.log(System.Logger.Level.WARNING, "sparkconv: vectorized kernel not usable: " + e.getMessage());
            return Optional.empty();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create " + VECTOR_CLASS, e);
        }
    }

    /** Lazy holder: the choice is made (and logged) once, on first use, without class-loading deadlocks. */
    private static final class Holder {
        static final ConvKernel SCALAR = new ScalarConvKernel();
        static final Optional<ConvKernel> VECTOR = loadVector();
        static final ConvKernel CHOSEN = choose(System.getProperty(PROPERTY), SCALAR, VECTOR);
    }
}
