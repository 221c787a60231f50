package io.sparkconv.notebook;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import jdk.jshell.SourceCodeAnalysis;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;

/**
 * The "sparkconv - Java 17, Spark 4.x" Jupyter kernel: cells are Java, run by JShell in this JVM, so the
 * SparkSession {@code spark} lives across cells. Start-up (imports, {@code spark}) runs in the background while
 * Jupyter connects; the first cell waits for it. Line magics: {@code %spark [--master URL] [--conf k=v]...}
 * restarts the session with other settings.
 */
public final class SparkConvKernel extends BaseKernel {
    static final String DISPLAY_NAME = "sparkconv - Java 17, Spark 4.x";

    private final CellEvaluator cells;
    private final CompletableFuture<Void> startup;

    SparkConvKernel(CellEvaluator cells, MagicsRegistry magics) {
        super("sparkconv", version(), new LanguageInfo("java", System.getProperty("java.version"),
                        "text/x-java-source", ".jshell", "java", "java", "script"),
                List.of(), null, new org.dflib.jjava.jupyter.kernel.JupyterIO(StandardCharsets.UTF_8),
                new CommManager(), new Renderer(), null, magics, false,
                new StringStyler.Builder().build());
        this.cells = cells;
        this.startup = CompletableFuture.runAsync(cells::startUp);
        Notebook.displayTo(rendered -> display(toDisplayData(rendered)));
    }

    static SparkConvKernel create() {
        MagicsRegistry magics = new MagicsRegistry();
        SparkConvKernel[] self = new SparkConvKernel[1];
        magics.registerLineMagic("spark", (kernel, args) -> {
            self[0].restartSpark(args);
            return null;
        });
        self[0] = new SparkConvKernel(new CellEvaluator(), magics);
        return self[0];
    }

    private static String version() {
        String v = SparkConvKernel.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String getBanner() {
        return DISPLAY_NAME + ": Java " + System.getProperty("java.version") + ", Spark "
                + org.apache.spark.package$.MODULE$.SPARK_VERSION() + "; `spark` is ready, %spark restarts it";
    }

    private void awaitStartup() {
        try {
            startup.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CellException("Interrupted", "interrupted while the kernel was starting");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof CellException c ? new CellException(c.kind(), "kernel start-up failed: "
                    + c.getMessage()) : new CellException(cause.getClass().getSimpleName(),
                    "kernel start-up failed: " + CellEvaluator.firstLine(String.valueOf(cause.getMessage())));
        }
    }

    @Override
    public Object evalRaw(String code) {
        // Whatever goes wrong becomes the cell's error: an Error escaping here would end the kernel's shell thread.
        try {
            return evalCell(code);
        } catch (CellException e) {
            throw e;
        } catch (RuntimeException | Error e) {
            throw new CellException(e.getClass().getSimpleName(),
                    CellEvaluator.firstLine(String.valueOf(e.getMessage())));
        }
    }

    private Object evalCell(String code) {
        awaitStartup();
        StringBuilder java = new StringBuilder();
        for (String line : code.split("\n", -1)) {
            String stripped = line.strip();
            if (stripped.startsWith("%") && java.toString().isBlank()) {
                runLineMagic(stripped.substring(1));
            } else {
                java.append(line).append('\n');
            }
        }
        Object value = cells.eval(java.toString());
        return value == null ? null : toDisplayData(Rendered.of(value));
    }

    private void runLineMagic(String line) {
        List<String> words = List.of(line.strip().split("\\s+"));
        String name = words.get(0);
        if (!magicsRegistry.getLineMagicNames().contains(name)) {
            throw new CellException("UnknownMagic", "%" + name + " is not a magic of this kernel (known: %"
                    + String.join(", %", magicsRegistry.getLineMagicNames()) + ")");
        }
        try {
            magicsRegistry.evalLineMagic(this, name, words.subList(1, words.size()));
        } catch (CellException e) {
            throw e;
        } catch (Exception e) {
            throw new CellException(e.getClass().getSimpleName(), CellEvaluator.firstLine(String.valueOf(
                    e.getMessage())));
        }
    }

    /** {@code %spark [--master URL] [--conf key=value]...}: a new session, bound to {@code spark}. */
    private void restartSpark(List<String> args) {
        String master = null;
        Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ((a.equals("--master") || a.equals("--conf")) && i + 1 >= args.size()) {
                throw new CellException("UsageError", a + " needs a value (usage: %spark [--master URL] "
                        + "[--conf key=value]...)");
            }
            if (a.equals("--master")) {
                master = args.get(++i);
            } else if (a.equals("--conf")) {
                String kv = args.get(++i);
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new CellException("UsageError", "--conf " + kv + ": expected key=value");
                }
                settings.put(kv.substring(0, eq), kv.substring(eq + 1));
            } else {
                throw new CellException("UsageError", "unknown argument " + a + " (usage: %spark [--master URL] "
                        + "[--conf key=value]...)");
            }
        }
        NotebookSpark.restart(master, settings);
        cells.eval("spark = io.sparkconv.notebook.Notebook.spark();");
        System.out.println("spark: " + NotebookSpark.get().sparkContext().master() + ", "
                + NotebookSpark.get().version());
    }

    static DisplayData toDisplayData(Rendered rendered) {
        DisplayData data = new DisplayData();
        rendered.data().forEach(data::putData);
        return data;
    }

    @Override
    public List<String> formatError(Throwable e) {
        if (e instanceof CellException c) {
            return List.of(c.line());
        }
        return List.of(e.getClass().getSimpleName() + ": " + CellEvaluator.firstLine(String.valueOf(e.getMessage())));
    }

    @Override
    public void interrupt() {
        cells.interrupt();
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        return null;
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        if (!startup.isDone()) {
            return null;
        }
        int[] anchor = new int[1];
        List<String> names = new ArrayList<>();
        for (SourceCodeAnalysis.Suggestion s : cells.completions(code, at, anchor)) {
            names.add(s.continuation());
        }
        return new ReplacementOptions(names, anchor[0], at);
    }

    @Override
    public String isComplete(String code) {
        if (!startup.isDone()) {
            return IS_COMPLETE_MAYBE;
        }
        return switch (cells.completeness(code)) {
            case COMPLETE, COMPLETE_WITH_SEMI, EMPTY -> IS_COMPLETE_YES;
            case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE -> "    ";
            case UNKNOWN -> IS_COMPLETE_BAD;
        };
    }

    @Override
    public void onShutdown(boolean isRestarting) {
        super.onShutdown(isRestarting);
        NotebookSpark.stop();
        cells.close();
    }
}
