package io.sparkconv.spark.tile;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import io.sparkconv.core.tile.Tile;

/**
 * The rows of a tile job's Parquet output, one per tile: its place in the grid ({@code tile_row},
 * {@code tile_col}), its output origin ({@code row}, {@code col}), {@code shape} (height, width, filters), the
 * feature maps in {@code data} (float32 little-endian, C order (height, width, filters): a binary column,
 * because a million-element Parquet list costs far more to write and read), and the grid it belongs to
 * ({@code output_height}, {@code output_width}, {@code tile_height}, {@code tile_width}) so the stitcher can
 * check that the tiles cover the output exactly once.
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
            new StructField(TILE_WIDTH, DataTypes.IntegerType, false, Metadata.empty())});

    private TileRows() {
    }

    /** The row of one convolved tile ({@code values}: outHeight x outWidth x filters floats). */
    static Row toRow(Tile t, int filters, float[] values, int count, int outputHeight, int outputWidth,
                     int tileHeight, int tileWidth) {
        byte[] data = new byte[Math.multiplyExact(count, 4)];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values, 0, count);
        return RowFactory.create(t.row(), t.col(), t.outRow(), t.outCol(),
                new int[] {t.outHeight(), t.outWidth(), filters}, data, outputHeight, outputWidth, tileHeight,
                tileWidth);
    }

    /** A tile's data as floats (for tests and small tiles; the stitcher copies the bytes as they are). */
    public static float[] floats(Row row) {
        byte[] data = row.getAs(DATA);
        float[] out = new float[data.length / 4];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
