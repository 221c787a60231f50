package io.sparkconv.notebook;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

/**
 * Evaluates cells of Java with JShell in this JVM: splits a cell into snippets, runs them in order, stops at the
 * first that does not compile or throws (as a {@link CellException} with a one-line message), and returns the
 * value of a final expression as an object.
 */
public final class CellEvaluator implements AutoCloseable {
    /** Longest message a cell error shows (Spark's can run to pages). */
    static final int MAX_MESSAGE = 400;

    private final CellExecutionControl control = new CellExecutionControl();
    private final java.util.concurrent.atomic.AtomicBoolean interrupted = new java.util.concurrent.atomic.AtomicBoolean();
    private final JShell shell;

    public CellEvaluator() {
        shell = JShell.builder().executionEngine(new CellExecutionControl.Provider(control), null).build();
        shell.addToClasspath(System.getProperty("java.class.path")); // one call: the compiler resets once
    }

    /** Runs the start-up snippets (imports, {@code spark}). */
    public void startUp() {
        // Spark (the slow part) starts while JShell compiles the imports: two things at once on a small machine.
        Thread sparkStarter = new Thread(() -> {
            try {
                NotebookSpark.get();
            } catch (RuntimeException e) {
                // reported by the `spark` snippet below, which starts it again
            }
        }, "sparkconv-spark-startup");
        sparkStarter.setContextClassLoader(control.bridgeLoader());
        sparkStarter.setDaemon(true);
        sparkStarter.start();
        for (String snippet : Startup.IMPORTS) {
            eval(snippet);
        }
        eval(Startup.SPARK);
    }

    /** Runs a cell; returns the value of its last snippet when that is an expression, else null. */
    public Object eval(String cell) {
        return evalEach(cell, null);
    }

    /**
     * Runs a cell, handing the value of every expression snippet but the last to {@code earlier} (when not null);
     * returns the last snippet's value when that is an expression, else null.
     */
    public Object evalEach(String cell, java.util.function.Consumer<Object> earlier) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String remaining = cell;
        Object value = null;
        while (!remaining.isBlank()) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
                break;
            }
            if (!info.completeness().isComplete()) {
                throw new CellException("CompileError", "incomplete code at the end of the cell: "
                        + firstLine(remaining.strip()));
            }
            if (value != null && earlier != null) {
                earlier.accept(value);
            }
            value = evalSnippet(info.source());
            remaining = info.remaining();
        }
        return value;
    }

    private Object evalSnippet(String source) {
        control.takeLastValue();
        NotebookSpark.activate();
        interrupted.set(false);
        List<SnippetEvent> events;
        try {
            events = shell.eval(source);
        } finally {
            Thread.interrupted(); // an interrupt that came late must not hit the next cell
        }
        Object value = null;
        for (SnippetEvent event : events) {
            if (event.causeSnippet() != null) {
                continue; // an update of an earlier snippet, not this one
            }
            Snippet snippet = event.snippet();
            if (event.status() == Snippet.Status.REJECTED) {
                String diagnostics = shell.diagnostics(snippet).filter(Diag::isError)
                        .map(d -> d.getMessage(Locale.ROOT)).map(CellEvaluator::firstLine)
                        .collect(Collectors.joining("; "));
                throw new CellException("CompileError", diagnostics.isEmpty()
                        ? "cannot compile: " + firstLine(source) : diagnostics + " (in: " + firstLine(source) + ")");
            }
            if (event.status() == Snippet.Status.RECOVERABLE_DEFINED
                    || event.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED) {
                String missing = shell.unresolvedDependencies((jdk.jshell.DeclarationSnippet) snippet)
                        .collect(Collectors.joining(", "));
                throw new CellException("CompileError", "cannot find symbol " + missing + " (in: "
                        + firstLine(source) + ")");
            }
            if (event.exception() != null) {
                if (interrupted.get()) {
                    throw new CellException("Interrupted", "the cell was interrupted and its Spark jobs cancelled ("
                            + failure(event.exception()).line() + ")");
                }
                throw failure(event.exception());
            }
            if (isExpression(snippet)) {
                value = control.takeLastValue();
            }
        }
        return value;
    }

    private static boolean isExpression(Snippet snippet) {
        return snippet.kind() == Snippet.Kind.EXPRESSION
                || (snippet instanceof VarSnippet && snippet.subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND);
    }

    /** The exception a cell threw, as its class and one-line message (the root cause's for wrapped ones). */
    static CellException failure(JShellException thrown) {
        if (thrown instanceof UnresolvedReferenceException unresolved) {
            return new CellException("CompileError", "cannot run " + unresolved.getSnippet().source().strip()
                    + ": it refers to something not defined");
        }
        Throwable t = thrown;
        String kind = thrown instanceof EvalException e ? simpleName(e.getExceptionClassName()) : "Error";
        String message = thrown.getMessage();
        // Wrappers without a message of their own (InvocationTargetException, ExecutionException) say nothing.
        while ((message == null || message.isBlank()) && t.getCause() != null) {
            t = t.getCause();
            kind = t instanceof EvalException e ? simpleName(e.getExceptionClassName())
                    : t.getClass().getSimpleName();
            message = t.getMessage();
        }
        return new CellException(kind, message == null ? "(no message)" : shorten(firstLine(message)));
    }

    private static String simpleName(String className) {
        return className == null ? "Exception" : className.substring(className.lastIndexOf('.') + 1);
    }

    static String firstLine(String s) {
        String line = s.strip();
        int nl = line.indexOf('\n');
        return nl < 0 ? line : line.substring(0, nl).strip() + " ...";
    }

    private static String shorten(String s) {
        return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE - 3) + "...";
    }

    /** Interrupts a running cell: cancels its Spark jobs and interrupts its thread. */
    public void interrupt() {
        interrupted.set(true);
        NotebookSpark.cancelJobs();
        control.interruptRunning();
    }

    /** Whether the code is a complete snippet sequence (for a console's Enter key). */
    public SourceCodeAnalysis.Completeness completeness(String code) {
        return shell.sourceCodeAnalysis().analyzeCompletion(code).completeness();
    }

    public List<SourceCodeAnalysis.Suggestion> completions(String code, int cursor, int[] anchor) {
        return shell.sourceCodeAnalysis().completionSuggestions(code, cursor, anchor);
    }

    @Override
    public void close() {
        shell.close();
    }
}
