package io.sparkconv.spark.tile;

import io.sparkconv.spark.job.ConvJob;
import io.sparkconv.spark.job.JobConfigException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code sparkconv export --stitch}: puts a tile job's tiles together into one float32 NPY of shape
 * (output height, output width, filters) from its bands (see {@link TileRows}), or a BigTIFF with one float32 sample per filter when the output ends
 * in .tif/.tiff ({@link BigTiffStrips}), streaming. Tiles arrive one partition at a time and each tile's rows
 * are written at their place in the file, so the driver holds about one tile, never the whole result. Every tile
 * is checked against the grid it claims (origin, shape, size of its data) and every tile of the grid must be
 * present exactly once. The file is written beside the target and renamed into place at the end, so the output
 * appears whole or not at all.
 */
public final class TileStitch {
    private TileStitch() {
    }

    /** What was written. */
    public record Result(int height, int width, int filters, int tiles) {
        public String shapeText() {
            return "(" + height + ", " + width + ", " + filters + ")";
        }
    }

    /** Stitches on the active SparkSession, or on a new local one that is stopped at the end. */
    public static Result stitchWithSession(String input, String output, String master) {
        SparkSession active = SparkSession.getActiveSession().isDefined() ? SparkSession.getActiveSession().get()
                : null;
        if (active != null) {
            return stitch(active, input, output);
        }
        SparkSession spark = SparkSession.builder().config(ConvJob.sparkConf(master)).getOrCreate();
        try {
            return stitch(spark, input, output);
        } finally {
            spark.stop();
        }
    }

    public static Result stitch(SparkSession spark, String input, String output) {
        String lower = output.toLowerCase(Locale.ROOT);
        boolean tiff = lower.endsWith(".tif") || lower.endsWith(".tiff");
        if (!tiff && !lower.endsWith(".npy")) {
            throw new JobConfigException("--stitch output " + output + ": expected a .npy, .tif or .tiff file");
        }
        org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(input);
        try {
            FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(dir)) {
                throw new JobConfigException("input " + input + " does not exist");
            }
            if (!fs.exists(new org.apache.hadoop.fs.Path(dir, "_SUCCESS"))) {
                throw new JobConfigException("input " + input + " is not a complete job output (no _SUCCESS marker)");
            }
        } catch (IOException e) {
            throw new JobConfigException("cannot read " + input + ": " + e.getMessage(), e);
        }
        Dataset<Row> tiles = spark.read().schema(TileRows.SCHEMA).parquet(input);
        List<Row> grids = tiles.selectExpr(TileRows.OUTPUT_HEIGHT, TileRows.OUTPUT_WIDTH, TileRows.TILE_HEIGHT,
                TileRows.TILE_WIDTH, "element_at(" + TileRows.SHAPE + ", 3)", TileRows.BAND_ROWS).distinct()
                .collectAsList();
        if (grids.isEmpty()) {
            throw new JobConfigException("input " + input + " holds no tiles");
        }
        if (grids.size() > 1) {
            throw new JobConfigException("input " + input + " mixes tiles of " + grids.size() + " different grids "
                    + "(output size, tile size, filters): expected the output of one tile job");
        }
        Row grid = grids.get(0);
        int height = grid.getInt(0);
        int width = grid.getInt(1);
        int tileHeight = grid.getInt(2);
        int tileWidth = grid.getInt(3);
        int filters = grid.getInt(4);
        int bandRows = grid.getInt(5);
        if (height < 1 || width < 1 || tileHeight < 1 || tileWidth < 1 || filters < 1 || bandRows < 1) {
            throw new JobConfigException("input " + input + " has a malformed grid " + grid + ": expected positive "
                    + "output size, tile size, filters and band rows");
        }
        int bandsPerTile = (tileHeight + bandRows - 1) / bandRows;
        int rows = (int) (((long) height + tileHeight - 1) / tileHeight);
        int cols = (int) (((long) width + tileWidth - 1) / tileWidth);
        long tileBytes = (long) Math.min(tileHeight, height) * Math.min(tileWidth, width) * filters * 4;

