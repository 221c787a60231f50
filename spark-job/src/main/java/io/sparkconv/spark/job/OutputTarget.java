package io.sparkconv.spark.job;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The job's output directory, made safe: it may not equal, contain or lie inside an input (checked on the driver
 * before Spark starts); one run at a time holds its lock; the job writes into a hidden staging directory beside
 * it, which {@link #commit} renames into place only when complete. A previous output is moved aside, not deleted,
 * until the new one is in place, so a failed run leaves the old output (or nothing) behind, never a partial one.
 */
public final class OutputTarget implements AutoCloseable {
    private static final String PREFIX = ".sparkconv-";

    private final String output;
    private final FileSystem fs;
    private final Path path;
    private final Path staging;
    private final Path lockPath;
    private final boolean overwrite;
    private FileChannel lockChannel;
    private FileLock lock;
    private boolean lockCreated;
    private boolean committed;

    private OutputTarget(String output, FileSystem fs, Path path, boolean overwrite) {
        this.output = output;
        this.fs = fs;
        this.path = path;
        this.overwrite = overwrite;
        String name = path.getName();
        String id = UUID.randomUUID().toString();
        this.staging = new Path(path.getParent(), PREFIX + "staging-" + name + "-" + id);
        this.lockPath = new Path(path.getParent(), PREFIX + "lock-" + name);
    }

    /**
     * Checks the output against the inputs and its existence, on the driver and before Spark starts.
     *
     * @param inputs every file or directory the job reads (input, layer, weights, model); nulls are ignored
     */
    public static void check(Configuration hadoop, String output, boolean overwrite, List<String> inputs) {
        Path out = qualified(hadoop, output);
        if (out.getParent() == null) {
            throw new JobConfigException("output " + output + " is a file system root: choose a directory below it");
        }
        for (String input : inputs) {
            if (input == null) {
                continue;
            }
            Path in = qualified(hadoop, input);
            String relation = isSameOrInside(out, in) ? (out.equals(in) ? "is" : "contains")
                    : isSameOrInside(in, out) ? "lies inside" : null;
            if (relation != null) {
                throw new JobConfigException("output " + output + " " + relation + " the input " + input
                        + ": writing it would replace the input; choose an output outside every input");
            }
        }
        try {
            FileSystem fs = out.getFileSystem(hadoop);
            if (fs.exists(out) && !overwrite) {
                throw new JobConfigException("output " + output
                        + " already exists: add --overwrite to replace it, or choose another directory");
            }
            if (fs.exists(out) && !fs.getFileStatus(out).isDirectory()) {
                throw new JobConfigException("output " + output + " exists and is a file, not a job output "
                        + "directory: remove it or choose another directory");
            }
        } catch (IOException e) {
            throw new JobConfigException("cannot check output " + output + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code inner} is {@code outer} or below it. */
    static boolean isSameOrInside(Path outer, Path inner) {
        for (Path p = inner; p != null; p = p.getParent()) {
            if (p.equals(outer)) {
                return true;
            }
        }
        return false;
    }

    /** An absolute, normalised path; local paths that exist are resolved through symlinks. */
    static Path qualified(Configuration hadoop, String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(hadoop);
            Path q = fs.makeQualified(p);
            if (fs instanceof LocalFileSystem) {
                java.nio.file.Path local = Paths.get(URI.create(q.toUri().toString())).normalize();
                java.nio.file.Path real = realPrefix(local);
                return fs.makeQualified(new Path(real.toString()));
            }
            return q;
        } catch (IOException | IllegalArgumentException e) {
            throw new JobConfigException("cannot resolve path " + path + ": " + e.getMessage(), e);
        }
    }

    /** The path with its longest existing prefix resolved through symlinks (the rest appended as given). */
    private static java.nio.file.Path realPrefix(java.nio.file.Path p) throws IOException {
        java.nio.file.Path existing = p;
        java.nio.file.Path rest = null;
        while (existing != null && !Files.exists(existing)) {
            rest = rest == null ? existing.getFileName() : existing.getFileName().resolve(rest);
            existing = existing.getParent();
        }
        if (existing == null) {
            return p;
        }
        java.nio.file.Path real = existing.toRealPath();
        return rest == null ? real : real.resolve(rest);
    }

    /**
     * Takes the output's lock (one run per output at a time) and names a fresh staging directory. Call after
     * {@link #check}.
     */
    public static OutputTarget open(Configuration hadoop, String output, boolean overwrite) {
        Path out = qualified(hadoop, output);
        OutputTarget target;
        try {
            target = new OutputTarget(output, out.getFileSystem(hadoop), out, overwrite);
        } catch (IOException e) {
            throw new JobConfigException("cannot open output " + output + ": " + e.getMessage(), e);
        }
        target.lock();
        return target;
    }

    private void lock() {
        String busy = "output " + output + " is being written by another sparkconv run (lock " + lockPath
                + "); wait for it to finish";
        try {
            fs.mkdirs(path.getParent());
            if (fs instanceof LocalFileSystem) {
                // An OS lock: released when the process dies, so a killed run never blocks the next one.
                java.nio.file.Path file = Paths.get(URI.create(lockPath.toUri().toString()));
                lockChannel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                try {
                    lock = lockChannel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // held by another run in this JVM
                }
                if (lock == null) {
                    lockChannel.close();
                    lockChannel = null;
                    throw new JobConfigException(busy);
                }
            } else {
                // Other file systems: an exclusively created marker file, removed at the end of the run.
                try (FSDataOutputStream ignored = fs.create(lockPath, false)) {
                    lockCreated = true;
                } catch (IOException e) {
                    if (fs.exists(lockPath)) {
                        throw new JobConfigException(busy + " (if no run is active, delete the lock file)");
                    }
                    throw e;
                }
            }
        } catch (IOException e) {
            throw new JobConfigException("cannot lock output " + output + ": " + e.getMessage(), e);
        }
    }

    /** Where the job writes; a hidden sibling of the output on the same file system. */
    public String stagingPath() {
        return staging.toString();
    }

    public String output() {
        return output;
    }

    /**
     * Moves the complete staging directory into place. A previous output is renamed aside first and deleted
     * only after the new one is in place; if the final rename fails, it is moved back.
     */
    public void commit() {
        try {
            Path aside = null;
            if (fs.exists(path)) {
                if (!overwrite) {
                    throw new JobConfigException("output " + output + " appeared while the job ran: the result "
                            + "was not committed; add --overwrite to replace it");
                }
                aside = new Path(path.getParent(), PREFIX + "replaced-" + path.getName() + "-"
                        + UUID.randomUUID());
                if (!fs.rename(path, aside)) {
                    throw new JobConfigException("cannot move the previous output " + output + " aside to "
                            + aside + ": the result was not committed and the previous output is unchanged");
                }
            }
            boolean moved;
            try {
                moved = fs.rename(staging, path);
            } catch (IOException e) {
                moved = false;
            }
            if (!moved) {
                if (aside != null && !fs.exists(path)) {
                    fs.rename(aside, path);
                }
                throw new JobConfigException("cannot rename the finished output " + staging + " to " + output
                        + ": the result was not committed" + (aside == null ? "" : "; the previous output is kept"));
            }
            committed = true;
            if (aside != null) {
                fs.delete(aside, true);
            }
        } catch (IOException e) {
            throw new JobConfigException("cannot commit output " + output + ": " + e.getMessage(), e);
        }
    }

    /** Removes an uncommitted staging directory and releases the lock. */
    @Override
    public void close() {
        try {
            // A cancelled task may still be finishing (or aborting) its file when the job fails and recreate the
            // directory: delete until it has stayed gone for half a second (5 seconds at most).
            long deadline = System.nanoTime() + 5_000_000_000L;
            for (int gone = 0; !committed && gone < 5 && System.nanoTime() < deadline; ) {
                if (fs.exists(staging)) {
                    gone = 0;
                    try {
                        fs.delete(staging, true);
                    } catch (IOException e) {
                        // a file vanished under the delete: the next round sees what is left
                    }
                } else {
                    gone++;
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            // best effort: a hidden staging directory left behind is never mistaken for an output
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                if (lock != null) {
                    lock.release();
                }
                if (lockChannel != null) {
                    lockChannel.close();
                }
                if (lockCreated) {
                    fs.delete(lockPath, false);
                }
            } catch (IOException e) {
                // the OS lock goes with the channel or the process
            }
        }
    }
}
