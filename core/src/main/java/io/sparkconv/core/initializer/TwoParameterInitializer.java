package io.sparkconv.core.initializer;

import io.sparkconv.core.config.KerasObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The plumbing of RandomNormal, TruncatedNormal and RandomUniform: two distribution parameters and an optional
 * seed, serialized as {@code {first, second, seed, dtype}}. Subclasses validate the parameters and draw.
 */
abstract class TwoParameterInitializer extends KerasObject implements Initializer {
    private final String className;
    private final String firstKey;
    private final Number first;
    private final String secondKey;
    private final Number second;
    private final Long seed;

    TwoParameterInitializer(String className, String firstKey, Number first, String secondKey, Number second,
            Long seed) {
        this.className = className;
        this.firstKey = firstKey;
        this.first = first;
        this.secondKey = secondKey;
        this.second = second;
        this.seed = seed;
    }

    final double first() {
        return first.doubleValue();
    }

    final double second() {
        return second.doubleValue();
    }

    @Override
    public final String className() {
        return className;
    }

    @Override
    public final Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put(firstKey, first);
        c.put(secondKey, second);
        c.put("seed", seed);
        c.put("dtype", "float32");
        return c;
    }

    @Override
    public final Long seed() {
        return seed;
    }
}
