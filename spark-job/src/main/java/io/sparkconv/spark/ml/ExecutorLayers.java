package io.sparkconv.spark.ml;

import io.sparkconv.core.conv.Conv2D;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The layers built on an executor, keyed by the id of the broadcast holding their weights: the layer config is
 * parsed and the weights repacked once per JVM, not once per task. A few entries only (least recently used
 * go first), as each transform() call broadcasts its weights anew.
 */
final class ExecutorLayers {
    private static final int CAPACITY = 4;

    private static final Map<Long, Conv2D> LAYERS = new LinkedHashMap<>(8, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Conv2D> eldest) {
            return size() > CAPACITY;
        }
    };

    private ExecutorLayers() {
    }

    /** The layer for this broadcast id, built by {@code build} the first time (tasks of one JVM wait for it). */
    static Conv2D get(long broadcastId, Supplier<Conv2D> build) {
        synchronized (LAYERS) {
            Conv2D layer = LAYERS.get(broadcastId);
            if (layer == null) {
                layer = build.get();
                LAYERS.put(broadcastId, layer);
            }
            return layer;
        }
    }
}
