package io.sparkconv.core.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Loads a private copy of the vector kernel's classes ({@value #PACKAGE}) for one vector width and register
 * count. The Vector
 * API compiles to SIMD instructions only where the JIT sees the species as a constant; the kernel's classes
 * read theirs into a {@code static final} field from the loader that defined them, so each width gets its own
 * constant-folded, separately profiled copy of the same code. That is what lets every width run, fast, in one
 * JVM: the preferred one in production, all of them in the tests. Classes outside the package come from the
 * parent loader, so the copies share {@link ConvKernel}, {@link ConvPlan} and the geometry types.
 */
public final class SpeciesClassLoader extends ClassLoader {

    static final String PACKAGE = "io.sparkconv.core.kernel.vector";

    static {
        registerAsParallelCapable();
    }

    private final int bits;
    private final int registers;

    SpeciesClassLoader(int bits, int registers, ClassLoader parent) {
        super("sparkconv-vector-" + bits + "-r" + registers, parent);
        this.bits = bits;
        this.registers = registers;
    }

    /** The vector width, in bits, of the classes this loader defines. */
    public int bits() {
        return bits;
    }

    /** The vector registers the classes this loader defines size their register blocks for (16 or 32). */
    public int registers() {
        return registers;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!name.startsWith(PACKAGE + ".")) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                c = define(name);
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    private Class<?> define(String name) throws ClassNotFoundException {
        String resource = name.replace('.', '/') + ".class";
        try (InputStream in = getParent().getResourceAsStream(resource)) {
            if (in == null) {
                throw new ClassNotFoundException(name);
            }
            byte[] bytes = in.readAllBytes();
            return defineClass(name, bytes, 0, bytes.length, SpeciesClassLoader.class.getProtectionDomain());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
