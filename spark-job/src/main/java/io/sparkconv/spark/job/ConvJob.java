package io.sparkconv.spark.job;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.spark.DatasetRead;
import io.sparkconv.datasets.Rejection;
import io.sparkconv.datasets.spark.TensorRows;
import io.sparkconv.spark.BatchBudget;
import io.sparkconv.spark.HandleInvalid;
import io.sparkconv.spark.InputColumn;
import io.sparkconv.spark.InternalRows;
import io.sparkconv.spark.RecordRows;
import io.sparkconv.spark.RowConvolver;
import io.sparkconv.spark.RowCounters;
import io.sparkconv.spark.SparkConv;
import io.sparkconv.spark.SparkSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * The batch job behind {@code sparkconv run}: checks everything it can on the driver (layer, weights, input
 * header against the kernel, output), then reads the input split across tasks, convolves it with
 * {@link SparkConv}, writes the result through Spark's output committer and accounts for every record.
 */
public final class ConvJob {
    private ConvJob() {
    }

    /** The checked plan of a job: a layer with weights, the input's description and a note on the weights. */
    public static final class Plan {
        final JobOptions options;
        final Conv2D layer;
        /** The layers applied after {@link #layer}, in order (from --model with several --layer names). */
        final List<Conv2D> nextLayers;
        JobIo.InputDescription input;
        final String weightsNote;
        /** A task's batch byte budget, given or derived from the executor heap. */
        long batchBytes;

        Plan(JobOptions options, Conv2D layer, JobIo.InputDescription input, String weightsNote) {
            this(options, layer, List.of(), input, weightsNote);
        }

        Plan(JobOptions options, Conv2D layer, List<Conv2D> nextLayers, JobIo.InputDescription input,
             String weightsNote) {
            this.options = options;
            this.layer = layer;
            this.nextLayers = List.copyOf(nextLayers);
            this.input = input;
            this.weightsNote = weightsNote;
        }

        public Conv2D layer() {
            return layer;
        }

        /** Every layer the job applies, in order. */
        public List<Conv2D> layers() {
            List<Conv2D> all = new ArrayList<>();
            all.add(layer);
            all.addAll(nextLayers);
            return all;
        }

        /** Every file or directory the job reads. */
        List<String> inputPaths() {
            return ConvJob.inputPaths(options);
        }

        public long inputRecords() {
            return input.records();
        }
    }

    /**
     * Runs the job on the active SparkSession, or on a new one (stopped at the end) configured from the options,
     * spark-submit's settings and Kryo.
     */
    public static JobSummary runWithSession(JobOptions options, PrintStream out, PrintStream progress) {
        Plan plan = plan(options); // configuration errors fail here, before Spark starts
        SparkSession active = SparkSession.getActiveSession().isDefined() ? SparkSession.getActiveSession().get()
                : SparkSession.getDefaultSession().isDefined() ? SparkSession.getDefaultSession().get() : null;
        if (active != null) {
            return run(active, plan, progress);
        }
        SparkSession spark = SparkSession.builder().config(sparkConf(options)).getOrCreate();
        try {
            return run(spark, plan, progress);
        } finally {
            spark.stop();
        }
    }

    /** System property the launcher sets to the conf/ folder, whose spark-defaults.conf fills unset settings. */
    public static final String CONF_DIR_PROPERTY = "sparkconv.conf.dir";

    /** The Spark settings of {@link #sparkConf(String, java.util.Map, String)} for a job's options. */
    public static SparkConf sparkConf(JobOptions o) {
        return sparkConf(o.master, o.sparkConf, o.propertiesFile);
    }

    /** As {@link #sparkConf(String, java.util.Map, String)} with no --conf and no --properties-file. */
    public static SparkConf sparkConf(String master) {
        return sparkConf(master, java.util.Map.of(), null);
    }

