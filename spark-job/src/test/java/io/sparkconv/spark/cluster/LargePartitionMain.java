package io.sparkconv.spark.cluster;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.spark.SparkConv;
import io.sparkconv.spark.SparkTestSupport;
import io.sparkconv.spark.ml.Conv2DTransformer;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * Run by {@link LargePartitionIT} in a JVM of its own with a small heap: one partition of {@code images} 28x28x1
 * images, generated as they are read (never held whole), convolved by 32 filters through both APIs and counted.
 * Prints "api rows" per API; an OutOfMemoryError ends the JVM with a non-zero exit code.
 */
public final class LargePartitionMain {
    private LargePartitionMain() {
    }

    public static void main(String[] args) {
        int images = Integer.parseInt(args[0]);
        Conv2D layer = Conv2D.builder(32, 3, 3).padding("same").activation("relu").build();
        layer.initializeWeights(1, 7);
        SparkSession spark = SparkSession.builder().config(SparkTestSupport.conf("local[1]", "LargePartition"))
                .getOrCreate();
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            try (SparkConv conv = SparkConv.broadcast(jsc, layer, 1)) {
                long rows = conv.apply(jsc.parallelize(List.of(0), 1).flatMap(p -> records(images)), 64).count();
                System.out.println("rdd " + rows);
            }
            long rows = new Conv2DTransformer().setLayer(layer).setInputCol("image").setInputShape(28, 28, 1)
                    .setOutputCol("maps").setBatchSize(64)
                    .transform(spark.range(0, images, 1, 1).select(functions.array_repeat(
                            functions.col("id").mod(251).cast("float"), 28 * 28).as("image")))
                    .where(functions.col("maps").isNotNull()).count();
            System.out.println("ml " + rows);
        } finally {
            spark.stop();
        }
    }

    private static Iterator<ImageRecord> records(int images) {
        return new Iterator<>() {
            private int id;

            @Override
            public boolean hasNext() {
                return id < images;
            }

            @Override
            public ImageRecord next() {
                float[] data = new float[28 * 28];
                java.util.Arrays.fill(data, id % 251);
                ImageRecord r = new ImageRecord("generated", id, id, ImageRecord.NO_LABEL, new int[] {28, 28, 1}, data);
                id++;
                return r;
            }
        };
    }
}
