package io.sparkconv.spark;

import io.sparkconv.datasets.Rejection;
import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.AccumulatorV2;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * Where a {@link RowConvolver}'s tasks count the rows they processed and rejected (once per batch, not per row):
 * the transformer's all-rejected warning and the batch job's record accounting read them on the driver.
 */
public final class RowCounters implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Rows processed (valid and invalid). */
    public final LongAccumulator rows;
    /** Rows dropped (skip) or kept with a null output (keep). */
    public final LongAccumulator rejected;
    /** Where and why a task's first rejected row was rejected. */
    public final FirstRejection first;
    /** Every rejected row's (source, index, reason), for the job's quarantine list; null when not listed. */
    public final CollectionAccumulator<Rejection> rejections;

    private RowCounters(LongAccumulator rows, LongAccumulator rejected, FirstRejection first,
            CollectionAccumulator<Rejection> rejections) {
        this.rows = rows;
        this.rejected = rejected;
        this.first = first;
        this.rejections = rejections;
    }

    /** New accumulators named {@code prefix.rows}, ...; {@code listRejections} also lists each rejected row. */
    public static RowCounters register(SparkContext context, String prefix, boolean listRejections) {
        LongAccumulator rows = context.longAccumulator(prefix + ".rows");
        LongAccumulator rejected = context.longAccumulator(prefix + ".rejected");
        FirstRejection first = new FirstRejection();
        context.register(first, prefix + ".firstRejected");
        CollectionAccumulator<Rejection> list = listRejections
                ? context.collectionAccumulator(prefix + ".rejections") : null;
        return new RowCounters(rows, rejected, first, list);
    }

    /** Keeps the first value added; a task adds one, its first rejected row's description. */
    public static final class FirstRejection extends AccumulatorV2<String, String> {
        private static final long serialVersionUID = 1L;
        private String reason;

        @Override
        public boolean isZero() {
            return reason == null;
        }

        @Override
        public FirstRejection copy() {
            FirstRejection copy = new FirstRejection();
            copy.reason = reason;
            return copy;
        }

        @Override
        public void reset() {
            reason = null;
        }

        @Override
        public void add(String value) {
            if (reason == null) {
                reason = value;
            }
        }

        @Override
        public void merge(AccumulatorV2<String, String> other) {
            add(other.value());
        }

        @Override
        public String value() {
            return reason;
        }
    }
}
