package io.sparkconv.spark.tile;

/** Message helpers of the tile job. */
final class ConvJobText {
    private ConvJobText() {
    }

    /** The first line of a message ("" for none). */
    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
