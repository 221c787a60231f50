package io.sparkconv.datasets.spark;

import io.sparkconv.datasets.RecordCounts;
import org.apache.spark.util.AccumulatorV2;

/** A Spark accumulator of {@link RecordCounts} (read, written, rejected). */
public final class RecordCountsAccumulator extends AccumulatorV2<RecordCounts, RecordCounts> {
    private static final long serialVersionUID = 1L;

    private RecordCounts counts = new RecordCounts();

    @Override
    public boolean isZero() {
        return counts.isZero();
    }

    @Override
    public AccumulatorV2<RecordCounts, RecordCounts> copy() {
        RecordCountsAccumulator c = new RecordCountsAccumulator();
        c.counts = counts.copy();
        return c;
    }

    @Override
    public void reset() {
        counts = new RecordCounts();
    }

    @Override
    public void add(RecordCounts v) {
        counts.merge(v);
    }

    public void add(long read, long written, long rejected) {
        counts.addRead(read);
        counts.addWritten(written);
        counts.addRejected(rejected);
    }

    @Override
    public void merge(AccumulatorV2<RecordCounts, RecordCounts> other) {
        counts.merge(other.value());
    }

    @Override
    public RecordCounts value() {
        return counts.copy();
    }
}
