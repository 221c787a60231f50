package io.sparkconv.datasets;

import io.sparkconv.datasets.cifar.CifarFormat;
import io.sparkconv.datasets.idx.IdxFormat;
import io.sparkconv.datasets.image.ImageFormat;
import io.sparkconv.datasets.io.InputFiles;
import io.sparkconv.datasets.npy.NpyFormat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * The entry point for reading files: {@link #plan} lists the splits of an input (a file or a directory,
 * recursively, sorted) from headers only, on the driver; {@link #open} reads one split (on an executor) as an
 * iterator of records with the bad-record policy applied. Parquet is read through
 * {@code io.sparkconv.datasets.spark.SparkDatasets}.
 *
 * <p>Files that cannot be read at all fail planning under {@link BadRecordPolicy#FAIL}; under SKIP and
 * QUARANTINE they become failed splits, each read as one rejected record (index -1) with the reason.
 */
public final class DatasetSource {
    private DatasetSource() {
    }

    /** Splits of {@code path} (a file, or a directory searched recursively for files of {@code format}). */
    public static List<DatasetSplit> plan(String path, DatasetFormat format, ReadOptions options) {
        if (format == DatasetFormat.PARQUET) {
            throw new IllegalArgumentException("parquet input is read through SparkDatasets.read, not DatasetSource");
        }
        List<String> files;
        boolean directory;
        try {
            directory = InputFiles.backend(path).isDirectory(path);
            files = InputFiles.listFiles(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot list input '" + path + "': " + e.getMessage(), e);
        }
        if (directory) {
            List<String> kept = new ArrayList<>();
            for (String f : files) {
                if (matches(format, InputFiles.fileName(f))) {
                    kept.add(f);
                }
            }
            files = kept;
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("input '" + path + "' has no " + format.cliName() + " files");
        }
        List<DatasetSplit> out = new ArrayList<>();
        long ordinal = 0;
        if (format == DatasetFormat.IMAGE) {
            int per = options.imagesPerSplit();
            for (int i = 0; i < files.size(); i += per) {
                List<String> group = files.subList(i, Math.min(files.size(), i + per));
                out.add(DatasetSplit.fileGroup(format, group, ordinal));
                ordinal += group.size();
            }
            return out;
        }
        for (String file : files) {
            List<DatasetSplit> splits;
            try {
                splits = planFile(file, format, options, ordinal);
            } catch (DatasetException e) {
                if (options.badRecordPolicy() == BadRecordPolicy.FAIL) {
                    throw e;
                }
                splits = List.of(DatasetSplit.failed(format, file, ordinal, e.reason()));
            }
            out.addAll(splits);
            long end = ordinal + 1;
            for (DatasetSplit s : splits) {
                end = Math.max(end, s.ordinalBase() + (s.failure() != null ? 1 : s.to()));
            }
            ordinal = end;
        }
        return out;
    }

    private static List<DatasetSplit> planFile(String file, DatasetFormat format, ReadOptions options, long ordinal) {
        switch (format) {
            case NPY:
                return NpyFormat.planNpy(file, options, ordinal);
            case NPZ:
                return NpyFormat.planNpz(file, options, ordinal, bad -> {
                    if (options.badRecordPolicy() == BadRecordPolicy.FAIL) {
                        throw bad;
                    }
                });
            case IDX:
                return IdxFormat.plan(file, options, ordinal);
            case CIFAR10:
            case CIFAR100:
                return CifarFormat.plan(format, file, options, ordinal);
            default:
                throw new IllegalArgumentException("format " + format + " is not planned per file");
        }
    }

    static boolean matches(DatasetFormat format, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        switch (format) {
            case CIFAR10:
            case CIFAR100:
                return n.endsWith(".bin");
            case IDX:
                // labels files (idx1) are read with their images, not as images
                return DatasetFormat.fromFileName(n) == format && !n.contains("idx1");
            default:
                return DatasetFormat.fromFileName(n) == format;
        }
    }

    /** The raw cursor of a split, without the policy (failed splits have none: use {@link #open}). */
    public static RecordCursor cursor(DatasetSplit split, ReadOptions options) {
        switch (split.format()) {
            case NPY:
            case NPZ:
                return NpyFormat.open(split, options);
            case IDX:
                return IdxFormat.open(split, options);
            case CIFAR10:
            case CIFAR100:
                return CifarFormat.open(split, options);
            case IMAGE:
                return ImageFormat.open(split, options);
            default:
                throw new IllegalArgumentException("format " + split.format() + " has no file cursor");
        }
    }

    /**
     * Opens a split: its good records, the policy applied to bad ones (see {@link RecordIterator}).
     * A failure to open the file counts as one bad record.
     */
    public static RecordIterator open(DatasetSplit split, ReadOptions options, RejectionSink sink) {
        if (split.failure() != null) {
            return new RecordIterator(split, null, options, sink);
        }
        RecordCursor cursor;
        try {
            cursor = cursor(split, options);
        } catch (DatasetException e) {
            return new RecordIterator(split, null, options, sink, e); // each of the split's records is rejected
        }
        return new RecordIterator(split, cursor, options, sink);
    }

    /**
     * Applies the policy to records from any cursor (e.g. rows of a table); {@code sourceName} names the input
     * in messages about failures that are not tied to a record.
     */
    public static RecordIterator open(RecordCursor cursor, String sourceName, ReadOptions options,
                                      RejectionSink sink) {
        DatasetSplit pseudo = DatasetSplit.range(DatasetFormat.PARQUET, sourceName, null, 0, 0, 0, null);
        return new RecordIterator(pseudo, cursor, options, sink);
    }

    /**
     * Reads a whole input in this JVM (tests, small tools): the splits one after another.
     * {@code counts} (may be null) receives read and rejected counts as records are consumed.
     */
    public static Iterator<ImageRecord> readAll(String path, DatasetFormat format, ReadOptions options,
                                                RejectionSink sink, RecordCounts counts) {
        List<DatasetSplit> splits = plan(path, format, options);
        return new Iterator<>() {
            private int nextSplit;
            private RecordIterator current;

            @Override
            public boolean hasNext() {
                while (current == null || !current.hasNext()) {
                    if (current != null && counts != null) {
                        counts.addRead(current.read());
                        counts.addRejected(current.rejected());
                    }
                    current = null;
                    if (nextSplit == splits.size()) {
                        return false;
                    }
                    current = open(splits.get(nextSplit++), options, sink);
                }
                return true;
            }

            @Override
            public ImageRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
