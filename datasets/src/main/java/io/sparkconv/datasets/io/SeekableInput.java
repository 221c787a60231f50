package io.sparkconv.datasets.io;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** A file (or part of one) read at arbitrary positions: lets one large file be read as many splits. */
public interface SeekableInput extends Closeable {

    /** Total length in bytes. */
    long size() throws IOException;

    /**
     * Reads exactly {@code len} bytes starting at {@code position}.
     *
     * @throws EOFException when the input ends first
     */
    void readFully(long position, byte[] buffer, int offset, int length) throws IOException;

    /** A stream of the bytes from {@code position} to the end; closing it does not close this input. */
    default InputStream streamFrom(long position) {
        return new InputStream() {
            private long pos = position;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                long remaining = size() - pos;
                if (remaining <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, remaining);
                readFully(pos, b, off, n);
                pos += n;
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                long k = Math.max(0, Math.min(n, size() - pos));
                pos += k;
                return k;
            }
        };
    }
}
