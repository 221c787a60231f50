package io.sparkconv.notebook;

import java.lang.reflect.Method;
import java.util.Map;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Runs snippets in this JVM (so a SparkSession and the kernel share objects) and keeps the last snippet's value
 * as an object, for rich display; JShell itself only passes values on as strings.
 */
final class CellExecutionControl extends DirectExecutionControl {
    private volatile Object lastValue;
    private volatile Thread running;

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // Snippet classes live in JShell's loader: Spark's executors (local mode) find them through this one.
        thread.setContextClassLoader(doitMethod.getDeclaringClass().getClassLoader());
        running = thread;
        try {
            Object value = doitMethod.invoke(null);
            lastValue = value;
            return valueString(value);
        } finally {
            running = null;
            thread.setContextClassLoader(previous);
        }
    }

    /**
     * A class loader that finds what the system class loader has and, failing that, the snippets' classes. Spark
     * gets it as its context loader when it starts (before any snippet ran), so local-mode tasks can load classes a
     * cell defines, such as its lambdas.
     */
    ClassLoader bridgeLoader() {
        return new ClassLoader("sparkconv-cells", ClassLoader.getSystemClassLoader()) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                return CellExecutionControl.this.findClass(name);
            }
        };
    }

    /** The value of the snippet run last, then forgets it. */
    Object takeLastValue() {
        Object v = lastValue;
        lastValue = null;
        return v;
    }

    /** Interrupts the thread running a snippet (sleeps, waits and Spark's blocking calls react). */
    void interruptRunning() {
        Thread t = running;
        if (t != null) {
            t.interrupt();
        }
    }

    /** Hands JShell this instance. */
    static final class Provider implements ExecutionControlProvider {
        private final CellExecutionControl control;

        Provider(CellExecutionControl control) {
            this.control = control;
        }

        @Override
        public String name() {
            return "sparkconv-cells";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return control;
        }
    }
}
