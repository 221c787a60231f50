package io.sparkconv.core.kernel.vector;

import io.sparkconv.core.kernel.SpeciesClassLoader;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species and register count of this copy of the kernel's classes: those of the {@link
 * SpeciesClassLoader} that defined them (the CPU's preferred width and 32 registers if they were loaded some
 * other way). Every class of the package
 * copies it into a {@code static final} field, which the JIT folds to a constant: that is what makes the
 * Vector API compile to SIMD instructions, and what gives each width its own compiled code.
 */
final class Lanes {

    static final VectorSpecies<Float> SPECIES = species();
    /**
     * The vector registers the register blocks are sized for: 32 (AVX-512, ARM NEON and SVE) or 16 (x86 without
     * AVX-512); more live vectors than registers spill to the stack in the hot loop.
     */
    static final int REGISTERS = Lanes.class.getClassLoader() instanceof SpeciesClassLoader loader
            ? loader.registers() : 32;

    private Lanes() {
    }

    private static VectorSpecies<Float> species() {
        if (Lanes.class.getClassLoader() instanceof SpeciesClassLoader loader) {
            return VectorSpecies.of(float.class, VectorShape.forBitSize(loader.bits()));
        }
        return FloatVector.SPECIES_PREFERRED;
    }
}
