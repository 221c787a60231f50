package io.sparkconv.core.keras;

import io.sparkconv.core.spec.KerasLayerConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jhdf.HdfFile;
import io.jhdf.Superblock;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.config.KerasSemantics;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads the Conv2D layers (config and weights) of a trained Keras model, in pure Java (jhdf for HDF5).
 *
 * <p>Formats: Keras 2 / tf.keras full-model HDF5 ({@code model.save('m.h5')}), weights-only HDF5
 * ({@code save_weights}) together with the model's JSON, Keras 3 {@code .keras} archives and Keras 3's legacy
 * {@code .h5}. Layout details are in the spec, section 8. Model weights are read only from
 * {@code /model_weights} (or the weights-only root), never from {@code /optimizer_weights}.
 *
 * <p>Hostile input: every size is checked against {@link Limits} before anything is read into memory, and any
 * failure of the HDF5 or zip parser becomes a {@link KerasFileException} naming the file.
 */
public final class KerasModelFile implements AutoCloseable {

    /** Size caps checked before reading. */
    public record Limits(long maxConfigBytes, long maxArchiveWeightsBytes, long maxWeightElements, int maxLayers) {
        /** 64 MiB of config JSON, a 4 GiB model.weights.h5 entry, 2^28 elements per weight array, 100000 layers. */
        public static final Limits DEFAULT = new Limits(64L << 20, 4L << 30,
                io.sparkconv.core.tensor.WeightLimit.MAX_ELEMENTS, 100_000);

        public Limits {
            if (maxConfigBytes <= 0 || maxArchiveWeightsBytes <= 0 || maxWeightElements <= 0 || maxLayers <= 0) {
                throw new IllegalArgumentException("limits must be positive, got " + maxConfigBytes + ", "
                        + maxArchiveWeightsBytes + ", " + maxWeightElements + ", " + maxLayers);
            }
        }
    }

    static final String CONV2D = "Conv2D";
    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final KerasModelFormat format;
    private final String kerasVersion;
    private final String backend;
    private final KerasSemantics semantics;
    private final HdfFile hdf;
    private final Group weightsRoot;
    private final Path tempWeightsFile;
    private final Limits limits;
    private final List<JsonNode> layerEntries;
    private final List<KerasLayerInfo> layers;
    private final Map<String, Integer> layerIndexByName;
    private final List<String> keras3WeightGroups;

    private KerasModelFile(Path path, KerasModelFormat format, String kerasVersion, String backend, HdfFile hdf,
                           Group weightsRoot, Path tempWeightsFile, Limits limits, List<JsonNode> layerEntries) {
        this.path = path;
        this.format = format;
        this.kerasVersion = kerasVersion;
        this.backend = backend;
        this.semantics = semanticsOf(kerasVersion, layerEntries.stream()
                .filter(e -> CONV2D.equals(e.get("class_name").asText())).findFirst().orElse(null), path);
        this.hdf = hdf;
        this.weightsRoot = weightsRoot;
        this.tempWeightsFile = tempWeightsFile;
        this.limits = limits;
        this.layerEntries = layerEntries;
        this.layers = LayerShapes.describe(layerEntries);
        Map<String, Integer> byName = new HashMap<>();
        for (KerasLayerInfo info : layers) {
            byName.putIfAbsent(info.name(), info.index());
        }
        this.layerIndexByName = byName;
        this.keras3WeightGroups = keras3GroupNames(layerEntries);
    }

    /** Opens a full-model HDF5 file or a {@code .keras} archive. */
    /**
     * The Conv2D layer {@code layerName} of a Keras model file (.h5 full model, Keras 3 .h5 or .keras), with its
     * trained weights set; the file's keras_version picks the semantics.
     *
     * @throws KerasFileException when the file or layer cannot be used, with the reason
     */
    public static Conv2D readConv2D(Path file, String layerName) {
        try (KerasModelFile model = open(file)) {
            return model.conv2dLayer(layerName).toConv2D();
        }
    }

    public static KerasModelFile open(Path file) {
        return open(file, null, Limits.DEFAULT);
    }

    /** Opens a weights-only HDF5 file ({@code save_weights}) with the model's JSON ({@code model.to_json()}). */
    public static KerasModelFile open(Path weightsFile, Path modelJson) {
        return open(weightsFile, modelJson, Limits.DEFAULT);
    }

