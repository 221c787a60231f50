package io.sparkconv.core.activation;

/**
 * The error function in double precision, accurate to about 1e-13 relative, which is far more than a float32
 * result needs. Maclaurin series below |x| = 4 (the alternating terms stay below 1e5, so cancellation costs
 * at most 5 of the 16 digits), a continued fraction for erfc beyond.
 */
final class Erf {
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double ONE_OVER_SQRT_PI = 0.5641895835477563;

    private Erf() {
    }

    static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double a = Math.abs(x);
        double r;
        if (a < 4.0) {
            double x2 = a * a;
            double term = a;
            double sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double contribution = term / (2 * n + 1);
                sum += contribution;
                if (Math.abs(contribution) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            r = TWO_OVER_SQRT_PI * sum;
        } else {
            r = 1.0 - erfcLarge(a);
        }
        return x < 0 ? -r : r;
    }

    /** erfc(a) for a >= 4 by the continued fraction erfc(a) = exp(-a²)/sqrt(pi) * 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...)))). */
    private static double erfcLarge(double a) {
        if (a > 27) {
            return 0.0;
        }
        double f = a;
        for (int k = 60; k >= 1; k--) {
            f = a + (k / 2.0) / f;
        }
        return Math.exp(-a * a) * ONE_OVER_SQRT_PI / f;
    }
}
