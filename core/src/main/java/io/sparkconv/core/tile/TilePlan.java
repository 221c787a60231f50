package io.sparkconv.core.tile;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.spec.Conv2DSpec;
import io.sparkconv.core.spec.ConvGeometry;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a layer's output for one (large) image into a grid of tiles and gives each tile its input window.
 *
 * <p>Tiles are cut from the <em>output</em>: tile {@code (r, c)} holds output rows {@code r*tileHeight ..} and
 * columns {@code c*tileWidth ..} (the last row and column of tiles are smaller when the output size is not a
 * multiple of the tile size), so every output pixel belongs to exactly one tile. Output row {@code o} reads input
 * rows {@code o*stride - padTop + i*dilation} for {@code i < kernel}; a tile's window is therefore rows
 * {@code outRow*stride - padTop} to {@code (outRow+outHeight-1)*stride - padTop + (kernel-1)*dilation}: the
 * tile's own stride steps plus a halo of {@code (kernel-1)*dilation}. Convolving that window (zero where it lies
 * outside the image) with VALID padding gives exactly the tile's outputs; see {@link TileConvolver}.
 * The arithmetic is the same for both data formats: only heights and widths are involved.
 */
public final class TilePlan {
    private final ConvGeometry geometry;
    private final int tileHeight;
    private final int tileWidth;
    private final int rows;
    private final int cols;

    private TilePlan(ConvGeometry geometry, int tileHeight, int tileWidth) {
        this.geometry = geometry;
        this.tileHeight = tileHeight;
        this.tileWidth = tileWidth;
        this.rows = ceilDiv(geometry.outHeight(), tileHeight);
        this.cols = ceilDiv(geometry.outWidth(), tileWidth);
    }

