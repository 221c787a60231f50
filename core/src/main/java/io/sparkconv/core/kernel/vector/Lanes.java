package io.sparkconv.core.kernel.vector;

import io.sparkconv.core.kernel.SpeciesClassLoader;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species of this copy of the kernel's classes: the width of the {@link SpeciesClassLoader} that
 * defined them (the CPU's preferred width if they were loaded some other way). Every class of the package
 * copies it into a {@code static final} field, which the JIT folds to a constant: that is what makes the
 * Vector API compile to SIMD instructions, and what gives each width its own compiled code.
 */
final class Lanes {

    static final VectorSpecies<Float> SPECIES = species();

    private Lanes() {
    }

    private static VectorSpecies<Float> species() {
        if (Lanes.class.getClassLoader() instanceof SpeciesClassLoader loader) {
            return VectorSpecies.of(float.class, VectorShape.forBitSize(loader.bits()));
        }
        return FloatVector.SPECIES_PREFERRED;
    }
}
