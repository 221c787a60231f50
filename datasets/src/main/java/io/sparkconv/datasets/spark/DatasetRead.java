package io.sparkconv.datasets.spark;

import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.Rejection;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.util.CollectionAccumulator;

import java.util.List;

/**
 * An input read lazily by Spark: the records, and the accumulators that fill as they are consumed.
 * After an action has consumed every record, {@code counts().value().read()} is the number of records read
 * (good and bad) and {@code rejected()} those left out; the job adds what it wrote. Under the QUARANTINE
 * policy {@link #rejections()} holds (source, index, reason) of each rejected record.
 */
public final class DatasetRead {
    private final JavaRDD<ImageRecord> records;
    private final RecordCountsAccumulator counts;
    private final CollectionAccumulator<Rejection> rejections;
    private final List<DatasetSplit> splits;

    DatasetRead(JavaRDD<ImageRecord> records, RecordCountsAccumulator counts,
                CollectionAccumulator<Rejection> rejections, List<DatasetSplit> splits) {
        this.records = records;
        this.counts = counts;
        this.rejections = rejections;
        this.splits = splits;
    }

    /** The records, one partition per split (for files), in input order within a partition. */
    public JavaRDD<ImageRecord> records() {
        return records;
    }

    public RecordCountsAccumulator counts() {
        return counts;
    }

    public CollectionAccumulator<Rejection> rejections() {
        return rejections;
    }

    /** The planned splits (empty for DataFrame inputs). */
    public List<DatasetSplit> splits() {
        return splits;
    }

    /**
     * Records the headers promise, where known without reading the data (file inputs; failed files count 1);
     * -1 for DataFrame inputs.
     */
    public long plannedRecords() {
        if (splits.isEmpty()) {
            return -1;
        }
        long n = 0;
        for (DatasetSplit s : splits) {
            n += s.recordCount();
        }
        return n;
    }

    /** The record shape the first readable split's header states, or null when unknown before reading. */
    public int[] headerRecordShape() {
        for (DatasetSplit s : splits) {
            if (s.failure() == null && s.recordShape() != null) {
                return s.recordShape();
            }
        }
        return null;
    }
}
