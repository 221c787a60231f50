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

    float[] small(int size) {
        if (small.length < size) {
            small = new float[size];
        }
        return small;
    }

    float[] tile(int size) {
        if (tile.length < size) {
            tile = new float[size];
        }
        return tile;
    }

    int[] taps(int size) {
        if (taps.length < size) {
            taps = new int[size];
        }
        return taps;
    }

    int[] stepWeights(int size) {
        if (stepWeights.length < size) {
            stepWeights = new int[size];
        }
        return stepWeights;
    }

    boolean[] stepFresh(int size) {
        if (stepFresh.length < size) {
            stepFresh = new boolean[size];
        }
        return stepFresh;
    }

    boolean[] chained(int size) {
        if (chained.length < size) {
            chained = new boolean[size];
        }
        return chained;
    }

    float[] weights(int size) {
        if (weights.length < size) {
            weights = new float[size];
        }
        return weights;
    }
}
