package io.sparkconv.datasets.window;

import java.io.IOException;

/**
 * TIFF's LZW (compression 5, TIFF 6.0 section 13): codes of 9 to 12 bits, most significant bit first, ClearCode
 * 256, EndOfInformation 257, and the code width growing one code early (at 511, 1023, 2047). Written here because
 * the library decoders are not public API (TwelveMonkeys' is package-private, the JDK's is in an unexported module).
 */
final class TiffLzw {
    private static final int CLEAR = 256;
    private static final int END = 257;
    private static final int FIRST_FREE = 258;
    private static final int MAX_CODES = 4096;

    private final int[] prefix = new int[MAX_CODES];
    private final byte[] last = new byte[MAX_CODES];
    private final byte[] first = new byte[MAX_CODES];
    private final int[] length = new int[MAX_CODES];

    TiffLzw() {
        for (int i = 0; i < 256; i++) {
            prefix[i] = -1;
            last[i] = (byte) i;
            first[i] = (byte) i;
            length[i] = 1;
        }
    }

    /**
     * Decodes {@code in[0..inLength)} into {@code out}, which the data must fill exactly: bytes decoded past its end
     * are dropped (as libtiff does), and data that ends before it is filled is an error.
     */
    void decode(byte[] in, int inLength, byte[] out, int outLength) throws IOException {
        if (inLength >= 2 && in[0] == 0 && (in[1] & 1) != 0) {
            throw new IOException("old-style (bit-reversed) LZW, written by libtiff before 1991, is not supported");
        }
        long bitPos = 0;
        long bitEnd = 8L * inLength;
        int width = 9;
        int next = FIRST_FREE;
        int previous = -1;
        int pos = 0;
        while (pos < outLength && bitPos + width <= bitEnd) {
            int code = bits(in, bitPos, width);
            bitPos += width;
            if (code == END) {
                break;
            }
            if (code == CLEAR) {
                width = 9;
                next = FIRST_FREE;
                previous = -1;
                continue;
            }
            if (previous < 0) {
                if (code > 255) {
                    throw new IOException("corrupt LZW data: code " + code + " right after a ClearCode");
                }
                out[pos++] = (byte) code;
                previous = code;
                continue;
            }
            if (code > next) {
                throw new IOException("corrupt LZW data: code " + code + " is past the table's " + next + " entries");
            }
            if (next >= MAX_CODES) {
                throw new IOException("corrupt LZW data: the table is full and no ClearCode follows");
            }
            // A new entry: the previous string plus the first byte of this one (or of itself, for code == next).
            prefix[next] = previous;
            first[next] = first[previous];
            last[next] = code == next ? first[previous] : first[code];
            length[next] = length[previous] + 1;
            next++;
            pos = emit(code, out, pos, outLength);
            previous = code;
            if (next >= (1 << width) - 1 && width < 12) {
                width++;
            }
        }
        if (pos < outLength) {
            throw new IOException("LZW data ends after " + pos + " of " + outLength + " bytes");
        }
    }

    /** Writes the string of {@code code} at {@code pos}, cut at {@code outLength}; returns the new position. */
    private int emit(int code, byte[] out, int pos, int outLength) {
        int n = length[code];
        int end = pos + n;
        for (int c = code, i = end - 1; c >= 0; c = prefix[c], i--) {
            if (i < outLength) {
                out[i] = last[c];
            }
        }
        return Math.min(end, outLength);
    }

    /** {@code width} bits starting at bit {@code bitPos}, most significant first. */
    private static int bits(byte[] in, long bitPos, int width) {
        int byteIndex = (int) (bitPos >>> 3);
        int window = (in[byteIndex] & 0xFF) << 16;
        if (byteIndex + 1 < in.length) {
            window |= (in[byteIndex + 1] & 0xFF) << 8;
        }
        if (byteIndex + 2 < in.length) {
            window |= in[byteIndex + 2] & 0xFF;
        }
        int shift = 24 - (int) (bitPos & 7) - width;
        return (window >>> shift) & ((1 << width) - 1);
    }
}
