package io.sparkconv.core.constraint;

import io.sparkconv.core.config.KerasObject;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Keras {@code RadialConstraint} (TF 1.15 and Keras 2 only), implemented as its code behaves, not as its
 * docstring claims (spec §7.1). Each {@code k×k} slice of a {@code (k, k, Cin, F)} kernel is rebuilt from the
 * centre outwards with {@code start = k/2}: the seed is {@code K[start-1, start-1]} (one element for odd k,
 * a 2×2 block for even k), then for {@code i} from (0 if k is odd else 1) while {@code i < start}, one ring
 * filled with {@code K[start+i, start+i]} is added. E.g. k=3: centre v00, ring v11; k=5: centre v11, rings v22
 * then v33.
 */
public final class RadialConstraint extends KerasObject implements Constraint {

    @Override
    public String className() {
        return "RadialConstraint";
    }

    @Override
    public Map<String, Object> config() {
        return new LinkedHashMap<>();
    }

    @Override
    public void apply(float[] weight, int[] shape) {
        if (shape.length != 4) {
            throw new IllegalArgumentException("RadialConstraint cannot constrain a weight of shape "
                    + Arrays.toString(shape) + ": it needs a rank-4 kernel (kh, kw, Cin, F)");
        }
        int k = shape[0];
        if (shape[1] != k || k < 2) {
            throw new IllegalArgumentException("RadialConstraint cannot constrain a kernel of shape "
                    + Arrays.toString(shape) + ": it needs a square kernel of at least 2x2 (kh == kw >= 2)");
        }
        int slices = shape[2] * shape[3];
        int start = k / 2;
        boolean odd = k % 2 == 1;
        float[] rebuilt = new float[k * k];
        for (int s = 0; s < slices; s++) {
            // Offset of ring r (0 = centre block) from the outer edge: the result is built outwards, ring by ring.
            int firstRing = odd ? 0 : 1;
            int rings = start - firstRing; // number of rings added around the seed
            float seed = weight[((start - 1) * k + (start - 1)) * slices + s];
            for (int r = 0; r < k; r++) {
                for (int c = 0; c < k; c++) {
                    // Distance (in rings) from the outer edge; the seed occupies the innermost positions.
                    int fromEdge = Math.min(Math.min(r, c), Math.min(k - 1 - r, k - 1 - c));
                    int ringFromInside = rings - fromEdge; // 1..rings for the rings, <= 0 inside the seed
                    float value;
                    if (ringFromInside <= 0) {
                        value = seed;
                    } else {
                        int i = firstRing + ringFromInside - 1;
                        value = weight[((start + i) * k + (start + i)) * slices + s];
                    }
                    rebuilt[r * k + c] = value;
                }
            }
            for (int p = 0; p < k * k; p++) {
                weight[p * slices + s] = rebuilt[p];
            }
        }
    }
}
