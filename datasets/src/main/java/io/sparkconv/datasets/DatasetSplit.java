package io.sparkconv.datasets;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A piece of the input one task reads: a record range {@code [from, to)} of one file (or NPZ member), or a
 * group of image files, planned on the driver from headers only. A split of a file that could not be read
 * carries the {@link #failure()} instead; opening it yields nothing but that one rejection.
 */
public final class DatasetSplit implements Serializable {
    // Only plain fields (arrays, strings, an enum) so that Kryo with registration required can carry it.
    private static final long serialVersionUID = 1L;

    private final DatasetFormat format;
    private final String path;
    private final String member;
    private final String[] files;
    private final long from;
    private final long to;
    private final long ordinalBase;
    private final int[] recordShape;
    private final String failure;
    private String labels;

    DatasetSplit(DatasetFormat format, String path, String member, List<String> files, long from, long to,
                 long ordinalBase, int[] recordShape, String failure) {
        this.format = Objects.requireNonNull(format);
        this.path = Objects.requireNonNull(path);
        this.member = member;
        this.files = files == null ? null : files.toArray(new String[0]);
        this.from = from;
        this.to = to;
        this.ordinalBase = ordinalBase;
        this.recordShape = recordShape;
        this.failure = failure;
    }

    /** A record range of a file (or of NPZ member {@code member}, else null). */
    public static DatasetSplit range(DatasetFormat format, String path, String member, long from, long to,
                                     long ordinalBase, int[] recordShape) {
        return new DatasetSplit(format, path, member, null, from, to, ordinalBase, recordShape, null);
    }

    /** Image files {@code files}, record {@code i} being file {@code i} (index within its source is 0). */
    public static DatasetSplit fileGroup(DatasetFormat format, List<String> files, long ordinalBase) {
        return new DatasetSplit(format, files.get(0), null, files, 0, files.size(), ordinalBase, null, null);
    }

    /** A file (or member) that cannot be read at all: one rejection with {@code reason}. */
    public static DatasetSplit failed(DatasetFormat format, String source, long ordinalBase, String reason) {
        return new DatasetSplit(format, source, null, null, 0, 1, ordinalBase, null, Objects.requireNonNull(reason));
    }

    /** The same split with its labels read from {@code labelsPath} (an IDX labels file). */
    public DatasetSplit withLabels(String labelsPath) {
        DatasetSplit s = new DatasetSplit(format, path, member, files(), from, to, ordinalBase, recordShape, failure);
        s.labels = labelsPath;
        return s;
    }

    /** The file the records' labels come from (MNIST's idx1 file beside the images), or null. */
    public String labels() {
        return labels;
    }

    public DatasetFormat format() {
        return format;
    }

    /** The file (the first file of a group). */
    public String path() {
        return path;
    }

    /** NPZ member name, or null. */
    public String member() {
        return member;
    }

    /** The name records of this split carry as their source: the path, or {@code path!member} for NPZ. */
    public String source() {
        return member == null ? path : path + "!" + member;
    }

    /** Files of an image group, or null. */
    public List<String> files() {
        return files == null ? null : List.of(files);
    }

    public long from() {
        return from;
    }

    public long to() {
        return to;
    }

    /** Records in this split (1 for a failed one): the split's share of "records read". */
    public long recordCount() {
        return to - from;
    }

    /** Ordinal of the source's record 0 (the input-order key is {@code ordinalBase + index}). */
    public long ordinalBase() {
        return ordinalBase;
    }

    /** The 3-D shape of every record, when the header says it (NPY, NPZ, IDX, CIFAR); null otherwise. */
    public int[] recordShape() {
        return recordShape == null ? null : recordShape.clone();
    }

    /** Why the file cannot be read, or null for a readable split. */
    public String failure() {
        return failure;
    }

    @Override
    public String toString() {
        return "DatasetSplit{" + format.cliName() + " " + source() + (files != null ? " (+" + (files.length - 1)
                + " files)" : "") + " [" + from + ", " + to + ")" + (recordShape != null ? " shape="
                + Arrays.toString(recordShape) : "") + (labels != null ? " labels=" + labels : "")
                + (failure != null ? " FAILED: " + failure : "") + "}";
    }
}
