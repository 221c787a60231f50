package io.sparkconv.core.initializer;

/** Argument checks shared by the initializers; messages name the class, the argument and the value. */
final class Checks {
    private Checks() {
    }

    static Number finite(String owner, String argument, Number value) {
        if (value == null || !Double.isFinite(value.doubleValue())) {
            throw new IllegalArgumentException(owner + " " + argument + "=" + value
                    + " is not supported: expected a finite number");
        }
        return value;
    }

    static Number nonNegative(String owner, String argument, Number value) {
        finite(owner, argument, value);
        if (value.doubleValue() < 0) {
            throw new IllegalArgumentException(owner + " " + argument + "=" + value
                    + " is not supported: expected a number >= 0");
        }
        return value;
    }
}
