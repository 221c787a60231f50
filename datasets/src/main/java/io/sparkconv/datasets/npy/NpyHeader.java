package io.sparkconv.datasets.npy;

import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.io.ElementType;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a NumPy {@code .npy} file (format versions 1.0, 2.0 and 3.0), validated once: magic, version,
 * header length, the Python dict literal, dtype, shape and the size arithmetic (overflow-checked).
 * Every problem is a {@link DatasetException} naming the file.
 */
public final class NpyHeader {
    /** NumPy's magic prefix: the byte 0x93 then "NUMPY". */
    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Longest header accepted; real headers are a few hundred bytes (NumPy itself refuses > 10000 by default). */
    public static final int MAX_HEADER_BYTES = 1 << 16;

    private final int majorVersion;
    private final int minorVersion;
    private final long dataOffset;
    private final String descr;
    private final ElementType type;
    private final ByteOrder order;
    private final boolean fortranOrder;
    private final long[] shape;
    private final long elementCount;
    private final long dataBytes;

    private NpyHeader(int majorVersion, int minorVersion, long dataOffset, String descr, ElementType type,
                      ByteOrder order, boolean fortranOrder, long[] shape, long elementCount, long dataBytes) {
        this.majorVersion = majorVersion;
        this.minorVersion = minorVersion;
        this.dataOffset = dataOffset;
        this.descr = descr;
        this.type = type;
        this.order = order;
        this.fortranOrder = fortranOrder;
        this.shape = shape;
        this.elementCount = elementCount;
        this.dataBytes = dataBytes;
    }

