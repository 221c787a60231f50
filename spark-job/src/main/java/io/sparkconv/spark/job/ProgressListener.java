package io.sparkconv.spark.job;

import io.sparkconv.spark.SparkConv;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The job's progress line: images convolved so far, out of the expected total, the rate and an estimate of the
 * time left, printed every few seconds while the job runs. Running tasks count too: executors report their
 * tasks' accumulator values with each heartbeat (spark.executor.heartbeatInterval, which the job sets to 1s
 * unless given), so a job of two long tasks moves before either ends. Also sums the tasks' run time.
 */
final class ProgressListener extends SparkListener implements AutoCloseable {
    private final AtomicLong imagesDone = new AtomicLong();
    /** Images of tasks still running, by task id, as their last heartbeat reported them. */
    private final Map<Long, Long> imagesRunning = new ConcurrentHashMap<>();
    private final AtomicLong taskRunMillis = new AtomicLong();
    private final long totalImages;
    private final PrintStream console;
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService ticker;
    private final boolean printing;

    ProgressListener(long totalImages, PrintStream console, long intervalMillis) {
        this.totalImages = totalImages;
        this.console = console;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sparkconv-progress");
            t.setDaemon(true);
            return t;
        });
        this.printing = intervalMillis > 0;
        if (printing) {
            ticker.scheduleAtFixedRate(this::print, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        for (var task : CollectionConverters.asJava(update.accumUpdates())) {
            long taskId = (Long) task._1();
            for (AccumulableInfo info : CollectionConverters.asJava(task._4())) {
                Long images = images(info);
                if (images != null) {
                    // A heartbeat racing the task's end must not bring a finished task back.
                    imagesRunning.compute(taskId,
                            (id, old) -> old == null ? images : old < 0 ? old : Math.max(old, images));
                }
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        long taskId = end.taskInfo().taskId();
        imagesRunning.put(taskId, -1L); // ended: later heartbeats of this task are ignored
        if (end.taskMetrics() != null) {
            taskRunMillis.addAndGet(end.taskMetrics().executorRunTime());
        }
        if (!end.taskInfo().successful()) {
            return;
        }
        for (AccumulableInfo info : CollectionConverters.asJava(end.taskInfo().accumulables())) {
            Long images = images(info);
            if (images != null) {
                imagesDone.addAndGet(images);
            }
        }
    }

    private static Long images(AccumulableInfo info) {
        if (info.name().isDefined() && SparkConv.IMAGES_ACCUMULATOR.equals(info.name().get())
                && info.update().isDefined()) {
            return ((Number) info.update().get()).longValue();
        }
        return null;
    }

    /** Images of finished tasks plus those running tasks reported. */
    long imagesDone() {
        long running = 0;
        for (long images : imagesRunning.values()) {
            running += Math.max(0, images);
        }
        return imagesDone.get() + running;
    }

    /** Run time of the tasks that ended, summed (Spark's executorRunTime: deserialization to result). */
    long taskRunMillis() {
        return taskRunMillis.get();
    }

    /**
     * The job is over: the exact count (task-end events reach listeners asynchronously, the accumulator is final)
     * replaces the running one for the last line.
     */
    void finish(long images) {
        imagesRunning.clear();
        imagesDone.set(images);
    }

    /** One progress line, e.g. "progress: 1200 of 5000 images (24%), 815 images/s, about 5 s left". */
    String line() {
        long done = imagesDone();
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        StringBuilder b = new StringBuilder("progress: ").append(done);
        if (totalImages > 0) {
            b.append(" of ").append(totalImages).append(" images (")
                    .append(Math.min(100, done * 100 / totalImages)).append("%)");
        } else {
            b.append(" images");
        }
        b.append(String.format(Locale.ROOT, ", %.1f images/s", rate));
        if (totalImages > 0 && rate > 0 && done < totalImages) {
            b.append(String.format(Locale.ROOT, ", about %.0f s left", (totalImages - done) / rate));
        }
        return b.toString();
    }

    private void print() {
        console.println(line());
        console.flush();
    }

    /** Stops the periodic line; prints a last one, so even a short job shows where it ended. */
    @Override
    public void close() {
        ticker.shutdownNow();
        if (printing) {
            print();
        }
    }
}
