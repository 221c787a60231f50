package io.sparkconv.notebook;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;

/** Entry point Jupyter starts (through bin/sparkconv notebook kernel CONNECTION_FILE). */
public final class KernelMain {
    private KernelMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: KernelMain CONNECTION_FILE (Jupyter passes it; see bin/sparkconv notebook install)");
            System.exit(2);
        }
        Path connectionFile = Path.of(args[0]);
        if (!Files.isRegularFile(connectionFile)) {
            System.err.println("sparkconv kernel: no connection file " + connectionFile);
            System.exit(2);
        }
        // Logging starts now, on the process's stderr (Jupyter's log): the kernel swaps System.err for the cell's
        // output stream while a cell runs, and Spark's warnings belong in the log, not in a notebook.
        org.slf4j.LoggerFactory.getLogger(KernelMain.class);
        KernelConnectionProperties properties = KernelConnectionProperties.parse(Files.readString(connectionFile));
        JupyterConnection connection = new JupyterConnection(properties);
        SparkConvKernel kernel = SparkConvKernel.create();
        kernel.onStartup();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
        NotebookSpark.stop();
        System.exit(0);
    }
}
