package io.sparkconv.spark.job;

/**
 * Fault injection for the fault suite: code run on the driver at a chosen point of the job. Unset (the default),
 * nothing runs.
 */
public final class ConvJobHooks {
    private ConvJobHooks() {
    }

    /** Runs after the output is complete in its staging directory and before it is committed; null: none. */
    public static void beforeCommit(Runnable hook) {
        ConvJob.beforeCommit = hook;
    }
}