    /**
     * Opens {@code file}; {@code modelJson} (may be null) gives the architecture for weights-only files, and
     * replaces the file's own config when given for a full model.
     */
    public static KerasModelFile open(Path file, Path modelJson, Limits limits) {
        if (file == null) {
            throw new IllegalArgumentException("model file path is null");
        }
        if (limits == null) {
            limits = Limits.DEFAULT;
        }
        if (!Files.isRegularFile(file)) {
            throw new KerasFileException("Keras model file not found or not a regular file: " + file);
        }
        JsonNode companion = modelJson == null ? null : readCompanionJson(modelJson, limits);
        String kind = sniff(file);
        if (kind.equals("zip")) {
            return openArchive(file, companion, limits);
        }
        return openHdf5(file, file, companion, limits, null, null, null);
    }

    // ---------------------------------------------------------------- detection and opening

    private static String sniff(Path file) {
        long size;
        byte[] head = new byte[8];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            size = channel.size();
            ByteBuffer buffer = ByteBuffer.wrap(head);
            while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                // read the first bytes
            }
            if (size >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5) && (head[3] == 4 || head[3] == 6)) {
                return "zip";
            }
            // HDF5 allows a user block of 0, 512, 1024, 2048, ... bytes before the signature.
            for (long offset = 0; offset + 8 <= size; offset = offset == 0 ? 512 : offset * 2) {
                ByteBuffer probe = ByteBuffer.allocate(8);
                channel.read(probe, offset);
                if (Arrays.equals(probe.array(), HDF5_SIGNATURE)) {
                    return "hdf5";
                }
            }
        } catch (IOException e) {
            throw new KerasFileException("cannot read Keras model file " + file + ": " + e.getMessage(), e);
        }
        throw new KerasFileException("not an HDF5 or zip file: " + file + " (" + size + " bytes, starts with "
                + hex(head, (int) Math.min(8, size)) + "); expected a Keras .h5/.hdf5 (HDF5 signature 89 48 44 46 0d 0a 1a 0a)"
                + " or a .keras zip archive (50 4b 03 04)");
    }

    private static String hex(byte[] bytes, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", bytes[i] & 0xff));
        }
        return n == 0 ? "nothing" : sb.toString();
    }

    /** Rejects a truncated HDF5 file before jhdf maps anything: the superblock records the file's end. */
    private static void checkNotTruncated(Path file, String shownName) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long offset = 0;
            for (; offset + 8 <= size; offset = offset == 0 ? 512 : offset * 2) {
                ByteBuffer probe = ByteBuffer.allocate(8);
                channel.read(probe, offset);
                if (Arrays.equals(probe.array(), HDF5_SIGNATURE)) {
                    break;
                }
            }
            Superblock superblock = Superblock.readSuperblock(channel, offset);
            long end = superblock.getBaseAddressByte() + superblock.getEndOfFileAddress();
            if (end > size || superblock.getEndOfFileAddress() < 0) {
                throw new KerasFileException("truncated HDF5 file " + shownName + ": its superblock records "
                        + end + " bytes but the file has " + size);
            }
        } catch (KerasFileException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new KerasFileException("truncated or corrupt HDF5 file " + shownName
                    + ": cannot read its superblock (" + e + ")", e);
        }
    }

    private static KerasModelFile openHdf5(Path file, Path shownPath, JsonNode companion, Limits limits,
                                           Path tempFile, JsonNode archiveConfig, String archiveVersion) {
        String shown = shownPath.equals(file) ? file.toString() : shownPath + "!/model.weights.h5";
        checkNotTruncated(file, shown);
        HdfFile hdf;
        try {
            hdf = openBounded(file);
        } catch (IOException e) {
            throw new KerasFileException("cannot read HDF5 file " + shown + ": " + e, e);
        } catch (RuntimeException | StackOverflowError e) {
            throw new KerasFileException("corrupt or truncated HDF5 file " + shown + ": " + e, e);
        }
        try {
            return fromHdf5(hdf, shownPath, shown, companion, limits, tempFile, archiveConfig, archiveVersion);
        } catch (KerasFileException e) {
            hdf.close();
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            hdf.close();
            throw new KerasFileException("corrupt HDF5 file " + shown + ": " + e, e);
        }
    }

    /**
     * jhdf reading through a FileChannel allocates a heap buffer of whatever length a (possibly garbled) header
     * claims; reading from a read-only memory map instead slices the map, so a bad length fails at once without
     * allocating. Files too large for one map (over 2 GiB) fall back to the channel reader.
     */
    private static HdfFile openBounded(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size >= Integer.MAX_VALUE) {
                return new HdfFile(file);
            }
            return HdfFile.fromByteBuffer(channel.map(FileChannel.MapMode.READ_ONLY, 0, size));
        }
    }

    private static KerasModelFile fromHdf5(HdfFile hdf, Path shownPath, String shown, JsonNode companion,
                                           Limits limits, Path tempFile, JsonNode archiveConfig,
                                           String archiveVersion) {
        if (archiveConfig != null) {
            return new KerasModelFile(shownPath, KerasModelFormat.KERAS3_ARCHIVE, archiveVersion,
                    textOrNull(archiveConfig.get("backend")), hdf, hdf, tempFile, limits,
                    layerEntries(archiveConfig, shown, limits));
        }
        Map<String, io.jhdf.api.Attribute> rootAttrs = hdf.getAttributes();
        if (rootAttrs.containsKey("model_config")) {
            Node weights = hdf.getChild("model_weights");
            if (!(weights instanceof Group weightsGroup)) {
                throw new KerasFileException("no Keras weights in " + shown
                        + ": it has a model_config attribute but no /model_weights group");
            }
            JsonNode config = companion != null ? companion
                    : parseJson(Hdf5Strings.readString(hdf, "model_config", limits.maxConfigBytes()), shown
                    + " attribute model_config", limits);
            String version = firstNonNull(Hdf5Strings.readOptionalString(hdf, "keras_version"),
                    Hdf5Strings.readOptionalString(weightsGroup, "keras_version"), textOrNull(config.get("keras_version")));
            String backend = firstNonNull(Hdf5Strings.readOptionalString(hdf, "backend"),
                    Hdf5Strings.readOptionalString(weightsGroup, "backend"), textOrNull(config.get("backend")));
            return new KerasModelFile(shownPath, KerasModelFormat.HDF5_FULL_MODEL, version, backend, hdf, weightsGroup,
                    tempFile, limits, layerEntries(config, shown, limits));
        }
        boolean legacyWeights = rootAttrs.containsKey("layer_names") || rootAttrs.containsKey("layer_names0");
        boolean keras3Weights = hdf.getChild("layers") instanceof Group;
        if (!legacyWeights && !keras3Weights) {
            throw new KerasFileException("no Keras metadata in " + shown + ": an HDF5 file without a model_config"
                    + " or layer_names attribute and without a Keras 3 'layers' group (root attributes: "
                    + rootAttrs.keySet() + ", root members: " + hdf.getChildren().keySet() + ")");
        }
        if (companion == null) {
            throw new KerasFileException(shown + " holds weights only (" + (legacyWeights ? "save_weights layer_names"
                    : "Keras 3 .weights.h5 layout") + ") and no model config; give the model's JSON"
                    + " (model.to_json()) as well");
        }
        String version = firstNonNull(Hdf5Strings.readOptionalString(hdf, "keras_version"),
                textOrNull(companion.get("keras_version")));
        String backend = firstNonNull(Hdf5Strings.readOptionalString(hdf, "backend"),
                textOrNull(companion.get("backend")));
        return new KerasModelFile(shownPath, legacyWeights ? KerasModelFormat.HDF5_WEIGHTS_ONLY
                : KerasModelFormat.KERAS3_WEIGHTS_ONLY, version, backend, hdf, hdf, tempFile, limits,
                layerEntries(companion, shown, limits));
    }

    private static KerasModelFile openArchive(Path file, JsonNode companion, Limits limits) {
        JsonNode config;
        String version;
        Path temp = null;
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry configEntry = zip.getEntry("config.json");
            if (configEntry == null) {
                throw new KerasFileException("no Keras metadata in " + file + ": a zip archive without config.json"
                        + " (entries: " + entryNames(zip) + "); expected a Keras 3 .keras archive");
            }
            config = companion != null ? companion
                    : parseJson(readEntry(zip, configEntry, file, limits.maxConfigBytes()), file + "!/config.json", limits);
            ZipEntry metadataEntry = zip.getEntry("metadata.json");
            JsonNode metadata = metadataEntry == null ? null
                    : parseJson(readEntry(zip, metadataEntry, file, limits.maxConfigBytes()), file + "!/metadata.json", limits);
            version = firstNonNull(metadata == null ? null : textOrNull(metadata.get("keras_version")),
                    textOrNull(config.get("keras_version")));
            ZipEntry weightsEntry = zip.getEntry("model.weights.h5");
            if (weightsEntry == null) {
                String hint = zip.getEntry("model.weights.npz") != null
                        ? "its weights are in model.weights.npz, which is not supported; re-save with the default h5 store"
                        : "entries: " + entryNames(zip);
                throw new KerasFileException("no model.weights.h5 in Keras archive " + file + " (" + hint + ")");
            }
            temp = Files.createTempFile("sparkconv-keras-", ".weights.h5");
            copyCapped(zip, weightsEntry, temp, file, limits.maxArchiveWeightsBytes());
        } catch (ZipException e) {
            deleteQuietly(temp);
            throw new KerasFileException("truncated or corrupt zip archive " + file + ": " + e.getMessage(), e);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new KerasFileException("cannot read Keras archive " + file + ": " + e, e);
        } catch (RuntimeException e) {
            deleteQuietly(temp);
            throw e instanceof KerasFileException k ? k
                    : new KerasFileException("corrupt Keras archive " + file + ": " + e, e);
        }
        try {
            return openHdf5(temp, file, null, limits, temp, config, version);
        } catch (RuntimeException e) {
            deleteQuietly(temp);
            throw e;
        }
    }

    private static String entryNames(ZipFile zip) {
        List<String> names = new ArrayList<>();
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements() && names.size() < 20) {
            names.add(entries.nextElement().getName());
        }
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static byte[] readEntry(ZipFile zip, ZipEntry entry, Path file, long cap) throws IOException {
        if (entry.getSize() > cap) {
            throw new KerasFileException(entry.getName() + " in " + file + " is " + entry.getSize()
                    + " bytes, over the limit of " + cap + " bytes");
        }
        CRC32 crc = new CRC32();
        try (InputStream in = new CheckedInputStream(zip.getInputStream(entry), crc)) {
            // Read one byte past the cap so an entry that lies about its size is caught too.
            byte[] bytes = in.readNBytes((int) Math.min(cap + 1, Integer.MAX_VALUE - 16));
            if (bytes.length > cap) {
                throw new KerasFileException(entry.getName() + " in " + file + " inflates to more than the limit of "
                        + cap + " bytes");
            }
            checkIntegrity(entry, file, bytes.length, crc);
            return bytes;
        }
    }

    /**
     * java.util.zip.ZipFile checks neither the CRC-32 nor the size of what it inflates: a corrupt member is
     * refused here, with the size and CRC-32 the archive's directory declares.
     */
    private static void checkIntegrity(ZipEntry entry, Path file, long bytes, CRC32 crc) {
        if (entry.getSize() >= 0 && bytes != entry.getSize()) {
            throw new KerasFileException("corrupt zip archive " + file + ": " + entry.getName() + " holds " + bytes
                    + " bytes but its entry declares " + entry.getSize());
        }
        if (entry.getCrc() >= 0 && crc.getValue() != entry.getCrc()) {
            throw new KerasFileException(String.format("corrupt zip archive %s: bad CRC-32 of %s (the data gives "
                    + "%08x, the entry declares %08x)", file, entry.getName(), crc.getValue(), entry.getCrc()));
        }
    }

    private static void copyCapped(ZipFile zip, ZipEntry entry, Path target, Path file, long cap) throws IOException {
        if (entry.getSize() > cap) {
            throw new KerasFileException("model.weights.h5 in " + file + " is " + entry.getSize()
                    + " bytes, over the limit of " + cap + " bytes");
        }
        long written = 0;
        byte[] buffer = new byte[1 << 16];
        CRC32 crc = new CRC32();
        try (InputStream in = new CheckedInputStream(zip.getInputStream(entry), crc);
                OutputStream out = Files.newOutputStream(target)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                written += n;
                if (written > cap) {
                    throw new KerasFileException("model.weights.h5 in " + file + " inflates to more than the limit of "
                            + cap + " bytes");
                }
                out.write(buffer, 0, n);
            }
        }
        checkIntegrity(entry, file, written, crc);
    }

    private static void deleteQuietly(Path temp) {
        if (temp != null) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a leftover temp file is harmless; the original failure matters more
            }
        }
    }

    private static JsonNode readCompanionJson(Path modelJson, Limits limits) {
        try {
            long size = Files.size(modelJson);
            if (size > limits.maxConfigBytes()) {
                throw new KerasFileException("model JSON " + modelJson + " is " + size + " bytes, over the limit of "
                        + limits.maxConfigBytes() + " bytes");
            }
            return parseJson(Files.readAllBytes(modelJson), modelJson.toString(), limits);
        } catch (IOException e) {
            throw new KerasFileException("cannot read model JSON " + modelJson + ": " + e, e);
        }
    }

    private static JsonNode parseJson(byte[] bytes, String where, Limits limits) {
        return parseJson(new String(bytes, StandardCharsets.UTF_8), where, limits);
    }

    private static JsonNode parseJson(String text, String where, Limits limits) {
        if (text.length() > limits.maxConfigBytes()) {
            throw new KerasFileException("model config in " + where + " has " + text.length()
                    + " characters, over the limit of " + limits.maxConfigBytes());
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw new KerasFileException("model config in " + where + " is not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new KerasFileException("model config in " + where + " is not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
    }

    /** The layer entries of a Sequential (list form or {name, layers}) or Functional ("Model"/"Functional") config. */
    private static List<JsonNode> layerEntries(JsonNode model, String where, Limits limits) {
        JsonNode config = model.get("config");
        JsonNode list = config == null ? null : config.isArray() ? config : config.get("layers");
        if (list == null || !list.isArray()) {
            throw new KerasFileException("no Keras metadata in " + where + ": the model config (class_name "
                    + textOrNull(model.get("class_name")) + ") has no layer list; expected a Sequential,"
                    + " Functional or Model config");
        }
        if (list.size() > limits.maxLayers()) {
            throw new KerasFileException("model config in " + where + " lists " + list.size()
                    + " layers, over the limit of " + limits.maxLayers());
        }
        List<JsonNode> entries = new ArrayList<>();
        for (JsonNode entry : list) {
            if (!entry.isObject() || !entry.path("class_name").isTextual() || !entry.path("config").isObject()) {
                throw new KerasFileException("model config in " + where + " has a layer entry without class_name"
                        + " and config: " + abbreviate(entry.toString()));
            }
            entries.add(entry);
        }
        return Collections.unmodifiableList(entries);
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private static String textOrNull(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    /**
     * The semantics of the file: its recorded keras_version through {@link KerasSemantics#forKerasVersion}, or,
     * when no version is recorded, what the first Conv2D config's form implies
     * ({@link KerasLayerConfig#detectSemantics}).
     */
    private static KerasSemantics semanticsOf(String kerasVersion, JsonNode layerEntry, Path file) {
        if (kerasVersion != null) {
            try {
                return KerasSemantics.forKerasVersion(kerasVersion);
            } catch (IllegalArgumentException e) {
                throw new KerasFileException("Keras model file " + file + ": " + e.getMessage(), e);
            }
        }
        return layerEntry == null ? KerasSemantics.TF_1_15 : KerasLayerConfig.detectSemantics(layerEntry);
    }

    // ---------------------------------------------------------------- public API

    public Path path() {
        return path;
    }

    public KerasModelFormat format() {
        return format;
    }

    /** The {@code keras_version} recorded in the file (metadata.json for .keras), or {@code null}. */
    public String kerasVersion() {
        return kerasVersion;
    }

    /** The {@code backend} recorded in the file, or {@code null}. */
    public String backend() {
        return backend;
    }

    /** The semantics implied by {@link #kerasVersion()} (or, without one, by the Conv2D configs' form). */
    public KerasSemantics semantics() {
        return semantics;
    }

    /** All layers of the model config, in config order. */
    public List<KerasLayerInfo> layers() {
        return layers;
    }

    /** Reads several Conv2D layers at once, in the order given. */
    public List<KerasConv2DLayer> conv2dLayers(List<String> names) {
        List<KerasConv2DLayer> out = new ArrayList<>(names.size());
        for (String name : names) {
            out.add(conv2dLayer(name));
        }
        return out;
    }

    /**
     * Several Conv2D layers as core layers to apply one after the other, checked to chain: each layer's input
     * channels equal the previous layer's filters, the data formats agree, and where the file records both,
     * the previous output shape equals the next input shape (so a pooling layer between them is refused).
     *
     * @throws KerasFileException naming the first pair that does not chain
     */
    public List<Conv2D> conv2dChain(List<String> names) {
        if (names == null || names.isEmpty()) {
            throw new IllegalArgumentException("no layer names given: expected one or more Conv2D layer names of "
                    + path + " (" + String.join(", ", conv2dLayerNames()) + ")");
        }
        List<Conv2D> chain = new ArrayList<>(names.size());
        KerasConv2DLayer previous = null;
        for (String name : names) {
            KerasConv2DLayer layer = conv2dLayer(name);
            Conv2D conv = layer.toConv2D();
            if (previous != null) {
                Conv2D before = chain.get(chain.size() - 1);
                String pair = "layers '" + previous.name() + "' and '" + name + "' of " + path + " do not chain: ";
                if (before.spec().dataFormat() != conv.spec().dataFormat()) {
                    throw new KerasFileException(pair + "data formats " + before.spec().dataFormat() + " and "
                            + conv.spec().dataFormat() + " differ");
                }
                if (conv.inputChannels() != previous.filters()) {
                    throw new KerasFileException(pair + "'" + previous.name() + "' outputs " + previous.filters()
                            + " channels but '" + name + "' takes " + conv.inputChannels());
                }
                String between = layerBetween(layerIndexByName.get(previous.name()), layerIndexByName.get(name));
                if (between != null) {
                    throw new KerasFileException(pair + "in the model '" + name + "' does not take '" + previous.name()
                            + "''s output directly (" + between + ")");
                }
                if (previous.outputShape() != null && layer.inputShape() != null
                        && !previous.outputShape().equals(layer.inputShape())) {
                    throw new KerasFileException(pair + "'" + previous.name() + "' outputs "
                            + KerasLayerInfo.formatShape(previous.outputShape()) + " but '" + name + "' takes "
                            + KerasLayerInfo.formatShape(layer.inputShape()));
                }
            }
            chain.add(conv);
            previous = layer;
        }
        return chain;
    }

    private static final Set<String> NESTED_MODELS = Set.of("Sequential", "Functional", "Model");

    /** Layers that are the identity at inference, so two Conv2D layers with only these between them chain. */
    private static final Set<String> INFERENCE_IDENTITY = Set.of("Dropout", "SpatialDropout2D",
            "GaussianDropout", "GaussianNoise", "AlphaDropout", "ActivityRegularization");

    /**
     * Null when layer {@code to} takes layer {@code from}'s output directly (or through inference-time identity
     * layers only); otherwise a description of what sits between them.
     */
    private String layerBetween(int from, int to) {
        boolean functional = layerEntries.get(to).has("inbound_nodes");
        if (!functional) {
            if (to <= from) {
                return "it comes before it";
            }
            for (int i = from + 1; i < to; i++) {
                if (!INFERENCE_IDENTITY.contains(layers.get(i).className())) {
                    return "a " + layers.get(i).className() + " layer '" + layers.get(i).name() + "' sits between them";
                }
            }
            return null;
        }
        int current = to;
        for (int steps = 0; steps < layerEntries.size(); steps++) {
            String inbound = singleInbound(layerEntries.get(current));
            if (inbound == null) {
                return "'" + layers.get(current).name() + "' has no single inbound layer";
            }
            Integer index = layerIndexByName.get(inbound);
            if (index == null) {
                return "its input '" + inbound + "' is not a layer of the model";
            }
            if (index == from) {
                return null;
            }
            if (!INFERENCE_IDENTITY.contains(layers.get(index).className())) {
                return "it takes the output of " + layers.get(index).className() + " '" + inbound + "'";
            }
            current = index;
        }
        return "the inbound layers form a cycle";
    }

    /** The one inbound layer name of a Functional layer entry (Keras 2 and Keras 3 forms), else null. */
    private static String singleInbound(JsonNode entry) {
        JsonNode nodes = entry.get("inbound_nodes");
        if (nodes == null || !nodes.isArray() || nodes.size() != 1) {
            return null;
        }
        JsonNode node = nodes.get(0);
        if (node.isArray()) {
            return node.size() == 1 && node.get(0).isArray() && node.get(0).size() > 0
                    ? node.get(0).get(0).asText() : null;
        }
        JsonNode args = node.path("args");
        if (!args.isArray() || args.size() != 1) {
            return null;
        }
        JsonNode history = args.get(0).path("config").path("keras_history");
        return history.isArray() && history.size() > 0 ? history.get(0).asText() : null;
    }

    /** Names of the Conv2D layers, in config order. */
    public List<String> conv2dLayerNames() {
        return layers.stream().filter(KerasLayerInfo::runnable).map(KerasLayerInfo::name).collect(Collectors.toList());
    }

    /**
     * A printable description: the file, its format, keras_version, backend and semantics, then one row per
     * layer with its class, name, input and output shapes and whether sparkconv can run it.
     */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append("file: ").append(path).append('\n')
                .append("format: ").append(format.description()).append('\n')
                .append("keras_version: ").append(kerasVersion == null ? "(not recorded)" : kerasVersion)
                .append(", backend: ").append(backend == null ? "(not recorded)" : backend)
                .append(", semantics: ").append(semantics).append('\n');
        String[] header = {"#", "name", "class", "input shape", "output shape", "sparkconv"};
        List<String[]> rows = new ArrayList<>();
        rows.add(header);
        for (KerasLayerInfo l : layers) {
            rows.add(new String[] {Integer.toString(l.index()), l.name(), l.className(),
                    KerasLayerInfo.formatShape(l.inputShape()), KerasLayerInfo.formatShape(l.outputShape()),
                    l.runnable() ? "yes" : "no"});
        }
        int[] widths = new int[header.length];
        for (String[] row : rows) {
            for (int c = 0; c < row.length; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                line.append(c == 0 ? "" : "  ").append(String.format("%-" + widths[c] + "s", row[c]));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /** Reads one Conv2D layer's config and weights. */
    public KerasConv2DLayer conv2dLayer(String name) {
        Integer index = layerIndexByName.get(name);
        if (index == null) {
            List<String> nested = layers.stream().filter(l -> NESTED_MODELS.contains(l.className()))
                    .map(KerasLayerInfo::name).collect(Collectors.toList());
            throw new KerasFileException("no layer named '" + name + "' in " + path + "; its layers are: "
                    + layers.stream().map(KerasLayerInfo::name).collect(Collectors.joining(", "))
                    + (nested.isEmpty() ? "" : " (layers inside the nested model(s) " + String.join(", ", nested)
                    + " cannot be read yet)"));
        }
        KerasLayerInfo info = layers.get(index);
        if (!CONV2D.equals(info.className())) {
            throw new KerasFileException("layer '" + name + "' in " + path + " is a " + info.className()
                    + ", not a Conv2D; its Conv2D layers are: " + (conv2dLayerNames().isEmpty() ? "none"
                    : String.join(", ", conv2dLayerNames())));
        }
        JsonNode entry = layerEntries.get(index);
        Conv2DGeometry geometry = Conv2DGeometry.of(entry.get("config"), name, path);
        Integer inputChannels = geometry.inputChannels(info.inputShape());
        float[][] stored;
        int[][] storedShapes = new int[2][];
        try {
            stored = readWeights(index, name, geometry, storedShapes);
        } catch (KerasFileException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new KerasFileException("corrupt weights for layer '" + name + "' in " + path + ": " + e, e);
        }
        KernelLoading loaded = KernelLoading.load(stored[0], storedShapes[0], geometry, inputChannels,
                "theano".equals(backend), name, path);
        float[] bias = null;
        if (geometry.useBias()) {
            if (storedShapes[1].length != 1 || storedShapes[1][0] != geometry.filters()) {
                throw new KerasFileException("bias of layer '" + name + "' in " + path + " has shape "
                        + KernelLoading.shapeText(storedShapes[1]) + " but its config (filters=" + geometry.filters()
                        + ") expects (" + geometry.filters() + ",)");
            }
            bias = stored[1];
        }
        KerasSemantics layerSemantics = kerasVersion != null ? semantics : semanticsOf(null, entry, path);
        return new KerasConv2DLayer(name, path, layerJson(entry, kerasVersion), entry.get("config").toString(), kerasVersion, backend,
                layerSemantics, loaded.shape(), loaded.kernel(), storedShapes[0], stored[0], bias, info.inputShape(),
                info.outputShape(), loaded.conversion());
    }

    /** The layer entry plus the file's keras_version at the root, so Conv2D.fromConfig keeps its semantics. */
    private static String layerJson(JsonNode entry, String kerasVersion) {
        ObjectNode out = JSON.createObjectNode();
        for (String key : new String[] {"module", "class_name", "config", "registered_name", "build_config"}) {
            if (entry.has(key)) {
                out.set(key, entry.get(key));
            }
        }
        if (kerasVersion != null) {
            out.put("keras_version", kerasVersion);
        }
        return out.toString();
    }

    private float[][] readWeights(int index, String name, Conv2DGeometry geometry, int[][] shapesOut) {
        int expectedCount = geometry.useBias() ? 2 : 1;
        List<Dataset> datasets = new ArrayList<>();
        String location;
        if (format == KerasModelFormat.KERAS3_ARCHIVE || format == KerasModelFormat.KERAS3_WEIGHTS_ONLY) {
            location = "layers/" + keras3WeightGroups.get(index) + "/vars";
            Node vars = Hdf5Weights.child(weightsRoot, location);
            if (!(vars instanceof Group varsGroup)) {
                throw new KerasFileException("no weights for layer '" + name + "' in " + path + ": expected the group /"
                        + location + " (Keras 3 names weight groups by class name and position, not layer name)");
            }
            for (int i = 0; ; i++) {
                Node child = varsGroup.getChild(Integer.toString(i));
                if (child == null) {
                    break;
                }
                datasets.add(asDataset(child, name));
            }
        } else {
            List<String> weightedLayers = Hdf5Strings.readStringList(weightsRoot, "layer_names", limits.maxLayers());
            Node group = weightsRoot.getChild(name);
            if (!weightedLayers.contains(name) || !(group instanceof Group layerGroup)) {
                throw new KerasFileException("no weights for layer '" + name + "' in " + path + ": it is not in the"
                        + " file's layer_names (" + String.join(", ", weightedLayers) + ")");
            }
            location = layerGroup.getPath();
            List<String> weightNames = Hdf5Strings.readStringList(layerGroup, "weight_names", limits.maxLayers());
            for (String weightName : weightNames) {
                Node child = Hdf5Weights.child(layerGroup, weightName);
                if (child == null) {
                    throw new KerasFileException("weight '" + weightName + "' of layer '" + name + "' listed in "
                            + location + " weight_names is missing from " + path);
                }
                datasets.add(asDataset(child, name));
            }
        }
        if (datasets.size() != expectedCount) {
            throw new KerasFileException("layer '" + name + "' in " + path + " has " + datasets.size()
                    + " weight arrays at " + location + " but its config (use_bias=" + geometry.useBias()
                    + ") expects " + expectedCount);
        }
        float[][] out = new float[expectedCount][];
        for (int i = 0; i < expectedCount; i++) {
            String what = i == 0 ? "kernel" : "bias";
            shapesOut[i] = datasets.get(i).getDimensions();
            out[i] = Hdf5Weights.readFloats(datasets.get(i), what, name, path, limits.maxWeightElements());
        }
        return out;
    }

    private Dataset asDataset(Node node, String layerName) {
        if (node instanceof Dataset dataset) {
            return dataset;
        }
        throw new KerasFileException("weight " + node.getPath() + " of layer '" + layerName + "' in " + path
                + " is a " + node.getType() + ", expected a dataset");
    }

    /** Keras 3 names each layer's weight group snake_case(class name) plus a per-class counter (spec 8.3). */
    private static List<String> keras3GroupNames(List<JsonNode> entries) {
        Map<String, Integer> used = new HashMap<>();
        List<String> names = new ArrayList<>(entries.size());
        for (JsonNode entry : entries) {
            String base = toSnakeCase(entry.get("class_name").asText());
            Integer seen = used.get(base);
            if (seen == null) {
                used.put(base, 0);
                names.add(base);
            } else {
                used.put(base, seen + 1);
                names.add(base + "_" + (seen + 1));
            }
        }
        return names;
    }

    private static final Pattern NON_WORD =
            Pattern.compile("\\W+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern CAPITALIZED_WORD = Pattern.compile("(.)([A-Z][a-z]+)");
    private static final Pattern LOWER_UPPER = Pattern.compile("([a-z])([A-Z])");

    /** Keras 3's {@code naming.to_snake_case}: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d. */
    static String toSnakeCase(String className) {
        String s = NON_WORD.matcher(className).replaceAll("");
        s = CAPITALIZED_WORD.matcher(s).replaceAll("$1_$2");
        return LOWER_UPPER.matcher(s).replaceAll("$1_$2").toLowerCase(Locale.ROOT);
    }

    /** The temporary copy of a .keras archive's model.weights.h5, deleted by {@link #close()}; null otherwise. */
    Path temporaryWeightsFile() {
        return tempWeightsFile;
    }

    @Override
    public void close() {
        try {
            hdf.close();
        } finally {
            deleteQuietly(tempWeightsFile);
        }
    }
}
