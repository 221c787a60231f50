package io.sparkconv.bench;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.spark.TensorRows;
import io.sparkconv.spark.HandleInvalid;
import io.sparkconv.spark.InputColumn;
import io.sparkconv.spark.RowConvolver;
import io.sparkconv.spark.SparkConv;
import io.sparkconv.spark.job.ConvJob;
import io.sparkconv.spark.SparkSettings;
import io.sparkconv.spark.ml.Conv2DTransformer;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import java.util.Iterator;
import java.util.SplittableRandom;

/**
 * What Spark costs: the Conv2D transformer as a local-mode Spark job on generated in-memory images, against
 * the kernel alone (one {@link Conv2D.Runner} per core) on the same images and cores; and the memory of a task
 * as a function of the mini-batch size, on one partition of many images in a small heap. A program for
 * bench/spark-path.sh, not a test.
 *
 * <p>Arguments: {@code mode=throughput|memory images=N size=HxWxC filters=F kernel=K cores=N batch=B
 * batches=16,64,256,1024 repeats=9}.
 */
public final class SparkPath {

    private SparkPath() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("mode", "throughput");
        o.put("images", "20000");
        o.put("size", "28x28x1");
        o.put("filters", "32");
        o.put("kernel", "3");
        o.put("cores", "2");
        o.put("batch", "64");
        o.put("batches", "16,64,256,1024");
        o.put("repeats", "9");
        o.put("api", "both");
        o.put("rddTarget", "0.80");
        o = BenchArgs.parse(o, args);
        int[] hwc = Arrays.stream(o.get("size").split("x")).mapToInt(Integer::parseInt).toArray();
        int images = Integer.parseInt(o.get("images"));
        int cores = Integer.parseInt(o.get("cores"));
        int k = Integer.parseInt(o.get("kernel"));
        Conv2D layer = Conv2D.builder(Integer.parseInt(o.get("filters")), k, k).padding("same").activation("relu")
                .build();
        layer.initializeWeights(hwc[2], 7);
        System.out.printf(Locale.ROOT, "JVM: %s %s, max heap %d MB%n", System.getProperty("java.vm.name"),
                System.getProperty("java.runtime.version"), Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf(Locale.ROOT, "Layer: Conv2D %s -> %s, %dx%d same, relu; local[%d]; args %s%n",
                o.get("size"), o.get("filters"), k, k, cores, String.join(" ", args));
        System.out.println(o.get("mode").equals("memory") ? "API: " + (o.get("api").equals("ml")
                ? "the transformer on a DataFrame of array<float>" : "SparkConv.apply on an RDD of ImageRecord")
                + ", both through the RowConvolver" : "APIs: rdd job (the job's partition path: a cached RDD of ImageRecord as a table through the"
                + " RowConvolver, noop sink), transformer (Conv2DTransformer on a cached DataFrame of array<float> images, noop sink);"
                + " both run the same RowConvolver");
        // Kryo with registration required, as the job runs.
        SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("sparkconv-bench")
                .config(SparkSettings.withKryo(new SparkConf()))
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", String.valueOf(cores))
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            if (o.get("mode").equals("memory")) {
                memory(spark, o.get("api"), layer, hwc, images, o.get("batches"));
            } else {
                throughput(spark, o.get("api"), layer, hwc, images, cores, Integer.parseInt(o.get("batch")),
                        Integer.parseInt(o.get("repeats")), Double.parseDouble(o.get("rddTarget")));
            }
        } finally {
            spark.stop();
        }
    }

    /**
     * {@code images} generated images of h*w*c floats in [-1, 1), as an array<float> column "image", made as
     * the partitions are read (seeded by the image's index, so every run sees the same images).
     */
    private static Dataset<Row> generated(SparkSession spark, int[] hwc, long images, int partitions) {
        int size = hwc[0] * hwc[1] * hwc[2];
        StructType schema = new StructType().add("image", DataTypes.createArrayType(DataTypes.FloatType, false),
                false);
        return spark.range(0, images, 1, partitions).mapPartitions((MapPartitionsFunction<Long, Row>) ids ->
                new Iterator<Row>() {
                    @Override
                    public boolean hasNext() {
                        return ids.hasNext();
                    }

                    @Override
                    public Row next() {
                        return RowFactory.create((Object) image(ids.next(), size));
                    }
                }, Encoders.row(schema));
    }

    private static Conv2DTransformer transformer(Conv2D layer, int[] hwc, int batch) {
        return new Conv2DTransformer().setLayer(layer).setWeights(layer.kernel(), layer.bias()).setInputCol("image")
                .setOutputCol("conv").setInputShape(hwc).setBatchSize(batch);
    }

    /**
     * The job's RDD transform (SparkConv.apply on a cached RDD of records), the transformer (on a cached DataFrame of
     * array<float>, noop sink) and the kernel alone, each round in turn on the same images and cores; prints the
     * medians and the ratios, each the median of the rounds' own ratios: transformer/RDD (target >= 0.90)
     * and RDD/kernel (target {@code rddTarget}).
     */
    private static void throughput(SparkSession spark, String api, Conv2D layer, int[] hwc, int images, int cores,
                                   int batch, int repeats, double rddTarget) throws Exception {
        int size = hwc[0] * hwc[1] * hwc[2];
        // The same images for the kernel alone (made by the same seeded function), one contiguous share per core.
        float[] all = new float[Math.multiplyExact(images, size)];
        for (int id = 0; id < images; id++) {
            System.arraycopy(image(id, size), 0, all, id * size, size);
        }
        boolean ml = !api.equals("rdd");
        boolean rdd = !api.equals("ml");
        Dataset<Row> frame = ml ? generated(spark, hwc, images, cores).cache() : null;
        long cachedFrame = ml ? frame.count() : 0;
        Conv2DTransformer t = transformer(layer, hwc, batch);
        Runnable mlJob = () -> t.transform(frame).write().format("noop").mode("overwrite").save();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<ImageRecord> records = rdd ? generatedRecords(jsc, hwc, images, cores).cache() : null;
        long cachedRecords = rdd ? records.count() : 0;
        SparkConv conv = SparkConv.broadcast(jsc, layer, hwc[2]);
        // The job's partition path: file records as a table of TensorRows.SCHEMA through the RowConvolver, as run
        // does it (run then hands the rows to Spark's Parquet writer; here to the same noop sink as the transformer).
        InputColumn tensor = InputColumn.resolve(TensorRows.SCHEMA, TensorRows.TENSOR, null, layer.spec().dataFormat(),
                false, layer, hwc[2], InputColumn.Wording.JOB);
        RowConvolver convolver = conv.convolver(tensor, batch, 0, HandleInvalid.ERROR, "bench", "", null);
        Runnable rddJob = () -> {
            ConvJob.convolve(ConvJob.recordTable(spark, records), convolver).write().format("noop")
                    .mode("overwrite").save();
        };
        List<Double> rddRates = new ArrayList<>();
        List<Double> mlRates = new ArrayList<>();
        List<Double> kernelRates = new ArrayList<>();
        // Each round's ratio of APIs run back to back: a slow phase of a shared machine (they last seconds) slows
        // both sides of a round's ratio, where it would tilt a ratio of medians taken over different rounds.
        List<Double> mlOverRdd = new ArrayList<>();
        List<Double> rddOverKernel = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(cores);
        try {
            for (int rep = 0; rep < repeats + 1; rep++) {          // the first of each is warm-up
                double rddRate = rdd ? rate(rddJob, images) : Double.NaN;
                double mlRate = ml ? rate(mlJob, images) : Double.NaN;
                double kernelRate = kernelAlone(pool, layer, hwc, all, images, cores, batch);
                if (rep > 0) {
                    rddRates.add(rddRate);
                    mlRates.add(mlRate);
                    kernelRates.add(kernelRate);
                    mlOverRdd.add(mlRate / rddRate);
                    rddOverKernel.add(rddRate / kernelRate);
                }
                System.out.printf(Locale.ROOT, "  round %d: rdd job %.0f images/s, transformer %.0f images/s, kernel"
                        + " alone %.0f images/s%n", rep, rddRate, mlRate, kernelRate);
            }
        } finally {
            pool.shutdownNow();
        }
        double r = BenchArgs.median(rddRates);
        double m = BenchArgs.median(mlRates);
        double kr = BenchArgs.median(kernelRates);
        System.out.printf(Locale.ROOT, "images %d (cached: %d records, %d rows), batch %d, cores %d%n", images,
                cachedRecords, cachedFrame, batch, cores);
        System.out.printf(Locale.ROOT, "median: rdd job %.0f images/s, transformer %.0f images/s, kernel alone %.0f"
                + " images/s%n", r, m, kr);
        if (rdd && ml) {
            System.out.printf(Locale.ROOT, "RATIO transformer/rdd-job %s = %.2f (target >= 0.90; median of the"
                    + " rounds' ratios; ratio of the medians %.2f)%n", BenchArgs.shape(hwc, layer),
                    BenchArgs.median(mlOverRdd), m / r);
        }
        if (rdd) {
            System.out.printf(Locale.ROOT, "RATIO rdd-job/kernel-alone %s = %.2f (target >= %.2f; median of the"
                    + " rounds' ratios; ratio of the medians %.2f)%n", BenchArgs.shape(hwc, layer),
                    BenchArgs.median(rddOverKernel), rddTarget, r / kr);
        }
    }

    private static double rate(Runnable job, int images) {
        long t0 = System.nanoTime();
        job.run();
        return images / ((System.nanoTime() - t0) / 1e9);
    }

    /** The images of {@link #generated} as image records (index = image number), made as they are read. */
    private static JavaRDD<ImageRecord> generatedRecords(JavaSparkContext jsc, int[] hwc, int images,
                                                         int partitions) {
        int size = hwc[0] * hwc[1] * hwc[2];
        List<Integer> parts = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            parts.add(p);
        }
        return jsc.parallelize(parts, partitions).flatMap(p -> new Iterator<ImageRecord>() {
            private long id = (long) images * p / partitions;
            private final long end = (long) images * (p + 1) / partitions;

            @Override
            public boolean hasNext() {
                return id < end;
            }

            @Override
            public ImageRecord next() {
                long n = id++;
                return new ImageRecord("generated", n, n, ImageRecord.NO_LABEL, hwc.clone(), image(n, size));
            }
        });
    }

    /** Image {@code id}: {@code size} values uniform in [-1, 1), seeded by the id. */
    static float[] image(long id, int size) {
        SplittableRandom random = new SplittableRandom(id);
        float[] image = new float[size];
        for (int i = 0; i < size; i++) {
            image[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return image;
    }

    /** One runner per core over its contiguous share, batches copied in as the transformer does; images/s. */
    static double kernelAlone(ExecutorService pool, Conv2D layer, int[] hwc, float[] all, int images,
                                      int cores, int batch) throws Exception {
        int size = hwc[0] * hwc[1] * hwc[2];
        List<Future<?>> parts = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int p = 0; p < cores; p++) {
            int first = (int) ((long) images * p / cores);
            int end = (int) ((long) images * (p + 1) / cores);
            parts.add(pool.submit(() -> {
                Conv2D.Runner runner = layer.newRunner(hwc[0], hwc[1], hwc[2], batch);
                float[] in = new float[batch * size];
                float[] out = new float[batch * runner.outputImageSize()];
                for (int i = first; i < end; i += batch) {
                    int n = Math.min(batch, end - i);
                    System.arraycopy(all, i * size, in, 0, n * size);
                    runner.run(in, 0, n, out, 0);
                }
            }));
        }
        for (Future<?> f : parts) {
            f.get();
        }
        return images / ((System.nanoTime() - t0) / 1e9);
    }

    private static void memory(SparkSession spark, String api, Conv2D layer, int[] hwc, int images,
                               String batches) {
        // One partition, generated as it is read (never held whole), convolved and counted.
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Dataset<Row> frame = api.equals("ml") ? generated(spark, hwc, images, 1) : null;
        JavaRDD<ImageRecord> records = api.equals("ml") ? null : generatedRecords(jsc, hwc, images, 1);
        SparkConv conv = api.equals("ml") ? null : SparkConv.broadcast(jsc, layer, hwc[2]);
        System.out.println("one partition of " + images + " images, not cached; peak heap by pool after each run");
        System.out.println("batch  seconds  rows out  old gen peak MB  heap peak MB (sum of pools)  GCs");
        for (String b : batches.split(",")) {
            int batch = Integer.parseInt(b);
            System.gc();
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                p.resetPeakUsage();
            }
            long gcs0 = gcCount();
            long t0 = System.nanoTime();
            long rows = api.equals("ml")
                    ? transformer(layer, hwc, batch).transform(frame).where(functions.col("conv").isNotNull()).count()
                    : conv.apply(records, batch).filter(r -> r.data().length > 0).count();
            double seconds = (System.nanoTime() - t0) / 1e9;
            long old = 0;
            long heap = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP) {
                    heap += p.getPeakUsage().getUsed();
                    if (p.getName().contains("Old")) {
                        old += p.getPeakUsage().getUsed();
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%5d %8.1f %9d %16.1f %28.1f %4d%n", batch, seconds, rows, old / 1048576.0,
                    heap / 1048576.0, gcCount() - gcs0);
        }
    }

    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, g.getCollectionCount());
        }
        return n;
    }
}
