package io.sparkconv.bench;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.datasets.npy.NpyWriter;
import io.sparkconv.spark.SparkSettings;
import io.sparkconv.spark.job.ConvJob;
import io.sparkconv.spark.job.JobOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code sparkconv run} end to end, in local mode (the job's own code path, {@link ConvJob}), for
 * bench/spark-path.sh:
 * <ul>
 *   <li>{@code mode=foreign}: the same images read from NPY and from a Parquet table in a foreign schema (an
 *       {@code id} long and an {@code image} array<float>, written by Spark), images/s of each and the ratio
 *       (target >= 0.90);</li>
 *   <li>{@code mode=e2e}: NPY in, Parquet out, against the lesser of the kernel alone on the same images and cores
 *       and the disk's sequential write rate ({@code diskMBps}, measured by the script) in output images/s
 *       (target >= 0.70).</li>
 * </ul>
 * Arguments: {@code mode=foreign|e2e images=N size=HxWxC filters=F cores=N batch=B repeats=R dir=DIR diskMBps=X}.
 */
public final class RunPath {
    private RunPath() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("mode", "foreign");
        o.put("images", "20000");
        o.put("size", "28x28x1");
        o.put("filters", "32");
        o.put("cores", "2");
        o.put("batch", "64");
        o.put("repeats", "3");
        o.put("dir", "bench/target/run-path");
        o.put("diskMBps", "0");
        o = BenchArgs.parse(o, args);
        int[] hwc = java.util.Arrays.stream(o.get("size").split("x")).mapToInt(Integer::parseInt).toArray();
        int images = Integer.parseInt(o.get("images"));
        int cores = Integer.parseInt(o.get("cores"));
        int batch = Integer.parseInt(o.get("batch"));
        int repeats = Integer.parseInt(o.get("repeats"));
        Path dir = Files.createDirectories(Path.of(o.get("dir")));
        Conv2D layer = Conv2D.builder(Integer.parseInt(o.get("filters")), 3, 3).padding("same").activation("relu")
                .build();
        layer.initializeWeights(hwc[2], 7);
        Path layerFile = Files.writeString(dir.resolve("layer.json"), layer.toConfig());
        Path kernelFile = dir.resolve("kernel.npy");
        NpyWriter.write(kernelFile, layer.kernelShape(), layer.kernel());
        Path biasFile = dir.resolve("bias.npy");
        NpyWriter.write(biasFile, new int[] {layer.spec().filters()}, layer.bias());
        int size = hwc[0] * hwc[1] * hwc[2];
        float[] all = new float[Math.multiplyExact(images, size)];
        for (int id = 0; id < images; id++) {
            System.arraycopy(SparkPath.image(id, size), 0, all, id * size, size);
        }
        Path npy = dir.resolve("images.npy");
        NpyWriter.write(npy, new int[] {images, hwc[0], hwc[1], hwc[2]}, all);
        System.out.printf(Locale.ROOT, "Layer: Conv2D %s -> %s, 3x3 same, relu; local[%d]; %d images; args %s%n",
                o.get("size"), o.get("filters"), cores, images, String.join(" ", args));
        SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("sparkconv-bench-run")
                .config(SparkSettings.withKryo(new SparkConf()))
                .config("spark.ui.enabled", "false")
                .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            JobOptions base = new JobOptions();
            base.layer = layerFile.toString();
            base.kernel = kernelFile.toString();
            base.bias = biasFile.toString();
            base.batchSize = batch;
            base.overwrite = true;
            base.progressIntervalMillis = 0;
            if (o.get("mode").equals("foreign")) {
                Path table = dir.resolve("images.parquet");
                foreignTable(spark, all, images, size, table, cores);
                List<Double> npyRates = new ArrayList<>();
                List<Double> parquetRates = new ArrayList<>();
                base.outputEncoding = "binary"; // the compact output, so the comparison is about the reading
                for (int rep = 0; rep < repeats + 1; rep++) { // the first round is warm-up
                    double fromNpy = run(spark, base, npy.toString(), null, null, cores, dir.resolve("out-npy"),
                            images);
                    // One Parquet file per core: Spark's reader makes one partition of each (no shuffle).
                    double fromParquet = run(spark, base, table.toString(), "image", hwc, 0,
                            dir.resolve("out-parquet"), images);
                    if (rep > 0) {
                        npyRates.add(fromNpy);
                        parquetRates.add(fromParquet);
                    }
                    System.out.printf(Locale.ROOT, "  round %d: run from NPY %.0f images/s, from foreign Parquet"
                            + " %.0f images/s%n", rep, fromNpy, fromParquet);
                }
                double n = BenchArgs.median(npyRates);
                double p = BenchArgs.median(parquetRates);
                System.out.printf(Locale.ROOT, "median: run from NPY %.0f images/s, from foreign Parquet (id long,"
                        + " image array<float>) %.0f images/s%n", n, p);
                System.out.printf(Locale.ROOT, "RATIO foreign-parquet/npy %s = %.2f (target >= 0.90)%n",
                        BenchArgs.shape(hwc, layer), p / n);
            } else {
                List<Double> runRates = new ArrayList<>();
                List<Double> arrayRates = new ArrayList<>();
                List<Double> kernelRates = new ArrayList<>();
                JobOptions arrays = copy(base);
                base.outputEncoding = "binary";
                ExecutorService pool = Executors.newFixedThreadPool(cores);
                try {
                    for (int rep = 0; rep < repeats + 1; rep++) {
                        double e2e = run(spark, base, npy.toString(), null, null, cores, dir.resolve("out-e2e"),
                                images);
                        double e2eArrays = run(spark, arrays, npy.toString(), null, null, cores,
                                dir.resolve("out-e2e-arrays"), images);
                        double kernel = SparkPath.kernelAlone(pool, layer, hwc, all, images, cores, batch);
                        if (rep > 0) {
                            runRates.add(e2e);
                            arrayRates.add(e2eArrays);
                            kernelRates.add(kernel);
                        }
                        System.out.printf(Locale.ROOT, "  round %d: run NPY -> Parquet %.0f images/s (binary tensors),"
                                + " %.0f images/s (array<float> tensors), kernel alone %.0f images/s%n", rep, e2e,
                                e2eArrays, kernel);
                    }
                } finally {
                    pool.shutdownNow();
                }
                double e = BenchArgs.median(runRates);
                double k = BenchArgs.median(kernelRates);
                long outputBytes = 4L * hwc[0] * hwc[1] * layer.spec().filters();
                double diskMBps = Double.parseDouble(o.get("diskMBps"));
                double disk = diskMBps * 1e6 / outputBytes;
                double bound = diskMBps > 0 ? Math.min(k, disk) : k;
                double ea = BenchArgs.median(arrayRates);
                System.out.printf(Locale.ROOT, "median: run NPY -> Parquet %.0f images/s with --output-encoding binary,"
                        + " %.0f images/s with array (the default); kernel alone %.0f images/s; disk %.0f MB/s"
                        + " sequential = %.0f output images/s of %d float32 bytes%n", e, ea, k, diskMBps, disk,
                        outputBytes);
                System.out.printf(Locale.ROOT, "RATIO end-to-end(binary)/min(kernel-alone,disk) %s = %.2f (target >="
                        + " 0.70)%n", BenchArgs.shape(hwc, layer), e / bound);
                System.out.printf(Locale.ROOT, "RATIO end-to-end(array, default)/min(kernel-alone,disk) %s = %.2f"
                        + " (for reference)%n", BenchArgs.shape(hwc, layer), ea / bound);
            }
        } finally {
            spark.stop();
            deleteTree(dir);
        }
    }

    /** The images as a table of (id long, image array<float>), written by Spark's Parquet writer. */
    private static void foreignTable(SparkSession spark, float[] all, int images, int size, Path table, int files) {
        StructType schema = new StructType().add("id", DataTypes.LongType)
                .add("image", DataTypes.createArrayType(DataTypes.FloatType));
        List<Row> rows = new ArrayList<>(images);
        for (int i = 0; i < images; i++) {
            float[] image = java.util.Arrays.copyOfRange(all, i * size, (i + 1) * size);
            rows.add(RowFactory.create((long) i, scala.collection.mutable.ArraySeq.make(image)));
        }
        spark.createDataFrame(rows, schema).repartition(files).write().mode("overwrite").parquet(table.toString());
    }

    /** One `run` of the job on this session; images/s of its wall time. */
    private static double run(SparkSession spark, JobOptions base, String input, String column, int[] shape,
            int partitions, Path output, int images) {
        JobOptions o = copy(base);
        o.partitions = partitions;
        o.input = input;
        o.inputCol = column;
        o.inputShape = shape;
        o.output = output.toString();
        long t0 = System.nanoTime();
        ConvJob.run(spark, ConvJob.plan(o), new PrintStream(OutputStream.nullOutputStream()));
        return images / ((System.nanoTime() - t0) / 1e9);
    }

    private static JobOptions copy(JobOptions b) {
        JobOptions o = new JobOptions();
        o.layer = b.layer;
        o.kernel = b.kernel;
        o.bias = b.bias;
        o.batchSize = b.batchSize;
        o.overwrite = b.overwrite;
        o.progressIntervalMillis = b.progressIntervalMillis;
        o.outputEncoding = b.outputEncoding;
        return o;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
