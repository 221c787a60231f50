package io.sparkconv.spark.job;

/**
 * A configuration error found on the driver before any task runs: bad layer JSON, missing or ill-shaped
 * weights, a channel mismatch, an existing output. The message is one line naming the bad value.
 */
public final class JobConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JobConfigException(String message) {
        super(message);
    }

    public JobConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
