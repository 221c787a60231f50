package io.sparkconv.core.initializer;

import io.sparkconv.core.config.KerasObject;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Keras {@code Orthogonal(gain)} (spec §5.3): the weight viewed as rows = product of all but the last axis,
 * cols = last axis; a standard normal (max, min) matrix is QR-decomposed, Q's columns are multiplied by
 * sign(diag(R)), transposed when rows < cols, scaled by gain. The QR with a positive-diagonal R is unique, so
 * it is computed by modified Gram-Schmidt (twice, for orthogonality to double precision), which yields that Q
 * directly.
 */
public final class Orthogonal extends KerasObject implements Initializer {
    private final Number gain;
    private final Long seed;

    public Orthogonal(Number gain, Long seed) {
        this.gain = Checks.finite("Orthogonal", "gain", gain);
        this.seed = seed;
    }

    @Override
    public String className() {
        return "Orthogonal";
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("gain", gain);
        c.put("seed", seed);
        c.put("dtype", "float32");
        return c;
    }

    @Override
    public Long seed() {
        return seed;
    }

    @Override
    public void fill(float[] target, int[] shape, SplittableRandom random) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("Orthogonal initializer cannot fill a weight of shape "
                    + Arrays.toString(shape) + ": the tensor to initialize must be at least two-dimensional");
        }
        int cols = shape[shape.length - 1];
        int rows = target.length / Math.max(1, cols);
        int tall = Math.max(rows, cols);
        int narrow = Math.min(rows, cols);
        NormalSampler sampler = new NormalSampler(random);
        // columns[j][i] = A[i][j] for the tall (tall x narrow) matrix A, drawn row-major like numpy/TF.
        double[][] columns = new double[narrow][tall];
        for (int i = 0; i < tall; i++) {
            for (int j = 0; j < narrow; j++) {
                columns[j][i] = sampler.next();
            }
        }
        for (int j = 0; j < narrow; j++) {
            double[] v = columns[j];
            for (int pass = 0; pass < 2; pass++) {
                for (int k = 0; k < j; k++) {
                    double[] q = columns[k];
                    double dot = 0;
                    for (int i = 0; i < tall; i++) {
                        dot += q[i] * v[i];
                    }
                    for (int i = 0; i < tall; i++) {
                        v[i] -= dot * q[i];
                    }
                }
            }
            double norm = 0;
            for (int i = 0; i < tall; i++) {
                norm += v[i] * v[i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < tall; i++) {
                v[i] /= norm;
            }
        }
        double g = gain.doubleValue();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                // Q is tall x narrow; when rows < cols the weight is Q transposed.
                double q = rows >= cols ? columns[c][r] : columns[r][c];
                target[r * cols + c] = (float) (g * q);
            }
        }
    }
}
