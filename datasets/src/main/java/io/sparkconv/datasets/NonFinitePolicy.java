package io.sparkconv.datasets;

import java.util.Locale;

/** Whether NaN and infinite input values are passed on or make their record bad. */
public enum NonFinitePolicy {
    ALLOW,
    REJECT;

    public static NonFinitePolicy parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "allow":
                return ALLOW;
            case "reject":
                return REJECT;
            default:
                throw new IllegalArgumentException("non-finite policy '" + value
                        + "' is not supported: expected one of allow, reject");
        }
    }
}