    /**
     * Reads and validates the header from the start of {@code in}, leaving the stream at the first data byte.
     *
     * @param source file name for messages
     */
    public static NpyHeader read(InputStream in, String source) {
        byte[] prefix = new byte[10];
        readFully(in, prefix, 0, 10, source, "the 10-byte NPY preamble");
        for (int i = 0; i < MAGIC.length; i++) {
            if (prefix[i] != MAGIC[i]) {
                throw DatasetException.file(source, "not an NPY file: wrong magic " + hex(prefix, 6)
                        + ", expected 93 4e 55 4d 50 59 (\\x93NUMPY)");
            }
        }
        int major = prefix[6] & 0xFF;
        int minor = prefix[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw DatasetException.file(source, "NPY format version " + major + "." + minor
                    + " is not supported: expected 1.0, 2.0 or 3.0");
        }
        long headerLength;
        int preamble;
        if (major == 1) {
            headerLength = (prefix[8] & 0xFF) | ((prefix[9] & 0xFF) << 8);
            preamble = 10;
        } else {
            byte[] rest = new byte[2];
            readFully(in, rest, 0, 2, source, "the 4-byte header length of NPY version " + major);
            headerLength = (prefix[8] & 0xFFL) | ((prefix[9] & 0xFFL) << 8) | ((rest[0] & 0xFFL) << 16)
                    | ((rest[1] & 0xFFL) << 24);
            preamble = 12;
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw DatasetException.file(source, "NPY header length " + headerLength + " is larger than the "
                    + MAX_HEADER_BYTES + " bytes accepted");
        }
        if (headerLength == 0) {
            throw DatasetException.file(source, "NPY header length is 0: the header dict is missing");
        }
        byte[] header = new byte[(int) headerLength];
        readFully(in, header, 0, header.length, source, "the " + headerLength + "-byte NPY header");
        String text = new String(header, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Map<String, Object> dict = new DictParser(text, source).parseHeaderDict();
        return fromDict(dict, major, minor, preamble + headerLength, source);
    }

    private static NpyHeader fromDict(Map<String, Object> dict, int major, int minor, long dataOffset, String source) {
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw DatasetException.file(source, "NPY header lacks the key '" + key + "'");
            }
        }
        if (dict.size() != 3) {
            List<String> extra = new ArrayList<>(dict.keySet());
            extra.removeAll(List.of("descr", "fortran_order", "shape"));
            throw DatasetException.file(source, "NPY header has unexpected keys " + extra
                    + ": expected exactly 'descr', 'fortran_order', 'shape'");
        }
        Object descrValue = dict.get("descr");
        if (!(descrValue instanceof String)) {
            throw DatasetException.file(source, "dtype " + DictParser.show(descrValue) + " is not supported: "
                    + "structured and sub-array dtypes cannot be image tensors; expected a numeric dtype such as '<f4'");
        }
        String descr = (String) descrValue;
        Object fortran = dict.get("fortran_order");
        if (!(fortran instanceof Boolean)) {
            throw DatasetException.file(source, "NPY header 'fortran_order' is " + DictParser.show(fortran)
                    + ", expected True or False");
        }
        Object shapeValue = dict.get("shape");
        if (!(shapeValue instanceof long[])) {
            throw DatasetException.file(source, "NPY header 'shape' is " + DictParser.show(shapeValue)
                    + ", expected a tuple of integers");
        }
        long[] shape = (long[]) shapeValue;
        ElementType type = parseType(descr, source);
        ByteOrder order = parseOrder(descr, type, source);
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw DatasetException.file(source, "NPY shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw DatasetException.file(source, "NPY shape " + Arrays.toString(shape)
                        + " has more elements than a 64-bit count holds");
            }
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(count, (long) type.size());
            Math.addExact(bytes, dataOffset);
        } catch (ArithmeticException e) {
            throw DatasetException.file(source, "NPY shape " + Arrays.toString(shape) + " of " + descr
                    + " needs more bytes than a 64-bit size holds");
        }
        return new NpyHeader(major, minor, dataOffset, descr, type, order, (Boolean) fortran, shape, count, bytes);
    }

    static ElementType parseType(String descr, String source) {
        if (descr.length() < 2) {
            throw unsupported(descr, source);
        }
        String kind = descr.substring(1);
        char order = descr.charAt(0);
        if (order != '<' && order != '>' && order != '|' && order != '=') {
            throw unsupported(descr, source);
        }
        switch (kind) {
            case "b1":
            case "?":
                return ElementType.BOOL;
            case "i1":
                return ElementType.INT8;
            case "u1":
                return ElementType.UINT8;
            case "i2":
                return ElementType.INT16;
            case "u2":
                return ElementType.UINT16;
            case "i4":
                return ElementType.INT32;
            case "u4":
                return ElementType.UINT32;
            case "i8":
                return ElementType.INT64;
            case "u8":
                return ElementType.UINT64;
            case "f4":
                return ElementType.FLOAT32;
            case "f8":
                return ElementType.FLOAT64;
            default:
                throw unsupported(descr, source);
        }
    }

    private static ByteOrder parseOrder(String descr, ElementType type, String source) {
        char c = descr.charAt(0);
        if (c == '|' && type.size() > 1) {
            throw DatasetException.file(source, "dtype '" + descr + "' has no byte order ('|') but "
                    + type.size() + "-byte elements: expected '<' or '>'");
        }
        return c == '>' ? ByteOrder.BIG_ENDIAN : c == '=' ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
    }

    private static DatasetException unsupported(String descr, String source) {
        return DatasetException.file(source, "dtype '" + descr + "' is not supported: expected one of "
                + "bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64 "
                + "(e.g. '<f4', '>f8', '|u1')");
    }

    private static void readFully(InputStream in, byte[] b, int off, int len, String source, String what) {
        int done = 0;
        try {
            while (done < len) {
                int n = in.read(b, off + done, len - done);
                if (n < 0) {
                    throw new EOFException();
                }
                done += n;
            }
        } catch (EOFException e) {
            throw DatasetException.file(source, "truncated: the file ends after " + done + " of the " + len
                    + " bytes of " + what);
        } catch (IOException e) {
            throw DatasetException.file(source, "cannot read " + what + ": " + e.getMessage(), e);
        }
    }

    private static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xFF));
        }
        return sb.toString();
    }

    public int majorVersion() {
        return majorVersion;
    }

    public int minorVersion() {
        return minorVersion;
    }

    /** Byte offset of the first data byte from the start of the NPY file. */
    public long dataOffset() {
        return dataOffset;
    }

    /** The dtype string as written, e.g. {@code "<f4"}. */
    public String descr() {
        return descr;
    }

    public ElementType type() {
        return type;
    }

    public ByteOrder order() {
        return order;
    }

    public boolean fortranOrder() {
        return fortranOrder;
    }

    /** The array shape; a copy. */
    public long[] shape() {
        return shape.clone();
    }

    public long elementCount() {
        return elementCount;
    }

    /** Bytes of array data after the header. */
    public long dataBytes() {
        return dataBytes;
    }

    @Override
    public String toString() {
        return "NPY v" + majorVersion + "." + minorVersion + " " + descr + " " + Arrays.toString(shape)
                + (fortranOrder ? " Fortran order" : " C order");
    }

    /** Parses the header's Python dict literal: string keys; values are strings, booleans or int tuples. */
    static final class DictParser {
        private final String text;
        private final String source;
        private int pos;

        DictParser(String text, String source) {
            this.text = text;
            this.source = source;
        }

        Map<String, Object> parseHeaderDict() {
            skipSpace();
            expect('{');
            Map<String, Object> map = new LinkedHashMap<>();
            skipSpace();
            while (peek() != '}') {
                String key = parseString();
                skipSpace();
                expect(':');
                skipSpace();
                Object value = parseValue();
                if (map.put(key, value) != null) {
                    throw error("duplicate key '" + key + "'");
                }
                skipSpace();
                if (peek() == ',') {
                    pos++;
                    skipSpace();
                } else if (peek() != '}') {
                    throw error("expected ',' or '}'");
                }
            }
            pos++;
            skipSpace();
            if (pos != text.length()) {
                throw error("unexpected text after the dict");
            }
            return map;
        }

        private Object parseValue() {
            char c = peek();
            if (c == '\'' || c == '"') {
                return parseString();
            }
            if (c == '(') {
                return parseTuple();
            }
            if (c == '[') {
                // a structured dtype list: keep only enough to report it
                int depth = 0;
                int start = pos;
                while (pos < text.length()) {
                    char d = text.charAt(pos++);
                    if (d == '[') {
                        depth++;
                    } else if (d == ']' && --depth == 0) {
                        return new StructuredDescr(text.substring(start, pos));
                    }
                }
                throw error("unterminated list");
            }
            if (text.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (text.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            if (Character.isDigit(c) || c == '-') {
                return parseInt();
            }
            throw error("unexpected value");
        }

        private long[] parseTuple() {
            expect('(');
            List<Long> dims = new ArrayList<>();
            skipSpace();
            while (peek() != ')') {
                dims.add(parseInt());
                skipSpace();
                if (peek() == ',') {
                    pos++;
                    skipSpace();
                } else if (peek() != ')') {
                    throw error("expected ',' or ')' in the shape tuple");
                }
                if (dims.size() > 32) {
                    throw error("shape has more than 32 dimensions");
                }
            }
            pos++;
            long[] out = new long[dims.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = dims.get(i);
            }
            return out;
        }

        private long parseInt() {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            while (pos < text.length() && Character.isDigit(text.charAt(pos)) && text.charAt(pos) < 128) {
                pos++;
            }
            String digits = text.substring(start, pos);
            if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
                pos++; // Python 2 long literal
            }
            if (digits.isEmpty() || digits.equals("-")) {
                throw error("expected an integer");
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw error("integer " + digits + " does not fit in 64 bits");
            }
        }

        private String parseString() {
            char q = peek();
            if (q != '\'' && q != '"') {
                throw error("expected a quoted string");
            }
            int end = text.indexOf(q, pos + 1);
            if (end < 0) {
                throw error("unterminated string");
            }
            String s = text.substring(pos + 1, end);
            if (s.indexOf('\\') >= 0) {
                throw error("escapes in strings are not expected in an NPY header");
            }
            pos = end + 1;
            return s;
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private char peek() {
            if (pos >= text.length()) {
                throw error("the header ends early");
            }
            return text.charAt(pos);
        }

        private void skipSpace() {
            while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\n'
                    || text.charAt(pos) == '\t' || text.charAt(pos) == '\r')) {
                pos++;
            }
        }

        private DatasetException error(String what) {
            String shown = text.length() > 200 ? text.substring(0, 200) + "..." : text;
            return DatasetException.file(source, "malformed NPY header dict at character " + pos + ": " + what
                    + " in " + shown.replace("\n", "\\n"));
        }

        static String show(Object v) {
            if (v instanceof long[]) {
                return Arrays.toString((long[]) v);
            }
            if (v instanceof String) {
                return "'" + v + "'";
            }
            return String.valueOf(v);
        }
    }

    /** A structured dtype description, kept only to be named in the error. */
    static final class StructuredDescr {
        private final String text;

        StructuredDescr(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text.length() > 100 ? text.substring(0, 100) + "..." : text;
        }
    }
}
