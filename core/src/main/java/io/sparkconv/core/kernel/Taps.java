package io.sparkconv.core.kernel;

/**
 * Which kernel taps of one output pixel fall inside the image, along one axis. With them a kernel loops over
 * exactly the taps that read real pixels, so zero padding needs neither a padded copy nor a bounds test.
 */
public final class Taps {

    private Taps() {
    }

    /**
     * First tap {@code t >= 0} with {@code start + t * dilation >= 0}, where {@code start} is the input
     * coordinate of tap 0 (negative inside the leading padding).
     */
    public static int first(int start, int dilation) {
        return start >= 0 ? 0 : (-start + dilation - 1) / dilation;
    }

    /** One past the last tap {@code t < taps} with {@code start + t * dilation < size} ({@code start < size}). */
    public static int end(int start, int dilation, int taps, int size) {
        return Math.min(taps, (size - start + dilation - 1) / dilation);
    }
}
