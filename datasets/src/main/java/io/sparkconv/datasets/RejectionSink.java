package io.sparkconv.datasets;

/** Receives each record left out under {@link BadRecordPolicy#SKIP} or {@link BadRecordPolicy#QUARANTINE}. */
@FunctionalInterface
public interface RejectionSink {
    void rejected(Rejection rejection);

    RejectionSink NONE = r -> { };
}
