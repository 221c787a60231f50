package io.sparkconv.core.initializer;

/**
 * Keras' fan computation ({@code init_ops._compute_fans}, spec §5.1): for a conv kernel {@code (kh, kw, Cin, F)}
 * fan_in = Cin*kh*kw and fan_out = F*kh*kw; rank 0 gives (1, 1), rank 1 (s0, s0), rank 2 (s0, s1).
 */
public record Fans(double fanIn, double fanOut) {

    public static Fans of(int[] shape) {
        if (shape.length == 0) {
            return new Fans(1, 1);
        }
        if (shape.length == 1) {
            return new Fans(shape[0], shape[0]);
        }
        if (shape.length == 2) {
            return new Fans(shape[0], shape[1]);
        }
        double receptive = 1;
        for (int i = 0; i < shape.length - 2; i++) {
            receptive *= shape[i];
        }
        return new Fans(shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive);
    }
}
