package io.sparkconv.datasets.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Numeric element types of binary tensor files, each converted to float32 on read. */
public enum ElementType {
    BOOL(1, false, "bool"),
    INT8(1, false, "int8"),
    UINT8(1, false, "uint8"),
    INT16(2, false, "int16"),
    UINT16(2, false, "uint16"),
    INT32(4, false, "int32"),
    UINT32(4, false, "uint32"),
    INT64(8, false, "int64"),
    UINT64(8, false, "uint64"),
    FLOAT32(4, true, "float32"),
    FLOAT64(8, true, "float64");

    private final int size;
    private final boolean floating;
    private final String numpyName;

    ElementType(int size, boolean floating, String numpyName) {
        this.size = size;
        this.floating = floating;
        this.numpyName = numpyName;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** True for types that can hold NaN and infinities. */
    public boolean floating() {
        return floating;
    }

    public String numpyName() {
        return numpyName;
    }

    /**
     * Converts {@code count} elements starting at {@code bytes[byteOffset]} into {@code out[outOffset..]}.
     * Values beyond float32's precision are rounded as a Java cast rounds (to nearest).
     */
    public void toFloats(byte[] bytes, int byteOffset, ByteOrder order, float[] out, int outOffset, int count) {
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(order);
        int p = byteOffset;
        int end = outOffset + count;
        switch (this) {
            case BOOL:
                for (int i = outOffset; i < end; i++) {
                    out[i] = bytes[p++] != 0 ? 1f : 0f;
                }
                break;
            case INT8:
                for (int i = outOffset; i < end; i++) {
                    out[i] = bytes[p++];
                }
                break;
            case UINT8:
                for (int i = outOffset; i < end; i++) {
                    out[i] = bytes[p++] & 0xFF;
                }
                break;
            case INT16:
                for (int i = outOffset; i < end; i++, p += 2) {
                    out[i] = bb.getShort(p);
                }
                break;
            case UINT16:
                for (int i = outOffset; i < end; i++, p += 2) {
                    out[i] = bb.getShort(p) & 0xFFFF;
                }
                break;
            case INT32:
                for (int i = outOffset; i < end; i++, p += 4) {
                    out[i] = bb.getInt(p);
                }
                break;
            case UINT32:
                for (int i = outOffset; i < end; i++, p += 4) {
                    out[i] = bb.getInt(p) & 0xFFFFFFFFL;
                }
                break;
            case INT64:
                for (int i = outOffset; i < end; i++, p += 8) {
                    out[i] = bb.getLong(p);
                }
                break;
            case UINT64:
                for (int i = outOffset; i < end; i++, p += 8) {
                    long v = bb.getLong(p);
                    // unsigned: the top bit adds 2^63
                    out[i] = v >= 0 ? (float) v : (float) ((v >>> 1) | (v & 1)) * 2f;
                }
                break;
            case FLOAT32:
                for (int i = outOffset; i < end; i++, p += 4) {
                    out[i] = bb.getFloat(p);
                }
                break;
            case FLOAT64:
                for (int i = outOffset; i < end; i++, p += 8) {
                    out[i] = (float) bb.getDouble(p);
                }
                break;
            default:
                throw new AssertionError(this);
        }
    }
}
