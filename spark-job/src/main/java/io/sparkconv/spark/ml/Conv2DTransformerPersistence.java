package io.sparkconv.spark.ml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * {@link Conv2DTransformer}'s persistence, DefaultParamsWritable-style: the params as Spark ML metadata JSON with
 * the weights left out, and the weights as one Parquet row (kernel, bias) under {@code path/data}.
 */
final class Conv2DTransformerPersistence {
    private static final String WEIGHTS_DIR = "data";

    private Conv2DTransformerPersistence() {
    }

    private static StructType weightsSchema() {
        return new StructType(new StructField[] {
            DataTypes.createStructField("kernel", DataTypes.createArrayType(DataTypes.FloatType, false), false),
            DataTypes.createStructField("bias", DataTypes.createArrayType(DataTypes.FloatType, false), true)
        });
    }

    /** Params as Spark ML metadata JSON (the weights left out), weights as one Parquet row under path/data. */
    static final class Writer extends MLWriter {
        private final Conv2DTransformer instance;

        Writer(Conv2DTransformer instance) {
            this.instance = instance;
        }

        @Override
        public void saveImpl(String path) {
            Conv2DTransformer withoutWeights = instance.copy(ParamMap.empty());
            withoutWeights.clear(withoutWeights.weights());
            DefaultParamsWriter.saveMetadata(withoutWeights, path, sparkSession());
            if (instance.isDefined(instance.weights())) {
                Conv2DWeights values = instance.getWeights();
                Row row = RowFactory.create(values.kernelArray(), values.biasArray());
                sparkSession().createDataFrame(List.of(row), weightsSchema()).coalesce(1).write()
                        .parquet(new Path(path, WEIGHTS_DIR).toString());
            }
        }
    }

    static final class Reader extends MLReader<Conv2DTransformer> {
        @Override
        public Conv2DTransformer load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(),
                    Conv2DTransformer.class.getName());
            Conv2DTransformer transformer = new Conv2DTransformer(metadata.uid());
            metadata.getAndSetParams(transformer, Option.empty());
            Path weightsPath = new Path(path, WEIGHTS_DIR);
            try {
                FileSystem fs = weightsPath.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
                if (!fs.exists(weightsPath)) {
                    return transformer;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the weights at " + weightsPath, e);
            }
            Row row = sparkSession().read().schema(weightsSchema()).parquet(weightsPath.toString()).first();
            List<Float> kernel = row.getList(0);
            List<Float> bias = row.isNullAt(1) ? null : row.getList(1);
            transformer.set(transformer.weights(), new Conv2DWeights(toArray(kernel), bias == null ? null
                    : toArray(bias)));
            return transformer;
        }

        private static float[] toArray(List<Float> values) {
            float[] array = new float[values.size()];
            for (int i = 0; i < array.length; i++) {
                array[i] = values.get(i);
            }
            return array;
        }
    }
}
