package io.sparkconv.core.config;

import java.util.Map;

/**
 * A serializable Keras object (initializer, regularizer, constraint): identified by its class name and config,
 * so two of the same Java class are equal exactly when they serialize the same.
 */
public abstract class KerasObject {

    /** The Keras class name it serializes as, e.g. {@code "GlorotUniform"}. */
    public abstract String className();

    /** Its Keras config, in Keras' key order. */
    public abstract Map<String, Object> config();

    /** Equal when of the same class and the class name and config are, i.e. when both serialize the same. */
    @Override
    public boolean equals(Object other) {
        return other != null && other.getClass() == getClass() && className().equals(((KerasObject) other).className())
                && config().equals(((KerasObject) other).config());
    }

    @Override
    public int hashCode() {
        return className().hashCode() * 31 + config().hashCode();
    }

    @Override
    public String toString() {
        return className() + config();
    }
}
