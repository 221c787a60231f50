package io.sparkconv.datasets;

import java.io.Closeable;

/** Records of one split, read one at a time. */
public interface RecordCursor extends Closeable {
    /**
     * The next record, or null at the end of the split.
     *
     * @throws DatasetException for a bad record ({@link DatasetException#recoverable()}: the cursor moved past it)
     *                          or a failure that ends the split
     */
    ImageRecord next();

    @Override
    void close();
}
