package io.sparkconv.spark.cli;

import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.spark.BatchBudget;
import io.sparkconv.spark.SparkConv;
import io.sparkconv.spark.job.ConvJob;
import io.sparkconv.spark.job.JobOptions;
import io.sparkconv.spark.job.JobSummary;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Convolves every image of the input with a Keras Conv2D layer as a Spark job and writes the "
                + "feature maps, with each input's source and index, to the output directory.",
                "Without --master it runs in local mode on all cores (or on the master spark-submit was given)."},
        footer = {"", "Example:", "  sparkconv run --input images.npy --layer conf/layers/sobel-edges.json "
                + "--kernel sobel.npy --output out/",
                "  sparkconv run --input images.npy --model model.keras --layer conv2d,conv2d_1 --output out/"})
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "PATH",
            description = "Input file or directory (local or any Hadoop file system).")
    String input;

    @Mixin
    LayerSourceOptions source;

    @Option(names = "--kernel", paramLabel = "FILE",
            description = "Kernel weights NPY, shape (kh, kw, Cin/groups, filters). Without it the weights are "
                    + "initialized by the layer's initializers with --seed.")
    String kernel;

    @Option(names = "--bias", paramLabel = "FILE", description = "Bias NPY, shape (filters). Required with --kernel "
            + "when the layer uses a bias.")
    String bias;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of the weight initializers when no --kernel is given (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Output directory.")
    String output;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master: local[N] or local[*] (the default), spark://host:port, yarn, k8s://...; "
                    + "for a cluster, spark-submit is the usual way (see README).")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark setting, repeatable; wins over --properties-file, conf/spark-defaults.conf and "
                    + "-Dspark.x=y (spark-submit's precedence).")
    java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();

    @Option(names = "--properties-file", paramLabel = "FILE",
            description = "Spark settings file read instead of conf/spark-defaults.conf (as spark-submit does).")
    String propertiesFile;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "0",
            description = "Number of input partitions (default: the reader's split size).")
    int partitions;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "" + SparkConv.DEFAULT_BATCH_SIZE,
            description = "Images convolved together by a task (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--max-batch-bytes", paramLabel = "SIZE",
            description = "A task's batch byte budget: input plus output floats of the images convolved together "
                    + "(e.g. 256m, 2g). Batches hold fewer than --batch-size images when they would exceed it; an "
                    + "image that alone exceeds it is a bad record. Default: a quarter of the executor heap's share "
                    + "per task.")
    String maxBatchBytes;

    @Option(names = "--input-format", paramLabel = "FORMAT",
            description = "npy, npz, idx, cifar10, cifar100, image, or a table: parquet, orc, json (JSON lines); "
                    + "default: from the file names.")
    String inputFormat;

    @Option(names = "--input-col", paramLabel = "NAME",
            description = "The image column of a table input (parquet, orc, json; with image: Spark's image source): "
                    + "array<float|double>, nested arrays, binary float32 (little-endian), an ML vector, Spark's "
                    + "image struct or the tensor struct. The other columns are kept in the output. Default for "
                    + "parquet: tensor (a run's output).")
    String inputCol;

    @Option(names = "--input-shape", paramLabel = "H,W,C", split = ",",
            description = "One image's shape in the layer's data format, needed for array, binary and vector "
                    + "columns, e.g. 28,28,1.")
    int[] inputShape;

    @Option(names = "--color-mode", paramLabel = "MODE", defaultValue = "rgb",
            description = "Image files: grayscale (1 channel), rgb (3) or rgba (4), as Keras' "
                    + "image_dataset_from_directory (default: ${DEFAULT-VALUE}). The kernel must expect as many "
                    + "channels.")
    String colorMode;

    @Option(names = "--output-format", paramLabel = "FORMAT", defaultValue = "parquet",
            description = "Output format: parquet (default).")
    String outputFormat;

    @Option(names = "--output-encoding", paramLabel = "ENC", defaultValue = "array",
            description = "The output tensor's data: array (array<float>, the default) or binary (little-endian "
                    + "float32 bytes in C order; Parquet writes it many times faster; "
                    + "np.frombuffer(data, '<f4').reshape(shape) in NumPy; export reads both).")
    String outputEncoding;

    @Option(names = "--on-bad-record", paramLabel = "POLICY", defaultValue = "fail",
            description = "fail (default), skip, or quarantine (rejected records listed under DIR/_quarantine).")
    String onBadRecord;

    @Option(names = "--overwrite", description = "Replace the output directory if it exists.")
    boolean overwrite;

    @Option(names = "--verbose", description = "Also print Spark's stack traces of failing tasks (bin/sparkconv; "
            + "they are always in the log file, ${java.io.tmpdir}/sparkconv-USER.log unless -Dsparkconv.log.file).")
    boolean verbose;

    @Option(names = "--progress-seconds", paramLabel = "S", defaultValue = "5",
            description = "Seconds between progress lines (e.g. 0.5), 0 for none (default: ${DEFAULT-VALUE}).")
    double progressSeconds;

    private io.sparkconv.datasets.ImageMode parseColorMode(String mode) {
        switch (mode) {
            case "grayscale":
                return io.sparkconv.datasets.ImageMode.GRAY;
            case "rgb":
                return io.sparkconv.datasets.ImageMode.COLOR;
            case "rgba":
                return io.sparkconv.datasets.ImageMode.COLOR_ALPHA;
            default:
                throw new CommandLine.ParameterException(spec.commandLine(), "--color-mode '" + mode
                        + "' is not supported: expected grayscale, rgb or rgba");
        }
    }

    @Override
    public Integer call() {
        JobOptions o = new JobOptions();
        o.input = input;
        o.inputFormat = inputFormat;
        o.inputCol = inputCol;
        o.inputShape = inputShape;
        o.layer = source.layer;
        o.model = source.model;
        o.modelJson = source.modelJson;
        o.kernel = kernel;
        o.bias = bias;
        o.seed = seed;
        o.output = output;
        o.outputFormat = outputFormat;
        o.outputEncoding = outputEncoding;
        o.master = master;
        o.sparkConf = conf;
        o.propertiesFile = propertiesFile;
        o.partitions = partitions;
        o.batchSize = batchSize;
        if (maxBatchBytes != null) {
            try {
                o.maxBatchBytes = BatchBudget.parseBytes(maxBatchBytes, "--max-batch-bytes", 0);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            if (o.maxBatchBytes < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--max-batch-bytes must be > 0");
            }
        }
        o.overwrite = overwrite;
        o.colorMode = parseColorMode(colorMode);
        o.progressIntervalMillis = Math.round(progressSeconds * 1000);
        try {
            o.badRecordPolicy = BadRecordPolicy.parse(onBadRecord);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--on-bad-record: " + e.getMessage());
        }
        if (batchSize < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch-size must be >= 1, got " + batchSize);
        }
        if (partitions < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--partitions must be >= 1, got " + partitions);
        }
        if (progressSeconds < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--progress-seconds must be >= 0, got " + progressSeconds);
        }
        PrintStream out = Streams.out(spec);
        JobSummary summary = ConvJob.runWithSession(o, out, Streams.err(spec));
        out.print(summary.text());
        out.flush();
        return SparkConvMain.EXIT_OK;
    }
}
