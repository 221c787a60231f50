package io.sparkconv.spark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sparkconv.spark.SparkTestSupport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job's Parquet writer settings, read back from the page headers of the files it commits. */
class JobOutputTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestSupport.localSession("job-output-test");
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(spark);
    }

    @AfterEach
    void unsetChecksums() {
        spark.conf().unset(JobOutput.PAGE_CHECKSUMS);
    }

    private static Dataset<Row> table() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            rows.add(RowFactory.create((long) i, new byte[] {(byte) i, 1, 2, 3}));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("data", DataTypes.BinaryType, false);
        return spark.createDataFrame(rows, schema).coalesce(1);
    }

    /** Whether each column chunk's first page header carries a CRC, over every data file of the directory. */
    private static List<Boolean> firstPagesHaveCrc(Path directory) throws IOException {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        List<Boolean> crcs = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList()) {
                List<BlockMetaData> blocks;
                try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(
                        new org.apache.hadoop.fs.Path(file.toUri()), hadoop))) {
                    blocks = reader.getFooter().getBlocks();
                }
                for (BlockMetaData block : blocks) {
                    for (ColumnChunkMetaData column : block.getColumns()) {
                        try (InputStream in = Files.newInputStream(file)) {
                            in.skipNBytes(column.getStartingPos());
                            PageHeader header = Util.readPageHeader(in);
                            crcs.add(header.isSetCrc());
                        }
                    }
                }
            }
        }
        return crcs;
    }

    @Test
    void pagesAreWrittenWithoutChecksumsByDefault(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        assertEquals(50, JobOutput.writeParquet(table(), out.toString()));
        List<Boolean> crcs = firstPagesHaveCrc(out);
        assertEquals(2, crcs.size(), "one row group of two columns: " + crcs);
        assertFalse(crcs.contains(true), "page CRCs written: " + crcs);
    }

    @Test
    void aSessionThatAsksForPageChecksumsGetsThem(@TempDir Path dir) throws IOException {
        spark.conf().set(JobOutput.PAGE_CHECKSUMS, "true");
        Path out = dir.resolve("out");
        assertEquals(50, JobOutput.writeParquet(table(), out.toString()));
        List<Boolean> crcs = firstPagesHaveCrc(out);
        assertEquals(2, crcs.size(), "one row group of two columns: " + crcs);
        assertFalse(crcs.contains(false), "pages without CRC: " + crcs);
    }
}
