package io.sparkconv.spark.cli;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.datasets.BadRecordPolicy;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.image.FeatureMapPictures;
import io.sparkconv.datasets.image.SampleImages;
import io.sparkconv.datasets.spark.TensorRows;
import io.sparkconv.spark.job.ConvJob;
import io.sparkconv.spark.job.JobConfigException;
import io.sparkconv.spark.job.JobIo;
import io.sparkconv.spark.job.JobOptions;
import io.sparkconv.spark.job.JobSummary;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the Spark job in local mode on the bundled sample (32 generated 64x64 RGB pictures) "
                + "with the Sobel edge detector of conf/layers/sobel-edges.json, then writes PNG pictures of the "
                + "first feature maps and prints where everything is."})
final class DemoCommand implements Callable<Integer> {
    /** The example layer the demo runs, bundled in the job jar from conf/layers. */
    static final String LAYER = "sobel-edges.json";
    static final int PICTURES = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--output", paramLabel = "DIR", defaultValue = "sparkconv-demo",
            description = "Folder for the sample, weights, feature maps and pictures (default: ${DEFAULT-VALUE}); "
                    + "its demo outputs are replaced on each run.")
    Path output;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*]).")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark setting, repeatable; wins over --properties-file and conf/spark-defaults.conf.")
    java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();

    @Option(names = "--properties-file", paramLabel = "FILE",
            description = "Spark settings file read instead of conf/spark-defaults.conf (as spark-submit does).")
    String propertiesFile;

    /** The sample pictures as one float32 NPY batch (N, 64, 64, 3), values 0..255, in file order. */
    static Path writeSampleNpy(Path sample, Path npy) throws IOException {
        java.util.List<float[]> images = new java.util.ArrayList<>();
        int[] shape = null;
        Iterator<ImageRecord> it = io.sparkconv.datasets.DatasetSource.readAll(sample.toString(),
                io.sparkconv.datasets.DatasetFormat.IMAGE, io.sparkconv.datasets.ReadOptions.defaults(),
                io.sparkconv.datasets.RejectionSink.NONE, null);
        while (it.hasNext()) {
            ImageRecord r = it.next();
            shape = r.shape();
            images.add(r.data());
        }
        int size = images.get(0).length;
        float[] all = new float[images.size() * size];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(images.get(i), 0, all, i * size, size);
        }
        io.sparkconv.datasets.npy.NpyWriter.write(npy, new int[] {images.size(), shape[0], shape[1], shape[2]}, all);
        writeMosaicNpy(all, images.size(), shape, npy.resolveSibling("scene.npy"));
        return npy;
    }

    /** The sample laid out as one (H, W, C) picture, 8 images a row: a small "scene" for `sparkconv tile`. */
    private static void writeMosaicNpy(float[] images, int count, int[] shape, Path npy) throws IOException {
        int h = shape[0], w = shape[1], c = shape[2];
        int columns = Math.min(8, count), rows = (count + columns - 1) / columns;
        float[] mosaic = new float[rows * h * columns * w * c];
        for (int i = 0; i < count; i++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(images, ((i * h) + y) * w * c, mosaic,
                        (((i / columns) * h + y) * columns * w + (i % columns) * w) * c, w * c);
            }
        }
        io.sparkconv.datasets.npy.NpyWriter.write(npy, new int[] {rows * h, columns * w, c}, mosaic);
    }

    @Override
    public Integer call() throws IOException {
        PrintStream out = Streams.out(spec);
        Path base = output.toAbsolutePath().normalize();
        Path sample = SampleImages.ensure(base.resolve("sample"));
        Path layer = Files.createDirectories(base.resolve("layer")).resolve(LAYER);
        try (InputStream in = DemoCommand.class.getResourceAsStream("/io/sparkconv/spark/layers/" + LAYER)) {
            if (in == null) {
                throw new JobConfigException("the example layer " + LAYER + " is missing from the job jar");
            }
            Files.copy(in, layer, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path kernel = base.resolve("layer").resolve("sobel-edges-kernel.npy");
        JobIo.writeNpy(kernel.toString(), DemoWeights.sobel(3));
        Path sampleNpy = writeSampleNpy(sample, base.resolve("sample.npy"));

        JobOptions o = new JobOptions();
        o.input = sample.toString();
        o.inputFormat = "image";
        o.layer = layer.toString();
        o.kernel = kernel.toString();
        o.output = base.resolve("feature-maps").toString();
        o.overwrite = true;
        o.master = master;
        o.sparkConf = conf;
        o.propertiesFile = propertiesFile;
        o.partitions = 4;
        o.batchSize = 8;
        o.badRecordPolicy = BadRecordPolicy.FAIL;
        o.progressIntervalMillis = 2000;
        out.println("sparkconv demo: Sobel edges of " + sample + " with " + layer);
        ConvJob.Plan plan = ConvJob.plan(o);
        SparkSession active = SparkSession.getActiveSession().isDefined() ? SparkSession.getActiveSession().get()
                : null;
        SparkSession spark = active != null ? active : SparkSession.builder().config(ConvJob.sparkConf(o))
                .getOrCreate();
        JobSummary summary;
        List<Path> pictures;
        try {
            summary = ConvJob.run(spark, plan, Streams.err(spec));
            Iterator<ImageRecord> first = spark.read().schema(TensorRows.SCHEMA).parquet(o.output)
                    .orderBy(TensorRows.ORDINAL).limit(PICTURES).javaRDD().map(TensorRows::fromRow)
                    .toLocalIterator();
            pictures = FeatureMapPictures.writeFirst(first, DataFormat.CHANNELS_LAST, base.resolve("pictures"),
                    PICTURES);
        } finally {
            if (active == null) {
                spark.stop();
            }
        }
        out.print(summary.text());
        out.println("input images: " + sample);
        out.println("feature maps (Parquet, one row per image with its source and index): " + o.output);
        out.println("pictures of the first " + pictures.size() + " images' feature maps (left: vertical edges, "
                + "right: horizontal edges; " + FeatureMapPictures.normalisation() + "):");
        for (Path p : pictures) {
            out.println("  " + p);
        }
        out.println("the sample as one NPY batch (for `apply`): " + sampleNpy);
        out.println("as one NPY: bin/sparkconv export --input " + o.output + " --output " + base.resolve("maps.npy"));
        out.flush();
        return SparkConvMain.EXIT_OK;
    }
}
