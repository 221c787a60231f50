package io.sparkconv.datasets.io;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where input files live. Plain paths and {@code file:} URIs are local files; other schemes (hdfs:, s3a:, ...)
 * go through Hadoop's FileSystem, which is on the class path whenever Spark is.
 */
public final class InputFiles {
    private static final String HADOOP_IMPL = "io.sparkconv.datasets.spark.HadoopFiles";

    private InputFiles() {
    }

    /** File system operations needed by the readers. */
    public interface Backend {
        boolean isDirectory(String path) throws IOException;

        long size(String path) throws IOException;

        /** Regular files under {@code path} recursively (or {@code path} itself), sorted by path. */
        List<String> listFiles(String path) throws IOException;

        SeekableInput open(String path) throws IOException;
    }

    public static boolean isLocal(String path) {
        int colon = path.indexOf(':');
        if (colon <= 1) {
            return true; // no scheme (or a Windows drive letter)
        }
        String scheme = path.substring(0, colon).toLowerCase(Locale.ROOT);
        return scheme.equals("file") || !scheme.chars().allMatch(Character::isLetterOrDigit);
    }

    public static Backend backend(String path) {
        if (isLocal(path)) {
            return LOCAL;
        }
        try {
            return (Backend) Class.forName(HADOOP_IMPL).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalArgumentException("cannot read '" + path + "': non-local paths need Hadoop (Spark) on the "
                    + "class path", e);
        }
    }

    public static SeekableInput open(String path) throws IOException {
        return backend(path).open(path);
    }

    public static long size(String path) throws IOException {
        return backend(path).size(path);
    }

    public static List<String> listFiles(String path) throws IOException {
        return backend(path).listFiles(path);
    }

    /** The last path segment. */
    public static String fileName(String path) {
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return p.substring(p.lastIndexOf('/') + 1);
    }

    static Path localPath(String path) {
        return path.startsWith("file:") ? Paths.get(URI.create(path)) : Paths.get(path);
    }

    private static final Backend LOCAL = new Backend() {
        @Override
        public boolean isDirectory(String path) {
            return Files.isDirectory(localPath(path));
        }

        @Override
        public long size(String path) throws IOException {
            return Files.size(localPath(path));
        }

        @Override
        public List<String> listFiles(String path) throws IOException {
            Path root = localPath(path);
            if (!Files.exists(root)) {
                throw new java.nio.file.NoSuchFileException(path, null, "input does not exist");
            }
            if (!Files.isDirectory(root)) {
                return List.of(path);
            }
            List<String> out = new ArrayList<>();
            // Hidden and marker entries (".x", "_SUCCESS"), as Hadoop's input formats skip them, at any depth.
            // Symbolic links are followed; a link loop is not descended into again (its files are listed once,
            // under the directory it points back to); a dangling link is listed, so reading it fails and it is
            // counted as a rejected record rather than silently dropped.
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<Path>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                            return d.equals(root) || visible(d.getFileName()) ? FileVisitResult.CONTINUE
                                    : FileVisitResult.SKIP_SUBTREE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                            if (visible(f.getFileName()) && (attrs.isRegularFile() || attrs.isSymbolicLink())) {
                                out.add(f.toString());
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                            if (e instanceof FileSystemLoopException) {
                                return FileVisitResult.CONTINUE;
                            }
                            if (visible(f.getFileName())) {
                                out.add(f.toString()); // unreadable: reading it reports why, as a bad record
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
            out.sort(null);
            return out;
        }

        private static boolean visible(Path name) {
            String n = name == null ? "" : name.toString();
            return !n.startsWith(".") && !n.startsWith("_");
        }

        @Override
        public SeekableInput open(String path) throws IOException {
            return new LocalSeekableInput(localPath(path));
        }
    };
}
