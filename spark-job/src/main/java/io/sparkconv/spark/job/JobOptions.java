package io.sparkconv.spark.job;

import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.spark.SparkConv;

/** Everything `sparkconv run` is told; plain fields with the command line's defaults. */
public final class JobOptions {
    /** Input file or directory (any Hadoop path). */
    public String input;
    /** Input format name (npy, npz, idx, cifar10, cifar100, image, parquet) or null to infer from file names. */
    public String inputFormat;
    /**
     * The image column of a table input (parquet, orc, json, or image through Spark's image source), or null: the
     * {@code tensor} column of a run's own Parquet output.
     */
    public String inputCol;
    /** One image's shape in the layer's data format, for array, binary and vector columns; or null. */
    public int[] inputShape;
    /** Keras layer config JSON file; with {@link #model}, the layer name(s) in the model, comma-separated. */
    public String layer;
    /** Keras model file (.h5/.hdf5/.keras) whose named Conv2D layers run in order, weights included; or null. */
    public String model;
    /** The model's JSON for a weights-only {@link #model} file, or null. */
    public String modelJson;
    /** Kernel NPY (kh, kw, Cin/groups, F), or null to initialize the weights with {@link #seed}. */
    public String kernel;
    /** Bias NPY (F), or null (required when the layer uses a bias and a kernel is given). */
    public String bias;
    /** Seed of the layer's initializers when no kernel is given. */
    public long seed = 42;
    /** Output directory. */
    public String output;
    /**
     * The output tensor's data: "array" (array<float>, the default) or "binary" (little-endian float32 bytes,
     * {@code TensorRows.BINARY_TENSOR_TYPE}: Parquet writes it many times faster).
     */
    public String outputEncoding = "array";
    /** Output format: parquet. */
    public String outputFormat = "parquet";
    /** Spark master, or null for spark-submit's or local[*]. */
    public String master;
    /** Spark settings given as --conf key=value: they win over every other source but --master. */
    public java.util.Map<String, String> sparkConf = new java.util.LinkedHashMap<>();
    /** --properties-file: read instead of conf/spark-defaults.conf, as spark-submit does; or null. */
    public String propertiesFile;
    /** Number of input partitions, or 0 for the reader's default split size. */
    public int partitions;
    public int batchSize = SparkConv.DEFAULT_BATCH_SIZE;
    /** A task's batch byte budget (input plus output floats of a batch); 0: derived from the executor heap. */
    public long maxBatchBytes;
    /** Channels image files are decoded to, as Keras' image_dataset_from_directory names them. */
    public io.sparkconv.datasets.ImageMode colorMode = io.sparkconv.datasets.ImageMode.COLOR;
    public BadRecordPolicy badRecordPolicy = BadRecordPolicy.FAIL;
    public boolean overwrite;
    /** Milliseconds between progress lines; 0 turns them off. */
    public long progressIntervalMillis = 5000;
}
