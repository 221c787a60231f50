package io.sparkconv.datasets.fuzz;

import io.sparkconv.datasets.DatasetException;
import io.sparkconv.datasets.DatasetFormat;
import io.sparkconv.datasets.DatasetSplit;
import io.sparkconv.datasets.ImageRecord;
import io.sparkconv.datasets.ReadOptions;
import io.sparkconv.datasets.RecordCursor;
import io.sparkconv.datasets.cifar.CifarFormat;
import io.sparkconv.datasets.idx.IdxFormat;
import io.sparkconv.datasets.io.ByteArrayInput;
import io.sparkconv.datasets.npy.NpyFormat;

import java.io.IOException;
import java.util.List;

/**
 * The binary parsers driven end to end over bytes in memory: plan (header validation) and read every record.
 * The only exception they may throw for bad bytes is {@link DatasetException}; it is swallowed here, anything
 * else escapes (a finding). The record limit keeps legitimate allocations small.
 */
final class Parsers {
    static final ReadOptions OPTIONS = ReadOptions.defaults().withMaxElementsPerRecord(1 << 16)
            .withRecordsPerSplit(3);

    private Parsers() {
    }

    static int npy(byte[] data) throws IOException {
        try {
            List<DatasetSplit> splits = NpyFormat.planNpy(new ByteArrayInput(data), "fuzz.npy", OPTIONS, 0);
            int n = 0;
            for (DatasetSplit s : splits) {
                n += drain(NpyFormat.open(s, OPTIONS, new ByteArrayInput(data)));
            }
            return n;
        } catch (DatasetException expected) {
            return -1;
        }
    }

    static int npz(byte[] data) {
        try {
            List<DatasetSplit> splits = NpyFormat.planNpz(new ByteArrayInput(data), "fuzz.npz", OPTIONS, 0, e -> {
                throw e;
            });
            int n = 0;
            for (DatasetSplit s : splits) {
                n += drain(NpyFormat.open(s, OPTIONS, new ByteArrayInput(data)));
            }
            return n;
        } catch (DatasetException expected) {
            return -1;
        }
    }

    static int idx(byte[] data) {
        try {
            List<DatasetSplit> splits = IdxFormat.plan(new ByteArrayInput(data), "fuzz-idx3-ubyte", OPTIONS, 0);
            int n = 0;
            for (DatasetSplit s : splits) {
                n += drain(IdxFormat.open(s, OPTIONS, new ByteArrayInput(data)));
            }
            return n;
        } catch (DatasetException expected) {
            return -1;
        }
    }

    static int cifar(byte[] data, boolean hundred) {
        DatasetFormat format = hundred ? DatasetFormat.CIFAR100 : DatasetFormat.CIFAR10;
        try {
            List<DatasetSplit> splits = CifarFormat.plan(format, "fuzz.bin", data.length, OPTIONS, 0);
            int n = 0;
            for (DatasetSplit s : splits) {
                RecordCursor c = CifarFormat.open(s, OPTIONS, new ByteArrayInput(data));
                // a bad label spoils one record only: keep reading past it, as the SKIP policy does
                while (true) {
                    try {
                        if (c.next() == null) {
                            break;
                        }
                        n++;
                    } catch (DatasetException e) {
                        if (!e.recoverable()) {
                            throw e;
                        }
                    }
                }
            }
            return n;
        } catch (DatasetException expected) {
            return -1;
        }
    }

    private static int drain(RecordCursor cursor) {
        int n = 0;
        try {
            for (ImageRecord r = cursor.next(); r != null; r = cursor.next()) {
                n++;
            }
        } finally {
            cursor.close();
        }
        return n;
    }
}
