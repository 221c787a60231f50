package io.sparkconv.spark.cli;

import io.sparkconv.datasets.DatasetException;
import io.sparkconv.spark.job.JobConfigException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;

/** Turns any failure into the one line a user sees: the most telling message in the cause chain. */
final class Errors {
    private Errors() {
    }

    static String message(Throwable failure) {
        Throwable best = null;
        for (Throwable t = failure; t != null && t != t.getCause(); t = t.getCause()) {
            // Our own errors say exactly what is wrong; the wrappers around them (SparkException, ...) do not.
            if (t instanceof JobConfigException || t instanceof DatasetException
                    || t instanceof IllegalArgumentException || t instanceof IllegalStateException) {
                best = t;
                break;
            }
            best = t;
        }
        return describe(best == null ? failure : best);
    }

    private static String describe(Throwable t) {
        String m = SparkConvMain.oneLine(t.getMessage());
        if (t instanceof NoSuchFileException) {
            return "file not found: " + m;
        }
        if (t instanceof AccessDeniedException) {
            return "permission denied: " + m;
        }
        if (t instanceof FileAlreadyExistsException) {
            return "already exists: " + m;
        }
        if (m.isEmpty()) {
            return t.getClass().getSimpleName();
        }
        if (t instanceof Error || (t instanceof IOException && t.getClass() != IOException.class)) {
            return t.getClass().getSimpleName() + ": " + m; // the type is the message here (NoSuchMethodError, ...)
        }
        return m;
    }
}
