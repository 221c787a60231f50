package io.sparkconv.datasets.io;

import java.io.EOFException;

/** A {@link SeekableInput} over bytes already in memory (small decompressed members, tests). */
public final class ByteArrayInput implements SeekableInput {
    private final byte[] bytes;

    public ByteArrayInput(byte[] bytes) {
        this.bytes = bytes;
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public void readFully(long position, byte[] buffer, int offset, int length) throws EOFException {
        if (position < 0 || position + length > bytes.length) {
            throw new EOFException("read of " + length + " bytes at " + position + " past the end (" + bytes.length
                    + " bytes)");
        }
        System.arraycopy(bytes, (int) position, buffer, offset, length);
    }

    @Override
    public void close() {
    }
}
