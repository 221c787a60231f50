package io.sparkconv.spark.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** picocli's writers as PrintStreams for code that prints progress while a job runs. */
final class Streams {
    private Streams() {
    }

    static PrintStream out(CommandLine.Model.CommandSpec spec) {
        return wrap(spec.commandLine().getOut());
    }

    static PrintStream err(CommandLine.Model.CommandSpec spec) {
        return wrap(spec.commandLine().getErr());
    }

    private static PrintStream wrap(PrintWriter writer) {
        return new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                writer.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writer.write(new String(b, off, len, StandardCharsets.UTF_8));
            }

            @Override
            public void flush() {
                writer.flush();
            }
        }, true, StandardCharsets.UTF_8);
    }
}
