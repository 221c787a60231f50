package io.sparkconv.notebook;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.datasets.ImageRecord;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A value as the notebook shows it, by MIME type: {@code text/plain} always, plus {@code text/html} for a
 * Dataset (its first rows) and a Conv2D layer (its summary), {@code image/png} for feature maps. The shell prints
 * the plain text.
 */
public record Rendered(Map<String, String> data) {
    /** Rows a Dataset shows. */
    public static final int ROWS = 10;

    public static Rendered of(Object value) {
        Map<String, String> data = new LinkedHashMap<>();
        if (value instanceof Rendered r) {
            return r;
        } else if (value instanceof Dataset<?> dataset) {
            Html.Table table = Html.table(dataset, ROWS);
            data.put("text/plain", table.text());
            data.put("text/html", table.html());
        } else if (value instanceof Conv2D layer) {
            return of(LayerSummary.of(layer));
        } else if (value instanceof LayerSummary summary) {
            data.put("text/plain", summary.text());
            data.put("text/html", summary.html());
        } else if (value instanceof Row row && FeatureMaps.isTensor(row) && row.getList(row.fieldIndex("shape"))
                .size() == 3) {
            return of(FeatureMaps.of(row));
        } else if (value instanceof ImageRecord record && record.shape().length == 3) {
            return of(FeatureMaps.of(record));
        } else if (value instanceof FeatureMaps maps) {
            data.put("text/plain", maps.toString());
            data.put("image/png", Base64.getEncoder().encodeToString(maps.png()));
        } else {
            data.put("text/plain", plain(value));
        }
        return new Rendered(data);
    }

    private static String plain(Object value) {
        if (value instanceof float[] a) {
            return java.util.Arrays.toString(a);
        } else if (value instanceof int[] a) {
            return java.util.Arrays.toString(a);
        } else if (value instanceof long[] a) {
            return java.util.Arrays.toString(a);
        } else if (value instanceof double[] a) {
            return java.util.Arrays.toString(a);
        } else if (value instanceof Object[] a) {
            return java.util.Arrays.deepToString(a);
        } else if (value instanceof FloatTensor t) {
            return "FloatTensor" + java.util.Arrays.toString(t.shape());
        }
        return String.valueOf(value);
    }

    public String text() {
        return data.get("text/plain");
    }
}
