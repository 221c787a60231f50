package io.sparkconv.core.initializer;

import io.sparkconv.core.config.KerasObject;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Keras {@code Identity(gain)}: {@code gain * eye} for 2-D weights only, so it rejects a conv kernel. */
public final class Identity extends KerasObject implements Initializer {
    private final Number gain;

    public Identity(Number gain) {
        this.gain = Checks.finite("Identity", "gain", gain);
    }

    @Override
    public String className() {
        return "Identity";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("gain", gain);
        c.put("dtype", "float32");
        return c;
    }

    @Override
    public void fill(float[] target, int[] shape, SplittableRandom random) {
        if (shape.length != 2) {
            throw new IllegalArgumentException("Identity initializer cannot fill a weight of shape "
                    + Arrays.toString(shape) + " (rank " + shape.length + "): Identity matrix initializer can only be"
                    + " used for 2D matrices");
        }
        Arrays.fill(target, 0f);
        int n = Math.min(shape[0], shape[1]);
        for (int i = 0; i < n; i++) {
            target[i * shape[1] + i] = gain.floatValue();
        }
    }
}
