package io.sparkconv.spark;

import io.sparkconv.core.conv.Conv2D;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.util.CollectionAccumulator;

/**
 * The layers an executor JVM has built, keyed by application and broadcast id: the layer (and its weights packed
 * for the kernel) is built once per JVM and shared by all tasks of the job that run there. Broadcast ids restart
 * with every SparkContext, so the application id is part of the key for JVMs that outlive a context (local
 * mode, notebooks, tests). A handful of entries is kept (least recently used goes first) because finished jobs'
 * broadcasts are never used again.
 */
public final class ExecutorLayerCache {
    private static final int MAX_ENTRIES = 8;

    private static final Map<String, Conv2D> LAYERS = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Conv2D> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    private ExecutorLayerCache() {
    }

    /**
     * The layer of this broadcast, built on first use in this JVM. When {@code builds} is given, each build adds
     * one "pid:broadcastId" entry to it, so a driver can see where and how often layers were built.
     */
    public static Conv2D layerFor(Broadcast<LayerPayload> broadcast, CollectionAccumulator<String> builds) {
        long id = broadcast.id();
        String key = key(id);
        synchronized (LAYERS) {
            Conv2D layer = LAYERS.get(key);
            if (layer == null) {
                layer = build(broadcast.value());
                LAYERS.put(key, layer);
                if (builds != null) {
                    builds.add(ProcessHandle.current().pid() + ":" + id);
                }
            }
            return layer;
        }
    }

    /** Whether this JVM holds the layer of the current application's broadcast {@code broadcastId}. */
    public static boolean holds(long broadcastId) {
        synchronized (LAYERS) {
            return LAYERS.containsKey(key(broadcastId));
        }
    }

    private static String key(long broadcastId) {
        SparkEnv env = SparkEnv.get();
        String app = env == null ? "" : env.conf().getAppId();
        return app + "/" + broadcastId;
    }

    static Conv2D build(LayerPayload payload) {
        Conv2D layer = Conv2D.fromConfig(payload.layerConfigJson());
        layer.setWeights(payload.kernel(), payload.bias());
        return layer;
    }
}
