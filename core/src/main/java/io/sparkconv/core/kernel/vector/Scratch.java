package io.sparkconv.core.kernel.vector;

import io.sparkconv.core.conv.ConvGeometry;
import java.util.Arrays;

/**
 * One thread's scratch buffers for the fast paths, kept between calls so a batch allocates nothing. The
 * zero-padded input buffer's borders are written only with zeros, so it is cleared only when the geometry
 * (hence the border positions) changes.
 */
final class Scratch {

    private static final ThreadLocal<Scratch> OF_THREAD = ThreadLocal.withInitial(Scratch::new);

    private float[] padded = new float[0];
    private ConvGeometry paddedFor;
    private float[] small = new float[0];
    private float[] tile = new float[0];
    private float[] weights = new float[0];
    private int[] taps = new int[0];
    private int[] stepWeights = new int[0];
    private boolean[] stepFresh = new boolean[0];
    private boolean[] chained = new boolean[0];

    static Scratch ofThread() {
        return OF_THREAD.get();
    }

    /** A buffer of at least {@code size} values whose parts never written for {@code g} are zero. */
    float[] padded(ConvGeometry g, int size) {
        if (padded.length < size) {
            padded = new float[size];
            paddedFor = g;
        } else if (!g.equals(paddedFor)) {
            Arrays.fill(padded, 0, size, 0f);
            paddedFor = g;
        }
        return padded;
    }

    // The buffers below hold stale values: their callers write what they read. Each grows, never shrinks.

    float[] small(int size) {
        return small = small.length < size ? new float[size] : small;
    }

    float[] tile(int size) {
        return tile = tile.length < size ? new float[size] : tile;
    }

    float[] weights(int size) {
        return weights = weights.length < size ? new float[size] : weights;
    }

    int[] taps(int size) {
        return taps = taps.length < size ? new int[size] : taps;
    }

    int[] stepWeights(int size) {
        return stepWeights = stepWeights.length < size ? new int[size] : stepWeights;
    }

    boolean[] stepFresh(int size) {
        return stepFresh = stepFresh.length < size ? new boolean[size] : stepFresh;
    }

    boolean[] chained(int size) {
        return chained = chained.length < size ? new boolean[size] : chained;
    }
}
