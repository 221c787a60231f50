package io.sparkconv.core.keras;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes small Keras-layout files at test time with jhdf's writer, for cases the real fixtures lack
 * (chunked attribute lists, dilation, groups, dtypes, the legacy kernel transpose, Keras 3 naming).
 */
final class KerasTestFiles {

    /** One layer: its Keras config JSON and the weight arrays (kernel, bias) to store, or none. */
    record Layer(String name, String className, String configJson, List<Object> weights) {
    }

    private KerasTestFiles() {
    }

    static String conv2dConfig(String name, int filters, int kh, int kw, String extra) {
        return "{\"name\": \"" + name + "\", \"trainable\": true, \"dtype\": \"float32\", \"filters\": " + filters
                + ", \"kernel_size\": [" + kh + ", " + kw + "], \"strides\": [1, 1], \"padding\": \"valid\","
                + " \"data_format\": \"channels_last\", \"dilation_rate\": [1, 1], \"activation\": \"linear\","
                + " \"use_bias\": true, \"kernel_initializer\": {\"class_name\": \"GlorotUniform\", \"config\": {\"seed\": null}},"
                + " \"bias_initializer\": {\"class_name\": \"Zeros\", \"config\": {}}, \"kernel_regularizer\": null,"
                + " \"bias_regularizer\": null, \"activity_regularizer\": null, \"kernel_constraint\": null,"
                + " \"bias_constraint\": null" + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    static Layer conv(String name, String config, Object kernel, Object bias) {
        List<Object> weights = new ArrayList<>();
        weights.add(kernel);
        if (bias != null) {
            weights.add(bias);
        }
        return new Layer(name, "Conv2D", config, weights);
    }

    static Layer flatten(String name) {
        return new Layer(name, "Flatten", "{\"name\": \"" + name + "\", \"trainable\": true}", List.of());
    }

    /** A deterministic non-zero (kh, kw, c, f) kernel. */
    static float[][][][] kernel(int kh, int kw, int c, int f, float scale) {
        float[][][][] k = new float[kh][kw][c][f];
        int n = 0;
        for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
                for (int a = 0; a < c; a++) {
                    for (int b = 0; b < f; b++) {
                        k[i][j][a][b] = scale * (float) Math.sin(1.0 + n++);
                    }
                }
            }
        }
        return k;
    }

    static float[] flat(float[][][][] k) {
        List<Float> values = new ArrayList<>();
        for (float[][][] a : k) {
            for (float[][] b : a) {
                for (float[] c : b) {
                    for (float v : c) {
                        values.add(v);
                    }
                }
            }
        }
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    static String sequentialJson(List<Layer> layers, String batchInputShapeJson, String kerasVersion) {
        StringBuilder sb = new StringBuilder("{\"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential\", \"layers\": [");
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            String config = l.configJson();
            if (i == 0 && batchInputShapeJson != null) {
                config = "{\"batch_input_shape\": " + batchInputShapeJson + ", " + config.substring(1);
            }
            sb.append(i == 0 ? "" : ", ").append("{\"class_name\": \"").append(l.className()).append("\", \"config\": ")
                    .append(config).append("}");
        }
        sb.append("]}");
        if (kerasVersion != null) {
            sb.append(", \"keras_version\": \"").append(kerasVersion).append("\", \"backend\": \"tensorflow\"");
        }
        return sb.append("}").toString();
    }

    /**
     * A Keras 2 legacy HDF5 file. {@code fullModel} puts the config in model_config and weights under
     * /model_weights; otherwise the weights sit at the root (save_weights). {@code chunk} > 0 splits
     * layer_names and weight_names into chunks of that many entries ({@code layer_names0}, ...).
     */
    static void writeLegacyHdf5(Path file, List<Layer> layers, String modelJson, String kerasVersion, String backend,
                                boolean fullModel, int chunk) {
        try (WritableHdfFile hdf = HdfFile.write(file)) {
            WritableGroup root = hdf;
            if (fullModel) {
                hdf.putAttribute("keras_version", kerasVersion);
                hdf.putAttribute("backend", backend);
                hdf.putAttribute("model_config", modelJson);
                root = hdf.putGroup("model_weights");
            }
            root.putAttribute("keras_version", kerasVersion);
            root.putAttribute("backend", backend);
            List<String> names = new ArrayList<>();
            for (Layer l : layers) {
                names.add(l.name());
            }
            putStringList(root, "layer_names", names, chunk);
            for (Layer l : layers) {
                if (l.weights().isEmpty()) {
                    // jhdf 0.9.4 cannot write the empty float64 array Keras uses (the real fixtures cover it), and
                    // writes unreadable files when a member-less group sits beside nested groups: leave it out.
                    continue;
                }
                WritableGroup group = root.putGroup(l.name());
                WritableGroup inner = group.putGroup(l.name());
                String[] suffixes = {"kernel:0", "bias:0"};
                List<String> weightNames = new ArrayList<>();
                for (int i = 0; i < l.weights().size(); i++) {
                    inner.putDataset(suffixes[i], l.weights().get(i));
                    weightNames.add(l.name() + "/" + suffixes[i]);
                }
                putStringList(group, "weight_names", weightNames, chunk);
            }
        }
    }

    private static void putStringList(WritableGroup group, String name, List<String> values, int chunk) {
        if (chunk <= 0) {
            group.putAttribute(name, values.toArray(new String[0]));
            return;
        }
        for (int start = 0, part = 0; start < values.size(); start += chunk, part++) {
            group.putAttribute(name + part, values.subList(start, Math.min(values.size(), start + chunk)).toArray(new String[0]));
        }
    }

    /** Keras 3 weights layout: layers/&lt;group&gt;/vars/0, 1, ... with the given group names (null = no weights). */
    static void writeKeras3Weights(Path file, Map<String, List<Object>> groups) {
        try (WritableHdfFile hdf = HdfFile.write(file)) {
            WritableGroup layersGroup = hdf.putGroup("layers");
            for (Map.Entry<String, List<Object>> e : groups.entrySet()) {
                if (e.getValue().isEmpty()) {
                    continue; // jhdf 0.9.4 writes unreadable files with member-less groups beside nested ones
                }
                WritableGroup vars = layersGroup.putGroup(e.getKey()).putGroup("vars");
                vars.putAttribute("name", e.getKey()); // as Keras 3.8+ writes
                for (int i = 0; i < e.getValue().size(); i++) {
                    vars.putDataset(Integer.toString(i), e.getValue().get(i));
                }
            }
        }
    }

    static Map<String, List<Object>> groups() {
        return new LinkedHashMap<>();
    }

    static void writeZip(Path file, Map<String, byte[]> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
