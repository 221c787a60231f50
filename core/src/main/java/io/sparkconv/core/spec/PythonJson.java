package io.sparkconv.core.spec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** Writes JSON the way Python's {@code json.dumps} does by default: ", " and ": " separators, Python float repr. */
final class PythonJson {
    private PythonJson() {
    }

    /** Jackson pretty printer that reproduces json.dumps' default separators. */
    static final class Separators extends MinimalPrettyPrinter {
        private static final long serialVersionUID = 1L;

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }
    }

    /** Writes a Map/List/Number/String/Boolean/null tree, keys in the map's order. */
    static void write(JsonGenerator g, Object value) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof String s) {
            g.writeString(s);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Double || value instanceof Float) {
            g.writeNumber(repr(((Number) value).doubleValue()));
        } else if (value instanceof Number n) {
            g.writeNumber(n.longValue());
        } else if (value instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                write(g, e.getValue());
            }
            g.writeEndObject();
        } else if (value instanceof List<?> list) {
            g.writeStartArray();
            for (Object o : list) {
                write(g, o);
            }
            g.writeEndArray();
        } else {
            throw new IllegalArgumentException("cannot serialize " + value.getClass().getName() + " to JSON");
        }
    }

    /**
     * Python's {@code repr(float)}: the shortest decimal that reads back as the same double; positional notation
     * for exponents -4..15 (always with a fraction, e.g. "1.0"), else "d.ddde-05" style.
     */
    static String repr(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Infinity" : "-Infinity";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0.0" : "0.0";
        }
        BigDecimal shortest = null;
        for (int digits = 1; digits <= 17; digits++) {
            BigDecimal candidate = new BigDecimal(v).round(new java.math.MathContext(digits,
                    java.math.RoundingMode.HALF_EVEN));
            if (candidate.doubleValue() == v) {
                shortest = candidate;
                break;
            }
        }
        BigDecimal d = shortest.stripTrailingZeros();
        String unscaled = d.unscaledValue().abs().toString();
        int exponent = unscaled.length() - 1 - d.scale(); // decimal exponent of the leading digit
        String sign = d.signum() < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = d.abs().toPlainString();
            if (!plain.contains(".")) {
                plain = plain + ".0";
            }
            return sign + plain;
        }
        String mantissa = unscaled.length() == 1 ? unscaled : unscaled.charAt(0) + "." + unscaled.substring(1);
        String exp = String.format("%02d", Math.abs(exponent));
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp;
    }
}
