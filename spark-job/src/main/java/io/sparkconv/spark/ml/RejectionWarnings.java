package io.sparkconv.spark.ml;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd;
import io.sparkconv.spark.HandleInvalid;
import io.sparkconv.spark.RowCounters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The driver's side of handleInvalid "skip" and "keep": when a transform rejected every row it processed in one
 * action, it logs one WARN line with the count and the first reason, so an empty result (or a column of nulls) does
 * not go unexplained.
 *
 * <p>Tasks add their row counts to named accumulators ({@link RowCounters}, once per batch, not per row); Spark
 * reports each successful task's updates in its task-end event. One listener per SparkContext sums them by action:
 * a Dataset action runs as one SQL execution (its jobs carry the execution id; {@code show()} may run several), so
 * the check is made when the execution ends; a job outside any execution (an RDD action) is checked when it ends.
 * Listener events arrive asynchronously, so the line follows the action's result by a moment.
 */
final class RejectionWarnings extends SparkListener {
    /** Logged as the transformer, the class users know. */
    private static final Logger LOG = LoggerFactory.getLogger(Conv2DTransformer.class);
    /** The job property holding the SQL execution id (Spark's SQLExecution.EXECUTION_ID_KEY). */
    private static final String EXECUTION_ID = "spark.sql.execution.id";
    private static final Map<SparkContext, RejectionWarnings> BY_CONTEXT = new WeakHashMap<>();

    /** One transform() call: its accumulators' ids and what to call it. */
    private record Tracked(String transformer, HandleInvalid policy, long rowsId, long rejectedId, long firstId) {
    }

    /** What one action's tasks reported for one transform. */
    private static final class Tally {
        long rows;
        long rejected;
        int firstPartition = Integer.MAX_VALUE;
        String first;
    }

    /** By accumulator id; written by the driver's transform() calls, read by the listener thread. */
    private final Map<Long, Tracked> tracked = new ConcurrentHashMap<>();
    // The rest is touched only by the listener thread (a queue delivers its events one at a time).
    private final Map<Integer, String> scopeOfStage = new HashMap<>();
    private final Map<Integer, String> scopeOfJob = new HashMap<>();
    private final Map<Integer, List<Integer>> stagesOfJob = new HashMap<>();
    private final Map<String, Map<Tracked, Tally>> pending = new HashMap<>();

    private RejectionWarnings() {
    }

    /**
     * New accumulators for one transform() call, registered with the context and watched by its listener (made and
     * added on first use).
     */
    static RowCounters track(SparkContext context, String transformer, HandleInvalid policy) {
        RejectionWarnings listener;
        synchronized (BY_CONTEXT) {
            listener = BY_CONTEXT.get(context);
            if (listener == null) {
                listener = new RejectionWarnings();
                context.addSparkListener(listener);
                BY_CONTEXT.put(context, listener);
            }
        }
        RowCounters counters = RowCounters.register(context, "sparkconv.transformer." + transformer, false);
        Tracked entry = new Tracked(transformer, policy, counters.rows.id(), counters.rejected.id(),
                counters.first.id());
        listener.tracked.put(counters.rows.id(), entry);
        listener.tracked.put(counters.rejected.id(), entry);
        listener.tracked.put(counters.first.id(), entry);
        return counters;
    }

    @Override
    public void onJobStart(SparkListenerJobStart start) {
        String execution = start.properties() == null ? null : start.properties().getProperty(EXECUTION_ID);
        String scope = execution != null ? "execution " + execution : "job " + start.jobId();
        List<Integer> stages = new ArrayList<>();
        for (Object stage : CollectionConverters.asJava(start.stageIds())) {
            stages.add((Integer) stage);
            scopeOfStage.put((Integer) stage, scope);
        }
        scopeOfJob.put(start.jobId(), scope);
        stagesOfJob.put(start.jobId(), stages);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (tracked.isEmpty() || !end.taskInfo().successful()) {
            return;
        }
        String scope = null;
        for (AccumulableInfo info : CollectionConverters.asJava(end.taskInfo().accumulables())) {
            Tracked entry = tracked.get(info.id());
            if (entry == null || info.update().isEmpty()) {
                continue;
            }
            if (scope == null) {
                scope = scopeOfStage.get(end.stageId());
                if (scope == null) {
                    return; // a late task of a job already checked
                }
            }
            Tally tally = pending.computeIfAbsent(scope, s -> new LinkedHashMap<>())
                    .computeIfAbsent(entry, e -> new Tally());
            Object update = info.update().get();
            if (info.id() == entry.rowsId()) {
                tally.rows += ((Number) update).longValue();
            } else if (info.id() == entry.rejectedId()) {
                tally.rejected += ((Number) update).longValue();
            } else if (end.taskInfo().partitionId() < tally.firstPartition) {
                tally.firstPartition = end.taskInfo().partitionId();
                tally.first = String.valueOf(update);
            }
        }
    }

    @Override
    public void onJobEnd(SparkListenerJobEnd end) {
        String scope = scopeOfJob.remove(end.jobId());
        List<Integer> stages = stagesOfJob.remove(end.jobId());
        if (stages != null) {
            for (Integer stage : stages) {
                scopeOfStage.remove(stage, scope);
            }
        }
        if (scope != null && scope.startsWith("job ")) {
            check(scope);
        }
    }

    @Override
    public void onOtherEvent(SparkListenerEvent event) {
        if (event instanceof SparkListenerSQLExecutionEnd end) {
            check("execution " + end.executionId());
        }
    }

    /** The action is over: warns for each transform whose every processed row was rejected. */
    private void check(String scope) {
        Map<Tracked, Tally> tallies = pending.remove(scope);
        if (tallies == null) {
            return;
        }
        tallies.forEach((entry, tally) -> {
            if (tally.rows > 0 && tally.rejected == tally.rows) {
                LOG.warn(message(entry.transformer(), entry.policy(), tally.rows, tally.first));
            }
        });
    }

    static String message(String transformer, HandleInvalid policy, long rows, String first) {
        String outcome = policy == HandleInvalid.KEEP ? "keep: every output is null" : "skip: none is in the output";
        return "Conv2DTransformer " + transformer + ": rejected all " + rows + (rows == 1 ? " row" : " rows")
                + " of the action (handleInvalid " + outcome + "); first: " + first;
    }
}
