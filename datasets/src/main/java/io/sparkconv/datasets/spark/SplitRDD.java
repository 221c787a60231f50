package io.sparkconv.datasets.spark;

import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.datasets.DatasetSource;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordCounts;
import io.sparkconv.datasets.RecordIterator;
import io.sparkconv.datasets.Rejection;
import io.sparkconv.datasets.RejectionSink;
import org.apache.spark.Dependency;
import org.apache.spark.Partition;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.util.CollectionAccumulator;
import scala.reflect.ClassTag$;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * One partition per {@link DatasetSplit}; a partition streams its split's records (nothing is collected).
 * The splits travel inside the partitions, which Spark serializes with the task (Java serialization), so no
 * Kryo registration is needed for them. Reads and rejections are added to the accumulators when a split is
 * finished (or its task ends).
 */
final class SplitRDD extends RDD<ImageRecord> {
    private static final long serialVersionUID = 1L;

    private final DatasetSplit[] splits;
    private final ReadOptions options;
    private final RecordCountsAccumulator counts;
    private final CollectionAccumulator<Rejection> rejections;

    SplitRDD(SparkContext sc, List<DatasetSplit> splits, ReadOptions options, RecordCountsAccumulator counts,
             CollectionAccumulator<Rejection> rejections) {
        super(sc, scala.jdk.javaapi.CollectionConverters.asScala(new ArrayList<Dependency<?>>()).toList(),
                ClassTag$.MODULE$.apply(ImageRecord.class));
        this.splits = splits.toArray(new DatasetSplit[0]);
        this.options = options;
        this.counts = counts;
        this.rejections = rejections;
    }

    static final class SplitPartition implements Partition {
        private static final long serialVersionUID = 1L;
        private final int index;
        private final DatasetSplit split;

        SplitPartition(int index, DatasetSplit split) {
            this.index = index;
            this.split = split;
        }

        @Override
        public int index() {
            return index;
        }

        DatasetSplit split() {
            return split;
        }

        @Override
        public int hashCode() {
            return index;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SplitPartition && ((SplitPartition) o).index == index;
        }
    }

    @Override
    public Partition[] getPartitions() {
        Partition[] out = new Partition[splits.length];
        for (int i = 0; i < splits.length; i++) {
            out[i] = new SplitPartition(i, splits[i]);
        }
        return out;
    }

    @Override
    public scala.collection.Iterator<ImageRecord> compute(Partition partition, TaskContext context) {
        DatasetSplit split = ((SplitPartition) partition).split();
        boolean quarantine = options.badRecordPolicy() == BadRecordPolicy.QUARANTINE;
        RejectionSink sink = quarantine ? rejections::add : RejectionSink.NONE;
        RecordIterator records = DatasetSource.open(split, options, sink);
        CountingIterator it = new CountingIterator(records, counts);
        context.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> it.finish());
        return scala.jdk.javaapi.CollectionConverters.asScala(it);
    }

    /** Adds the split's read/rejected counts once, when exhausted or when the task ends. */
    private static final class CountingIterator implements java.util.Iterator<ImageRecord> {
        private final RecordIterator records;
        private final RecordCountsAccumulator counts;
        private boolean finished;

        CountingIterator(RecordIterator records, RecordCountsAccumulator counts) {
            this.records = records;
            this.counts = counts;
        }

        @Override
        public boolean hasNext() {
            if (finished) {
                return false;
            }
            boolean more = records.hasNext();
            if (!more) {
                finish();
            }
            return more;
        }

        @Override
        public ImageRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return records.next();
        }

        void finish() {
            if (!finished) {
                finished = true;
                records.close();
                counts.add(new RecordCounts(records.read(), 0, records.rejected()));
            }
        }
    }
}
