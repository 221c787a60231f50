package io.sparkconv.core.tile;

/**
 * One tile of a {@link TilePlan}: a rectangle of the layer's output and the input window it needs.
 *
 * <p>The output rectangle is rows {@code outRow..outRow+outHeight-1} and columns {@code outCol..outCol+outWidth-1}.
 * The window is the input rectangle those outputs read, halo and padding included: it starts at
 * {@code (windowRow, windowCol)} in image coordinates, which is negative where SAME padding lies before the image,
 * and may end after the image where padding lies after it. The part inside the image is the read region
 * {@code (readRow, readCol, readHeight, readWidth)}; it sits at {@code (readRow - windowRow, readCol - windowCol)}
 * inside the window, and everything else in the window is zero.
 */
public record Tile(int row, int col, int outRow, int outCol, int outHeight, int outWidth,
                   int windowRow, int windowCol, int windowHeight, int windowWidth,
                   int readRow, int readCol, int readHeight, int readWidth) {

    /** Output pixels of this tile. */
    public long outputPixels() {
        return (long) outHeight * outWidth;
    }

    /** Input pixels read from the image for this tile (the read region). */
    public long readPixels() {
        return (long) readHeight * readWidth;
    }

    /** Rows of zero padding above the read region inside the window. */
    public int zeroRowsBefore() {
        return readRow - windowRow;
    }

    /** Columns of zero padding left of the read region inside the window. */
    public int zeroColsBefore() {
        return readCol - windowCol;
    }

    /** How the tile is named in progress and error messages. */
    public String label() {
        return "tile (" + row + ", " + col + ") [output rows " + outRow + ".." + (outRow + outHeight - 1)
                + ", cols " + outCol + ".." + (outCol + outWidth - 1) + "; input rows " + readRow + ".."
                + (readRow + readHeight - 1) + ", cols " + readCol + ".." + (readCol + readWidth - 1) + "]";
    }
}
