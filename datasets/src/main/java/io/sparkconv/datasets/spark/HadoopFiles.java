package io.sparkconv.datasets.spark;

import io.sparkconv.datasets.io.InputFiles;
import io.sparkconv.datasets.io.SeekableInput;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Non-local inputs (hdfs:, s3a:, ...) through Hadoop's FileSystem; found by name from {@link InputFiles}. */
public final class HadoopFiles implements InputFiles.Backend {
    private static FileSystem fs(Path p) throws IOException {
        return p.getFileSystem(new Configuration());
    }

    @Override
    public boolean isDirectory(String path) throws IOException {
        Path p = new Path(path);
        return fs(p).getFileStatus(p).isDirectory();
    }

    @Override
    public long size(String path) throws IOException {
        Path p = new Path(path);
        return fs(p).getFileStatus(p).getLen();
    }

    @Override
    public List<String> listFiles(String path) throws IOException {
        Path root = new Path(path);
        FileSystem fs = fs(root);
        FileStatus st = fs.getFileStatus(root);
        List<String> out = new ArrayList<>();
        if (!st.isDirectory()) {
            out.add(path);
            return out;
        }
        String rootString = st.getPath().toString();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
        while (it.hasNext()) {
            LocatedFileStatus f = it.next();
            String rel = f.getPath().toString().substring(Math.min(rootString.length(), f.getPath().toString().length()));
            boolean hidden = false;
            for (String part : rel.split("/")) {
                if (part.startsWith(".") || part.startsWith("_")) {
                    hidden = true;
                }
            }
            if (f.isFile() && !hidden) {
                out.add(f.getPath().toString());
            }
        }
        out.sort(null);
        return out;
    }

    @Override
    public SeekableInput open(String path) throws IOException {
        Path p = new Path(path);
        FileSystem fs = fs(p);
        long size = fs.getFileStatus(p).getLen();
        FSDataInputStream in = fs.open(p);
        return new SeekableInput() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public void readFully(long position, byte[] buffer, int offset, int length) throws IOException {
                in.readFully(position, buffer, offset, length);
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }
}