    /**
     * The plan for a whole image's geometry ({@link ConvGeometry#of}, which has checked the image against the
     * layer) and tiles of {@code tileHeight x tileWidth} output pixels.
     */
    public static TilePlan of(ConvGeometry geometry, int tileHeight, int tileWidth) {
        if (tileHeight < 1 || tileWidth < 1) {
            throw new IllegalArgumentException("tile size " + tileHeight + "x" + tileWidth
                    + " is not supported: expected at least 1x1 output pixels");
        }
        long rows = ceilDiv(geometry.outHeight(), tileHeight);
        long cols = ceilDiv(geometry.outWidth(), tileWidth);
        if (rows * cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tile size " + tileHeight + "x" + tileWidth + " cuts the "
                    + geometry.outHeight() + "x" + geometry.outWidth() + " output into " + rows * cols
                    + " tiles: expected at most " + Integer.MAX_VALUE + "; use larger tiles");
        }
        // The largest window must be addressable as one array, as the runner that convolves it needs.
        long windowHeight = windowExtent(Math.min(tileHeight, geometry.outHeight()), geometry.strideHeight(),
                geometry.kernelHeight(), geometry.dilationHeight());
        long windowWidth = windowExtent(Math.min(tileWidth, geometry.outWidth()), geometry.strideWidth(),
                geometry.kernelWidth(), geometry.dilationWidth());
        long windowValues = windowHeight * windowWidth * geometry.inChannels();
        long outputValues = (long) Math.min(tileHeight, geometry.outHeight()) * Math.min(tileWidth,
                geometry.outWidth()) * geometry.filters();
        if (windowValues > Integer.MAX_VALUE - 8 || outputValues > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tile size " + tileHeight + "x" + tileWidth + " needs input windows"
                    + " of " + windowHeight + "x" + windowWidth + "x" + geometry.inChannels() + " and outputs of "
                    + outputValues + " values: expected at most " + (Integer.MAX_VALUE - 8)
                    + " values each; use smaller tiles");
        }
        return new TilePlan(geometry, tileHeight, tileWidth);
    }

    /**
     * The whole-image geometry of {@code layer} (with weights) for a {@code height x width x channels} image of
     * any size: the same checks and arithmetic as {@link ConvGeometry#of} (channels against the weights, VALID
     * input at least the dilated kernel, TensorFlow's output sizes and SAME padding), but the whole image and its
     * output need not fit in one Java array; only a tile's window and output must ({@link #of} checks those).
     */
    public static ConvGeometry imageGeometry(Conv2D layer, int height, int width, int channels) {
        Conv2DSpec spec = layer.spec();
        if (height < 1 || width < 1 || channels < 1) {
            throw new IllegalArgumentException("image of " + height + "x" + width + "x" + channels
                    + ": expected height, width and channels >= 1");
        }
        if (layer.inputChannels() != channels) {
            throw new IllegalArgumentException("layer '" + spec.name() + "' has weights for " + layer.inputChannels()
                    + " input channels, but the image has " + channels);
        }
        ConvGeometry.Axis rows = ConvGeometry.axis("height", spec.padding(), height, spec.kernelHeight(),
                spec.strideHeight(), spec.dilationHeight());
        ConvGeometry.Axis cols = ConvGeometry.axis("width", spec.padding(), width, spec.kernelWidth(),
                spec.strideWidth(), spec.dilationWidth());
        return new ConvGeometry(spec.dataFormat(), height, width, channels, rows.out(), cols.out(), spec.filters(),
                spec.kernelHeight(), spec.kernelWidth(), spec.strideHeight(), spec.strideWidth(),
                spec.dilationHeight(), spec.dilationWidth(), rows.padBefore(), rows.padAfter(), cols.padBefore(),
                cols.padAfter(), spec.groups());
    }

    private static long windowExtent(int outputs, int stride, int kernel, int dilation) {
        return (long) (outputs - 1) * stride + (long) (kernel - 1) * dilation + 1;
    }

    private static int ceilDiv(int a, int b) {
        return (int) (((long) a + b - 1) / b);
    }

    /** The whole image's geometry. */
    public ConvGeometry geometry() {
        return geometry;
    }

    public int tileHeight() {
        return tileHeight;
    }

    public int tileWidth() {
        return tileWidth;
    }

    /** Rows of tiles. */
    public int rows() {
        return rows;
    }

    /** Columns of tiles. */
    public int cols() {
        return cols;
    }

    /** Number of tiles. */
    public int count() {
        return rows * cols;
    }

    /** Tile number {@code index} in row-major order. */
    public Tile tile(int index) {
        if (index < 0 || index >= count()) {
            throw new IndexOutOfBoundsException("tile " + index + " of " + count());
        }
        return tile(index / cols, index % cols);
    }

    /** The tile in tile row {@code row} and tile column {@code col}. */
    public Tile tile(int row, int col) {
        if (row < 0 || row >= rows || col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException("tile (" + row + ", " + col + ") of a " + rows + "x" + cols
                    + " grid");
        }
        ConvGeometry g = geometry;
        int outRow = row * tileHeight;
        int outCol = col * tileWidth;
        int outHeight = Math.min(tileHeight, g.outHeight() - outRow);
        int outWidth = Math.min(tileWidth, g.outWidth() - outCol);
        int windowRow = outRow * g.strideHeight() - g.padTop();
        int windowCol = outCol * g.strideWidth() - g.padLeft();
        int windowHeight = (int) windowExtent(outHeight, g.strideHeight(), g.kernelHeight(), g.dilationHeight());
        int windowWidth = (int) windowExtent(outWidth, g.strideWidth(), g.kernelWidth(), g.dilationWidth());
        int readRow = Math.max(0, windowRow);
        int readCol = Math.max(0, windowCol);
        int readHeight = Math.min(g.inHeight(), windowRow + windowHeight) - readRow;
        int readWidth = Math.min(g.inWidth(), windowCol + windowWidth) - readCol;
        return new Tile(row, col, outRow, outCol, outHeight, outWidth, windowRow, windowCol, windowHeight,
                windowWidth, readRow, readCol, readHeight, readWidth);
    }

    /** Every tile, row-major. */
    public List<Tile> tiles() {
        List<Tile> all = new ArrayList<>(count());
        for (int i = 0; i < count(); i++) {
            all.add(tile(i));
        }
        return all;
    }

    @Override
    public String toString() {
        return rows + "x" + cols + " tiles of " + tileHeight + "x" + tileWidth + " over a " + geometry.outHeight()
                + "x" + geometry.outWidth() + " output";
    }
}
