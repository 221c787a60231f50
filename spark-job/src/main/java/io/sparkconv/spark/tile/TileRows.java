package io.sparkconv.spark.tile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import io.sparkconv.core.tile.Tile;

/**
 * The rows of a tile job's Parquet output. Each row is a band of one tile: a few whole output rows of it, at most
 * {@link #BAND_BYTES} of data, so that no single value is large (a tile of 1024 x 1024 x 8 floats is 32 MiB, and
 * Spark and Parquet copy each value several times on its way to the file, which a 1 GB heap cannot hold for two
 * tasks at once). A row carries its tile ({@code tile_row}, {@code tile_col}), its output origin ({@code row},
 * {@code col}), {@code shape} (band height, width, filters), the feature maps in {@code data} (float32
 * little-endian, C order (height, width, filters): a binary column, because a Parquet list of floats costs far
 * more to write and read), and the grid ({@code output_height}, {@code output_width}, {@code tile_height},
 * {@code tile_width}, {@code band_rows}), so the stitcher can check that every output pixel is present once.
 */
public final class TileRows {
    public static final String TILE_ROW = "tile_row";
    public static final String TILE_COL = "tile_col";
    public static final String ROW = "row";
    public static final String COL = "col";
    public static final String SHAPE = "shape";
    public static final String DATA = "data";
    public static final String OUTPUT_HEIGHT = "output_height";
    public static final String OUTPUT_WIDTH = "output_width";
    public static final String TILE_HEIGHT = "tile_height";
    public static final String TILE_WIDTH = "tile_width";
    public static final String BAND_ROWS = "band_rows";
    /** Largest band data: below G1's humongous-object size for small heaps, so bands do not fragment them. */
    public static final int BAND_BYTES = 256 << 10;

    public static final StructType SCHEMA = new StructType(new StructField[] {
            new StructField(TILE_ROW, DataTypes.IntegerType, false, Metadata.empty()),
            new StructField(TILE_COL, DataTypes.IntegerType, false, Metadata.empty()),
            new StructField(ROW, DataTypes.IntegerType, false, Metadata.empty()),
            new StructField(COL, DataTypes.IntegerType, false, Metadata.empty()),
            new StructField(SHAPE, DataTypes.createArrayType(DataTypes.IntegerType, false), false, Metadata.empty()),
            new StructField(DATA, DataTypes.BinaryType, false, Metadata.empty()),
            new StructField(OUTPUT_HEIGHT, DataTypes.IntegerType, false, Metadata.empty()),
            new StructField(OUTPUT_WIDTH, DataTypes.IntegerType, false, Metadata.empty()),
            new StructField(TILE_HEIGHT, DataTypes.IntegerType, false, Metadata.empty()),
            new StructField(TILE_WIDTH, DataTypes.IntegerType, false, Metadata.empty()),
            new StructField(BAND_ROWS, DataTypes.IntegerType, false, Metadata.empty())});

    private TileRows() {
    }

    /** Output rows per band for tiles {@code tileWidth} wide: as many as fit {@link #BAND_BYTES}, at least one. */
    public static int bandRows(int tileWidth, int filters) {
        return (int) Math.max(1, BAND_BYTES / (4L * tileWidth * filters));
    }

    /**
     * The row of rows {@code firstRow..firstRow+rows-1} of a convolved tile ({@code values}: the tile's
     * outHeight x outWidth x filters floats, channels-last).
     */
    static Row toRow(Tile t, int firstRow, int rows, int filters, float[] values, int outputHeight, int outputWidth,
                     int tileHeight, int tileWidth, int bandRows) {
        int rowValues = t.outWidth() * filters;
        byte[] data = new byte[Math.multiplyExact(rows * rowValues, 4)];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values, firstRow * rowValues,
                rows * rowValues);
        return RowFactory.create(t.row(), t.col(), t.outRow() + firstRow, t.outCol(),
                new int[] {rows, t.outWidth(), filters}, data, outputHeight, outputWidth, tileHeight, tileWidth,
                bandRows);
    }

    /** Tiles whose every band is present (a tile's last band ends at its last output row). */
    static long completeTiles(Dataset<Row> rows) {
        return rows.where(functions.expr("row + shape[0] = least(output_height, (tile_row + 1) * tile_height)"))
                .count();
    }
}