    /**
     * spark-submit's precedence: --master, then --conf settings, then system properties (spark-submit's own
     * settings, or -Dspark.x=y in SPARKCONV_JAVA_OPTS), then the properties file where unset: --properties-file
     * when given, else conf/spark-defaults.conf (when the launcher names the folder); then the job's defaults;
     * Kryo always. Spark's test master local-cluster is refused: it needs a Spark build directory.
     */
    public static SparkConf sparkConf(String master, java.util.Map<String, String> settings, String propertiesFile) {
        SparkConf conf = new SparkConf(true);
        settings.forEach(conf::set);
        Path file = null;
        if (propertiesFile != null) {
            file = Path.of(propertiesFile);
            if (!Files.isRegularFile(file)) {
                throw new JobConfigException("properties file " + propertiesFile + " does not exist");
            }
        } else if (System.getProperty(CONF_DIR_PROPERTY) != null) {
            file = Path.of(System.getProperty(CONF_DIR_PROPERTY), "spark-defaults.conf");
        }
        if (file != null && Files.isRegularFile(file)) {
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                throw new JobConfigException("cannot read properties file " + file + ": " + e.getMessage(), e);
            }
            for (String key : p.stringPropertyNames()) {
                if (key.startsWith("spark.")) { // as spark-submit: other keys are ignored
                    conf.setIfMissing(key, p.getProperty(key).strip());
                }
            }
        }
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        if (conf.get("spark.master").startsWith("local-cluster")) {
            throw new JobConfigException("master " + conf.get("spark.master") + " is not offered: local-cluster is "
                    + "Spark's own test mode and needs a Spark build directory; use local[N], or spark-submit to a "
                    + "standalone master (spark://HOST:PORT)");
        }
        shipJobJar(conf);
        conf.setIfMissing("spark.app.name", "sparkconv");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false"); // our own progress line instead
        // Running tasks report their accumulators with each heartbeat: the progress line moves during tasks.
        conf.setIfMissing("spark.executor.heartbeatInterval", "1s");
        return SparkSettings.withKryo(conf);
    }

    /**
     * Executors of a cluster master (spark://, yarn, k8s, local-cluster) need the job's classes: the jar this class
     * was loaded from is shipped (spark.jars) unless spark-submit already did; run from class directories (a
     * development build), such a master is refused with a pointer to spark-submit.
     */
    static void shipJobJar(SparkConf conf) {
        String master = conf.get("spark.master", "local");
        boolean inProcessExecutors = master.startsWith("local") && !master.startsWith("local-cluster");
        if (inProcessExecutors || conf.contains("spark.jars") || conf.contains("spark.submit.deployMode")) {
            return;
        }
        Path jar = jobJar();
        if (jar == null) {
            throw new JobConfigException("master " + master + " runs executors in other JVMs, which need the job jar, "
                    + "but sparkconv runs from class directories: build the jar (mvn package) and use bin/sparkconv, "
                    + "or spark-submit --class io.sparkconv.spark.cli.SparkConvMain <job jar> run ...");
        }
        conf.set("spark.jars", jar.toUri().toString());
    }

    /** The jar holding this class, or null when it is loaded from a directory. */
    public static Path jobJar() {
        try {
            var source = ConvJob.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return null;
            }
            Path p = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(p) && p.getFileName().toString().endsWith(".jar") ? p : null;
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** All driver-side checks; a problem is a {@link JobConfigException} with a one-line message. */
    public static Plan plan(JobOptions o) {
        Plan plan = planLayers(o);
        return withBatchBudget(plan);
    }

    /**
     * The batch byte budget, and the largest record it holds made the reader's element limit, so that such a
     * record is a bad record (rejected and counted under skip/quarantine) before it is decoded.
     */
    private static Plan withBatchBudget(Plan plan) {
        JobOptions o = plan.options;
        long budget = o.maxBatchBytes > 0 ? o.maxBatchBytes : BatchBudget.defaultBytes(sparkConf(o));
        int in = plan.input.channels();
        int out = plan.layer.spec().filters();
        boolean channelsFirst = plan.layer.spec().dataFormat() == DataFormat.CHANNELS_FIRST;
        if (in > 0) {
            // Output elements are at most H*W*F (strides >= 1), so an image of n elements needs at most
            // 4 * n * (1 + F/C) bytes of batch (twice for channels_first's transposes).
            long maxElements = (long) Math.min(Long.MAX_VALUE / 2.0,
                    Math.floor(budget * (double) in / (4.0 * (in + out) * (channelsFirst ? 2 : 1))));
            plan.input = plan.input.withMaxElements(Math.max(1, maxElements), "the batch budget of "
                    + BatchBudget.text(budget) + " for input and output: raise --max-batch-bytes (and the heap)");
        }
        plan.batchBytes = budget;
        return plan;
    }

    private static Plan planLayers(JobOptions o) {
        require(o.input, "--input");
        require(o.layer, "--layer");
        require(o.output, "--output");
        if (!"parquet".equals(o.outputFormat.toLowerCase(Locale.ROOT))) {
            throw new JobConfigException("output format '" + o.outputFormat + "' is not supported: expected parquet");
        }
        if (!"array".equals(o.outputEncoding) && !"binary".equals(o.outputEncoding)) {
            throw new JobConfigException("output encoding '" + o.outputEncoding + "' is not supported: expected array"
                    + " (tensor data as array<float>) or binary (little-endian float32 bytes)");
        }
        if (o.batchSize < 1) {
            throw new JobConfigException("batch size must be >= 1, got " + o.batchSize);
        }
        if (o.maxBatchBytes < 0) {
            throw new JobConfigException("max batch bytes must be > 0, got " + o.maxBatchBytes);
        }
        if (o.partitions < 0) {
            throw new JobConfigException("partitions must be >= 1, got " + o.partitions);
        }
        // Before Spark starts and before any file is read: an output that would replace an input, or exists.
        OutputTarget.check(new Configuration(), o.output, o.overwrite, inputPaths(o));
        if (o.model != null) {
            return planFromModel(o);
        }
        if (o.modelJson != null) {
            throw new JobConfigException("--model-json '" + o.modelJson + "' was given without --model");
        }
        if (o.bias != null && o.kernel == null) {
            throw new JobConfigException("--bias '" + o.bias + "' was given without --kernel");
        }
        Conv2D layer = readLayer(o.layer);
        DataFormat format = layer.spec().dataFormat();
        String weightsNote;
        JobIo.InputDescription input;
        if (o.kernel != null) {
            FloatTensor kernel = readWeights(o.kernel, "kernel");
            FloatTensor bias = o.bias == null ? null : readWeights(o.bias, "bias");
            if (layer.spec().useBias() && bias == null) {
                throw new JobConfigException("the layer uses a bias (use_bias=true) but no --bias was given");
            }
            if (bias != null && !layer.spec().useBias()) {
                throw new JobConfigException("--bias " + o.bias + " was given but the layer has use_bias=false");
            }
            try {
                layer.setWeights(kernel, bias);
            } catch (IllegalArgumentException e) {
                throw new JobConfigException("weights do not fit the layer: " + e.getMessage(), e);
            }
            input = JobIo.describe(o.input, o.inputFormat, o.inputCol, o.inputShape, format, o.badRecordPolicy,
                    layer.inputChannels(), o.partitions, o.colorMode);
            checkColorMode(o, input, layer.inputChannels(), "kernel " + o.kernel + " of shape "
                    + Arrays.toString(layer.kernelShape()));
            if (input.recordShape() != null && input.channels() != layer.inputChannels()) {
                throw new JobConfigException("channel mismatch: kernel " + o.kernel + " of shape "
                        + Arrays.toString(layer.kernelShape()) + " expects " + layer.inputChannels()
                        + " input channels, but input " + o.input + " has " + input.channels() + " (record shape "
                        + Arrays.toString(input.recordShape()) + ", " + format.kerasName() + ")");
            }
            weightsNote = "kernel " + o.kernel + (bias == null ? "" : ", bias " + o.bias);
        } else {
            input = JobIo.describe(o.input, o.inputFormat, o.inputCol, o.inputShape, format, o.badRecordPolicy, 0,
                    o.partitions, o.colorMode);
            if (input.table() != null && input.recordShape() == null) {
                throw new JobConfigException("no --kernel given and the channels of " + o.input + " are not known "
                        + "before reading it: give --input-shape, or --kernel with the weights");
            }
            int channels = input.channels();
            input = input.withExpectedChannels(channels);
            try {
                layer.initializeWeights(channels, o.seed);      // checks the size against WeightLimit first
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new JobConfigException("cannot initialize weights for " + channels + " input channels: "
                        + e.getMessage(), e);
            }
            weightsNote = "no --kernel given: initialized by the layer's initializers with seed " + o.seed;
        }
        int[] shape = input.recordShape();
        if (shape != null) {
            try {
                layer.outputShape(new int[] {1, shape[0], shape[1], shape[2]});
            } catch (IllegalArgumentException e) {
                throw new JobConfigException("input " + o.input + " does not fit the layer: " + e.getMessage(), e);
            }
        }
        JobIo.checkFirstValueCount(input);
        return new Plan(o, layer, input, weightsNote);
    }

    /** --model MODEL --layer NAME[,NAME...]: the named Conv2D layers with their trained weights, in order. */
    private static Plan planFromModel(JobOptions o) {
        if (o.kernel != null || o.bias != null) {
            throw new JobConfigException("--kernel/--bias cannot be combined with --model: the weights come from "
                    + "the model file " + o.model);
        }
        KerasModelLayers.Loaded loaded = KerasModelLayers.load(o.model, o.modelJson, o.layer);
        List<Conv2D> layers = loaded.layers();
        Conv2D first = layers.get(0);
        JobIo.InputDescription input = JobIo.describe(o.input, o.inputFormat, o.inputCol, o.inputShape,
                first.spec().dataFormat(), o.badRecordPolicy, first.inputChannels(), o.partitions, o.colorMode);
        checkColorMode(o, input, first.inputChannels(), "the first layer of " + o.model);
        if (input.recordShape() != null && input.channels() != first.inputChannels()) {
            throw new JobConfigException("channel mismatch: the first layer of " + o.model + " expects "
                    + first.inputChannels() + " input channels, but input " + o.input + " has " + input.channels()
                    + " (record shape " + Arrays.toString(input.recordShape()) + ", "
                    + first.spec().dataFormat().kerasName() + ")");
        }
        int[] shape = input.recordShape();
        if (shape != null) {
            int[] batchShape = {1, shape[0], shape[1], shape[2]};
            for (Conv2D layer : layers) {
                try {
                    batchShape = layer.outputShape(batchShape);
                } catch (IllegalArgumentException e) {
                    throw new JobConfigException("input " + o.input + " does not fit layer '" + layer.spec().name()
                            + "': " + e.getMessage(), e);
                }
            }
        }
        JobIo.checkFirstValueCount(input);
        return new Plan(o, first, layers.subList(1, layers.size()), input, loaded.note());
    }

    /** The input, and the layer, weights and model files the job reads (the output may hold none of them). */
    static List<String> inputPaths(JobOptions o) {
        List<String> paths = new ArrayList<>();
        paths.add(o.input);
        if (o.model == null) {
            paths.add(o.layer);
        }
        paths.add(o.kernel);
        paths.add(o.bias);
        paths.add(o.model);
        paths.add(o.modelJson);
        return paths;
    }

    /** Image files: the channels of --color-mode must be those the kernel expects; no silent conversion. */
    private static void checkColorMode(JobOptions o, JobIo.InputDescription input, int kernelChannels,
            String kernel) {
        if (input.table() != null || input.format() != DatasetFormat.IMAGE || input.channels() == kernelChannels) {
            return;
        }
        String fitting = kernelChannels == 1 ? " (use --color-mode grayscale)" : kernelChannels == 3
                ? " (use --color-mode rgb)" : kernelChannels == 4 ? " (use --color-mode rgba)" : "";
        throw new JobConfigException("channel mismatch: " + kernel + " expects " + kernelChannels
                + " input channels, but --color-mode " + colorModeName(o.colorMode) + " decodes the images of "
                + o.input + " to " + input.channels() + fitting);
    }

    /** Keras' name of an image mode (image_dataset_from_directory's color_mode). */
    public static String colorModeName(io.sparkconv.datasets.ImageMode mode) {
        switch (mode) {
            case GRAY:
                return "grayscale";
            case COLOR_ALPHA:
                return "rgba";
            default:
                return "rgb";
        }
    }

    private static void require(String value, String option) {
        if (value == null || value.isBlank()) {
            throw new JobConfigException(option + " is required");
        }
    }

    /** The layer of a Keras layer config JSON file, with a one-line message naming the file when it is bad. */
    public static Conv2D readLayer(String path) {
        String json;
        try {
            json = Files.readString(Path.of(path), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new JobConfigException("layer file " + path + " does not exist");
        } catch (IOException e) {
            throw new JobConfigException("cannot read layer file " + path + ": " + e.getMessage(), e);
        }
        try {
            return Conv2D.fromConfig(json);
        } catch (RuntimeException e) {
            throw new JobConfigException("layer file " + path + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** A weights NPY as a float tensor, with a one-line message naming the file when it is missing or bad. */
    public static FloatTensor readWeights(String path, String what) {
        if (!Files.exists(Path.of(path))) {
            throw new JobConfigException(what + " file " + path + " does not exist");
        }
        try {
            return JobIo.readNpy(path);
        } catch (DatasetException e) {
            throw new JobConfigException(what + " file " + path + ": " + firstLine(e.reason()), e);
        } catch (RuntimeException e) {
            throw new JobConfigException(what + " file " + path + ": " + firstLine(e.getMessage()), e);
        }
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** File records as a DataFrame of {@link TensorRows#SCHEMA}, built from internal rows (no per-value boxing). */
    public static Dataset<Row> recordTable(SparkSession spark, JavaRDD<ImageRecord> records) {
        RDD<InternalRow> rows = records.map(RecordRows::toInternalRow).rdd();
        return InternalRows.toDataFrame(spark, rows, TensorRows.SCHEMA);
    }

    /**
     * The table with the convolver's input column replaced by the convolution's tensor column, named
     * {@code tensor}, at the end; the other columns (ids, labels, a run's source/index/ordinal/label) kept as they
     * are. The convolver leaves the input column out of the rows it keeps while a batch is convolved.
     */
    public static Dataset<Row> convolve(Dataset<Row> table, RowConvolver convolver) {
        RowConvolver dropping = convolver.droppingInputColumn(table.schema());
        RDD<InternalRow> output = InternalRows.of(table).toJavaRDD().mapPartitions(dropping, true).rdd();
        return InternalRows.toDataFrame(table.sparkSession(), output,
                dropping.outputSchema(table.schema(), TensorRows.TENSOR));
    }

    /**
     * The image column checked against the layer on the driver, before any task: a missing column, a type the job
     * cannot read, a missing or wrong --input-shape, or an output column that would clash, in one line.
     */
    static InputColumn checkedColumn(StructType schema, String column, int[] inputShape, Conv2D layer,
            int inputChannels, JobOptions o) {
        for (String name : schema.fieldNames()) {
            if (name.equals(TensorRows.TENSOR) && !column.equals(TensorRows.TENSOR)) {
                throw new JobConfigException("input " + o.input + " already has a column '" + TensorRows.TENSOR
                        + "', which the output column would replace: rename it, or convolve it (--input-col "
                        + TensorRows.TENSOR + ")");
            }
        }
        try {
            return InputColumn.resolve(schema, column, inputShape, layer.spec().dataFormat(), true, layer,
                    inputChannels, InputColumn.Wording.JOB);
        } catch (IllegalArgumentException e) {
            throw new JobConfigException("input " + o.input + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** Runs a checked plan on the given session. */
    public static JobSummary run(SparkSession spark, Plan plan, PrintStream progress) {
        JobOptions o = plan.options;
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        OutputTarget.check(sc.hadoopConfiguration(), o.output, o.overwrite, plan.inputPaths());
        try (OutputTarget target = OutputTarget.open(sc.hadoopConfiguration(), o.output, o.overwrite)) {
            try {
                return run(spark, sc, plan, target, progress);
            } catch (RuntimeException | Error e) {
                // The failed stage's other tasks are killed asynchronously and may still be writing into the
                // staging directory: let them end before it is removed, or their files would outlive it.
                sc.cancelAllJobs();
                awaitNoRunningTasks(sc, 30_000);
                throw e;
            }
        }
    }

    /** Waits (at most {@code millis}) until no executor runs a task. */
    private static void awaitNoRunningTasks(JavaSparkContext sc, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            int running = 0;
            for (org.apache.spark.SparkExecutorInfo executor : sc.sc().statusTracker().getExecutorInfos()) {
                running += executor.numRunningTasks();
            }
            if (running == 0) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The Spark UI's address, or why there is none. */
    static String uiUrl(SparkSession spark) {
        var url = spark.sparkContext().uiWebUrl();
        return url.isDefined() ? url.get() : "off (spark.ui.enabled=false)";
    }

    /**
     * Task-end events reach listeners asynchronously: wait (at most 10 s) until the bus delivered them, so the
     * summary's task time counts every task.
     */
    private static void waitForListeners(SparkSession spark) {
        try {
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } catch (Exception e) {
            // A busy bus: the task time may miss the last tasks; nothing else depends on it.
        }
    }

    /** Test hook: runs on the driver after the output is written to staging and before it is committed. */
    static volatile Runnable beforeCommit;

    private static JobSummary run(SparkSession spark, JavaSparkContext sc, Plan plan, OutputTarget target,
            PrintStream progress) {
        JobOptions o = plan.options;
        long start = System.nanoTime();
        double startupSeconds = Math.max(0, (System.currentTimeMillis()
                - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime()) / 1e3);
        int cores = spark.sparkContext().defaultParallelism();
        if (o.progressIntervalMillis > 0) {
            progress.println("sparkconv: " + plan.input.records() + " records on " + spark.sparkContext().master()
                    + " (" + cores + " cores), Spark UI: " + uiUrl(spark));
            progress.flush();
        }
        ProgressListener listener = new ProgressListener(plan.input.records(), progress, o.progressIntervalMillis);
        spark.sparkContext().addSparkListener(listener);
        List<SparkConv> nextConvs = new ArrayList<>();
        int inputChannels = plan.layer.inputChannels();
        try (SparkConv conv = SparkConv.broadcast(sc, plan.layer, inputChannels)) {
            // One partition path for every input: file records become rows of TensorRows.SCHEMA, tables are read
            // by Spark's own readers; both go through the RowConvolver, as the transformer's rows do.
            DatasetRead read = plan.input.table() == null ? JobIo.read(spark, plan.input) : null;
            Dataset<Row> table = read != null ? recordTable(spark, read.records()) : JobIo.readTable(spark, plan.input);
            String column = read != null ? TensorRows.TENSOR : plan.input.column();
            if (read == null && o.partitions > 0) {
                table = table.repartition(o.partitions); // Spark's readers pick their own partitions
            }
            boolean quarantining = o.badRecordPolicy == BadRecordPolicy.QUARANTINE;
            HandleInvalid policy = o.badRecordPolicy == BadRecordPolicy.FAIL ? HandleInvalid.ERROR : HandleInvalid.SKIP;
            List<RowCounters> counters = new ArrayList<>();
            Conv2D current = plan.layer;
            SparkConv currentConv = conv;
            int[] inputShape = read != null ? null : plan.input.inputShape();
            for (int i = 0; ; i++) { // --model with several layers: each takes the previous maps
                InputColumn input = checkedColumn(table.schema(), column, inputShape, current, inputChannels, o);
                RowCounters layerCounters = RowCounters.register(spark.sparkContext(), "sparkconv.job.layer" + i,
                        quarantining);
                counters.add(layerCounters);
                table = convolve(table, currentConv.convolver(input, o.batchSize, plan.batchBytes, policy,
                        "sparkconv run", "Use --on-bad-record skip or quarantine to leave such records out.",
                        layerCounters, "binary".equals(o.outputEncoding)));
                column = TensorRows.TENSOR;
                inputShape = null;
                if (i == plan.nextLayers.size()) {
                    break;
                }
                inputChannels = current.spec().filters();
                current = plan.nextLayers.get(i);
                currentConv = SparkConv.broadcast(sc, current, inputChannels);
                nextConvs.add(currentConv);
            }
            String staging = target.stagingPath();
            long written = JobOutput.writeParquet(table, staging);
            listener.finish(conv.imagesConvolved());
            String quarantine = null;
            if (quarantining) {
                List<Rejection> rejections = new ArrayList<>(read == null ? List.of() : read.rejections().value());
                for (RowCounters c : counters) {
                    rejections.addAll(c.rejections.value());
                }
                JobOutput.writeQuarantine(spark, rejections, staging);
                quarantine = JobOutput.quarantinePath(o.output);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            // File records are counted by their reader; a table's rows by the first layer's convolver.
            long readCount = read != null ? read.counts().value().read() : counters.get(0).rows.value();
            long rejected = read != null ? read.counts().value().rejected() : 0;
            for (RowCounters c : counters) {
                rejected += c.rejected.value();
            }
            if (readCount != written + rejected) {
                throw new IllegalStateException("record accounting does not balance: read " + readCount
                        + ", written " + written + ", rejected " + rejected + "; the output was not committed");
            }
            Runnable hook = beforeCommit;
            if (hook != null) {
                hook.run();
            }
            target.commit();
            long flops = conv.flops();
            long convolutionNanos = conv.convolutionNanos();
            List<String> plans = new ArrayList<>(conv.plans());
            for (SparkConv next : nextConvs) {
                flops += next.flops();
                convolutionNanos += next.convolutionNanos();
                plans.addAll(next.plans());
            }
            waitForListeners(spark);
            JobSummary.Timing timing = new JobSummary.Timing(startupSeconds, seconds,
                    listener.taskRunMillis() / 1e3, convolutionNanos / 1e9, conv.imagesConvolved(), cores);
            return new JobSummary(readCount, written, rejected, timing, flops, o.output, quarantine,
                    plan.weightsNote, conv.layerBuilds(), plans);
        } finally {
            for (SparkConv next : nextConvs) {
                next.close();
            }
            listener.close();
            spark.sparkContext().removeSparkListener(listener);
        }
    }
}
