package io.sparkconv.datasets;

import java.util.Locale;

/** The input formats, by the names the command line uses. */
public enum DatasetFormat {
    NPY("npy"),
    NPZ("npz"),
    /** MNIST IDX files ({@code *-ubyte}, gzipped or not). */
    IDX("idx"),
    /** CIFAR-10 binary batches: 1 label byte + 3x32x32 bytes per record. */
    CIFAR10("cifar10"),
    /** CIFAR-100 binary batches: coarse and fine label bytes + 3x32x32 bytes per record. */
    CIFAR100("cifar100"),
    /** PNG, JPEG, BMP, GIF (first frame) files, or a directory of them, read with javax.imageio. */
    IMAGE("image"),
    /** Parquet with a tensor column (read through Spark only). */
    PARQUET("parquet");

    private final String cliName;

    DatasetFormat(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static DatasetFormat parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT).replace("-", "");
        for (DatasetFormat f : values()) {
            if (f.cliName.equals(v)) {
                return f;
            }
        }
        if (v.equals("images") || v.equals("png") || v.equals("jpeg") || v.equals("jpg")) {
            return IMAGE;
        }
        if (v.equals("mnist")) {
            return IDX;
        }
        throw new IllegalArgumentException("input format '" + value + "' is not supported: expected one of "
                + "npy, npz, idx, cifar10, cifar100, image, parquet");
    }

    /** Guesses the format from a file name; null when the name says nothing. */
    public static DatasetFormat fromFileName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".npy")) {
            return NPY;
        }
        if (n.endsWith(".npz")) {
            return NPZ;
        }
        if (n.endsWith("-ubyte") || n.endsWith("-ubyte.gz") || n.endsWith(".idx") || n.endsWith(".idx.gz")) {
            return IDX;
        }
        if (n.endsWith(".parquet")) {
            return PARQUET;
        }
        if (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".bmp")
                || n.endsWith(".gif")) {
            return IMAGE;
        }
        return null;
    }
}
