package io.sparkconv.spark;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;

/**
 * The bytes a task may hold in one mini-batch: input plus output floats of the images convolved together. A
 * batch takes as many images as fit (at most the batch size), so any mix of image sizes runs in a bounded heap;
 * an image that alone exceeds the budget is refused. The default is derived from the executor heap.
 */
public final class BatchBudget {
    /** Spark's own reserved heap (spark.testing.reservedMemory), not available to tasks. */
    static final long RESERVED_BYTES = 300L << 20;
    static final long MIN_DEFAULT_BYTES = 16L << 20;
    /**
     * A batch's buffers are held about four times over at the peak (input records, the batch buffers, output
     * records, the rows being written), so a task's budget is a quarter of its share of the heap.
     */
    static final int COPIES = 4;

    private BatchBudget() {
    }

    /** The default budget for executors of {@code heapBytes} running {@code slots} tasks at once. */
    public static long defaultBytes(long heapBytes, int slots) {
        long usable = Math.max(0, heapBytes - RESERVED_BYTES);
        return Math.max(MIN_DEFAULT_BYTES, usable / ((long) COPIES * Math.max(1, slots)));
    }

    /**
     * The default budget for a job with this configuration: in local mode the executor is this JVM (its heap,
     * its local[N] threads); on a cluster, spark.executor.memory and spark.executor.cores.
     */
    public static long defaultBytes(SparkConf conf) {
        String master = conf.get("spark.master", "local[*]");
        if (master.startsWith("local") && !master.startsWith("local-cluster")) {
            Matcher m = Pattern.compile("local\\[(\\d+|\\*)").matcher(master);
            int threads = !m.find() ? 1 : m.group(1).equals("*") ? Runtime.getRuntime().availableProcessors()
                    : Integer.parseInt(m.group(1));
            return defaultBytes(Runtime.getRuntime().maxMemory(), threads);
        }
        long heap = parseBytes(conf.get("spark.executor.memory", "1g"), "spark.executor.memory", 20);
        int cores = conf.getInt("spark.executor.cores", 1);
        return defaultBytes(heap, cores);
    }

    /**
     * Parses {@code 512m}, {@code 2g}, {@code 1048576} (bytes unless a unit is given; {@code defaultShift}
     * 20 reads a plain number as MiB, as Spark does for memory settings).
     */
    public static long parseBytes(String text, String what, int defaultShift) {
        Matcher m = Pattern.compile("\\s*(\\d+)\\s*([kmgt]?)i?b?\\s*").matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a size: expected e.g. 256m, 2g or a "
                    + "number of bytes");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> defaultShift;
        };
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException(what + " '" + text + "' is too large");
        }
        return n << shift;
    }

    /** Bytes of one image's share of a batch: its input and output floats (twice for channels_first). */
    public static long imageBytes(long inputElements, long outputElements, boolean channelsFirst) {
        return 4L * (inputElements + outputElements) * (channelsFirst ? 2 : 1);
    }

    /** Images of {@code imageBytes} a batch holds: at least 1 (callers refuse larger images), at most batchSize. */
    public static int capacity(long budgetBytes, long imageBytes, int batchSize) {
        return (int) Math.max(1, Math.min(batchSize, budgetBytes / Math.max(1, imageBytes)));
    }

    /** "512 MiB"-style text. */
    public static String text(long bytes) {
        if (bytes >= (1L << 30) && bytes % (1L << 20) == 0) {
            return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= (1L << 20)) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return bytes + " bytes";
    }
}
