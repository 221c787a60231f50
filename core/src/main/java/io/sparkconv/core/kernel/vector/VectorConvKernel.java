package io.sparkconv.core.kernel.vector;

import io.sparkconv.core.spec.ConvGeometry;
import io.sparkconv.core.kernel.ConvKernel;
import io.sparkconv.core.kernel.ConvPath;
import io.sparkconv.core.kernel.ConvPlan;
import io.sparkconv.core.spec.FilterShape;
import io.sparkconv.core.kernel.PackedWeights;

/**
 * The convolution kernel on the Vector API at this copy's width ({@link Lanes}): weights packed in blocks of
 * one vector of filters, interleaved in the runs of blocks its register blocks read together (the one schedule
 * every plan follows), and a plan per geometry on the path {@link ConvPath#choose} names. Loaded,
 * reflectively and once per width, by {@code KernelProvider} through a {@code SpeciesClassLoader}, and only
 * when the module {@code jdk.incubator.vector} is present.
 */
public final class VectorConvKernel implements ConvKernel {

    /** "vector-BITS", with "-r16" when the register blocks are sized for 16 registers. */
    private final String name = "vector-" + Lanes.SPECIES.vectorBitSize()
            + (Lanes.REGISTERS == 32 ? "" : "-r" + Lanes.REGISTERS);

    @Override
    public String name() {
        return name;
    }

    @Override
    public int vectorLanes() {
        return Lanes.SPECIES.length();
    }

    @Override
    public PackedWeights pack(FilterShape shape, float[] kernelHWIO, float[] biasOrNull) {
        PackedWeights plain = PackedWeights.pack(shape, kernelHWIO, biasOrNull, Lanes.SPECIES.length());
        return plain.interleaved(RegisterBlocks.schedule(plain.blocksPerGroup()));
    }

    @Override
    public ConvPlan plan(ConvGeometry geometry, PackedWeights weights) {
        return switch (ConvPath.choose(geometry, vectorLanes())) {
            case POINTWISE -> new PointwisePlan(name, geometry, weights);
            case PACKED_FILTERS -> new PackedFilterPlan(name, geometry, weights);
            case REGISTER_BLOCKED -> new RegisterBlockedPlan(name, geometry, weights);
            case SCALAR_IM2COL -> throw new IllegalStateException("the vector kernel has no scalar path");
        };
    }
}
