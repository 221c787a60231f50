package io.sparkconv.notebook;

import io.sparkconv.core.tensor.DataFormat;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.image.FeatureMapPictures;
import io.sparkconv.datasets.spark.TensorRows;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;

/**
 * One image's feature maps (a 3-D tensor), shown in a notebook as the demo's picture: one tile per filter, each
 * min-max normalised on its own ({@link FeatureMapPictures}).
 */
public record FeatureMaps(int[] shape, float[] data, DataFormat format) {

    public FeatureMaps {
        if (shape.length != 3) {
            throw new IllegalArgumentException("feature maps are a 3-D tensor (H, W, C or C, H, W), got shape "
                    + Arrays.toString(shape));
        }
    }

    /** Channels-last maps of a tensor struct (shape, data), or of a row holding one (the job's {@code tensor}). */
    public static FeatureMaps of(Row row) {
        return of(row, DataFormat.CHANNELS_LAST);
    }

    public static FeatureMaps of(Row row, DataFormat format) {
        Row tensor = isTensor(row) ? row : findTensor(row);
        return new FeatureMaps(TensorRows.shapeOf(tensor), TensorRows.dataOf(tensor), format);
    }

    /** A 3-D tensor, or the first image of a 4-D batch. */
    public static FeatureMaps of(FloatTensor tensor, DataFormat format) {
        int[] s = tensor.shape();
        if (s.length == 4) {
            int size = s[1] * s[2] * s[3];
            return new FeatureMaps(new int[] {s[1], s[2], s[3]}, Arrays.copyOf(tensor.data(), size), format);
        }
        return new FeatureMaps(s, tensor.data(), format);
    }

    public static FeatureMaps of(ImageRecord record) {
        return new FeatureMaps(record.shape(), record.data(), DataFormat.CHANNELS_LAST);
    }

    static boolean isTensor(Row row) {
        return row.schema() != null && TensorRows.isTensorType(row.schema());
    }

    private static Row findTensor(Row row) {
        if (row.schema() != null) {
            for (int i = 0; i < row.length(); i++) {
                if (TensorRows.isTensorType(row.schema().fields()[i].dataType()) && !row.isNullAt(i)) {
                    return row.getStruct(i);
                }
            }
        }
        throw new IllegalArgumentException("the row has no tensor column (struct<shape: array<int>, data: "
                + "array<float>>): " + (row.schema() == null ? "no schema" : row.schema().simpleString()));
    }

    public BufferedImage picture() {
        return FeatureMapPictures.render(shape, data, format);
    }

    public byte[] png() {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(picture(), "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "feature maps " + Arrays.toString(shape) + " (" + FeatureMapPictures.normalisation() + ")";
    }
}