        Path target = Path.of(output).toAbsolutePath();
        Path partial = target.resolveSibling("." + target.getFileName() + ".partial");
        String maxPartitionBytes = spark.conf().get("spark.sql.files.maxPartitionBytes");
        // About one tile per partition: the driver then holds one tile at a time.
        spark.conf().set("spark.sql.files.maxPartitionBytes", String.valueOf(Math.max(1 << 20, tileBytes)));
        boolean done = false;
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            BigTiffStrips tiffLayout = tiff ? new BigTiffStrips(height, width, filters) : null;
            byte[] header = tiff ? tiffLayout.header() : npyHeader(height, width, filters);
            writeFully(out, ByteBuffer.wrap(header), 0);
            long dataOffset = header.length;
            BitSet seen = new BitSet(Math.toIntExact((long) rows * cols * bandsPerTile));
            long expectedBands = 0;
            for (int tr = 0; tr < rows; tr++) {
                int h = Math.min(tileHeight, height - tr * tileHeight);
                expectedBands += (long) cols * ((h + bandRows - 1) / bandRows);
            }
            Iterator<Row> it = tiles.toLocalIterator();
            while (it.hasNext()) {
                Row t = it.next();
                int tr = t.getInt(t.fieldIndex(TileRows.TILE_ROW));
                int tc = t.getInt(t.fieldIndex(TileRows.TILE_COL));
                int row = t.getInt(t.fieldIndex(TileRows.ROW));
                int col = t.getInt(t.fieldIndex(TileRows.COL));
                List<Integer> shape = t.getList(t.fieldIndex(TileRows.SHAPE));
                byte[] data = t.getAs(TileRows.DATA);
                String name = "tile (" + tr + ", " + tc + ")";
                if (tr < 0 || tr >= rows || tc < 0 || tc >= cols) {
                    throw new IllegalStateException(name + " lies outside the " + rows + "x" + cols + " grid");
                }
                int tileTop = tr * tileHeight;
                int tileRows = Math.min(tileHeight, height - tileTop);
                int w = Math.min(tileWidth, width - tc * tileWidth);
                int band = (row - tileTop) / bandRows;
                int h = Math.min(bandRows, tileTop + tileRows - row);
                if (row < tileTop || row >= tileTop + tileRows || (row - tileTop) % bandRows != 0
                        || col != tc * tileWidth || shape.size() != 3 || shape.get(0) != h || shape.get(1) != w
                        || shape.get(2) != filters || data.length != (long) h * w * filters * 4) {
                    throw new IllegalStateException("a band of " + name + " at (" + row + ", " + col + ") of shape "
                            + shape + " with " + data.length + " bytes does not fit the grid (tiles of " + tileHeight
                            + "x" + tileWidth + ", bands of " + bandRows + " rows, " + filters + " filters)");
                }
                int index = (tr * cols + tc) * bandsPerTile + band;
                if (seen.get(index)) {
                    throw new IllegalStateException("rows " + row + ".." + (row + h - 1) + " of " + name
                            + " occur twice in " + input);
                }
                seen.set(index);
                int rowBytes = w * filters * 4;
                for (int r = 0; r < h; r++) {
                    long position = dataOffset + (((long) (row + r) * width + col) * filters) * 4;
                    writeFully(out, ByteBuffer.wrap(data, r * rowBytes, rowBytes), position);
                }
            }
            if (seen.cardinality() != expectedBands) {
                int missingTile = -1;
                for (int i = 0; i < rows * cols && missingTile < 0; i++) {
                    int h = Math.min(tileHeight, height - i / cols * tileHeight);
                    int bands = (h + bandRows - 1) / bandRows;
                    int first = seen.nextClearBit(i * bandsPerTile);
                    if (first < i * bandsPerTile + bands) {
                        missingTile = i;
                    }
                }
                long missing = 0;
                for (int i = 0; i < rows * cols; i++) {
                    int h = Math.min(tileHeight, height - i / cols * tileHeight);
                    int bands = (h + bandRows - 1) / bandRows;
                    if (seen.get(i * bandsPerTile, i * bandsPerTile + bands).cardinality() != bands) {
                        missing++;
                    }
                }
                throw new IllegalStateException(input + " lacks " + missing + " of its " + rows * cols
                        + " tiles (in whole or part), e.g. tile (" + missingTile / cols + ", " + missingTile % cols
                        + ")");
            }
            if (tiff) {
                writeFully(out, ByteBuffer.wrap(tiffLayout.trailer()), dataOffset + tiffLayout.dataBytes());
            }
            out.force(false);
            done = true;
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + output + ": " + e.getMessage(), e);
        } finally {
            spark.conf().set("spark.sql.files.maxPartitionBytes", maxPartitionBytes);
            if (!done) {
                try {
                    Files.deleteIfExists(partial);
                } catch (IOException ignored) {
                    // the failure being reported matters more than a leftover partial file
                }
            }
        }
        try {
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot move " + partial + " to " + output + ": " + e.getMessage(), e);
        }
        return new Result(height, width, filters, rows * cols);
    }

    private static void writeFully(FileChannel out, ByteBuffer b, long position) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            p += out.write(b, p);
        }
    }

    /** An NPY 1.0 header for little-endian float32 of shape (h, w, f), C order, padded to 64 bytes as NumPy does. */
    static byte[] npyHeader(int h, int w, int f) {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + h + ", " + w + ", " + f + "), }";
        int unpadded = 10 + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        StringBuilder text = new StringBuilder(dict);
        while (10 + text.length() + 1 < total) {
            text.append(' ');
        }
        text.append('\n');
        byte[] body = text.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + body.length);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.ISO_8859_1)).put((byte) 1).put((byte) 0);
        b.put((byte) (body.length & 0xFF)).put((byte) (body.length >>> 8)).put(body);
        return b.array();
    }
}
