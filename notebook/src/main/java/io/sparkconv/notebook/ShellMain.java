package io.sparkconv.notebook;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdk.jshell.SourceCodeAnalysis.Completeness;
import jdk.jshell.tool.JavaShellToolBuilder;

/**
 * {@code bin/sparkconv shell}: JShell in this JVM (local execution, so the launcher's class path and JVM flags
 * apply), started with the kernel's imports and {@code spark}. On a terminal it is the JDK's interactive JShell;
 * with a piped script ({@code echo '...' | bin/sparkconv shell}) it runs the script as one notebook cell would,
 * printing what the script prints and the value of each bare expression, and exits 1 at the first error.
 */
public final class ShellMain {
    private ShellMain() {
    }

    public static void main(String[] args) throws Exception {
        int code;
        try {
            code = System.console() == null && args.length == 0 ? runPiped(System.in) : runInteractive(args);
        } finally {
            NotebookSpark.stop();
        }
        System.exit(code);
    }

    private static int runInteractive(String[] args) throws Exception {
        Path startup = Files.createTempFile("sparkconv-shell-startup", ".jsh");
        startup.toFile().deleteOnExit();
        Files.writeString(startup, Startup.script());
        List<String> options = new ArrayList<>(List.of(
                "--class-path", String.join(File.pathSeparator, System.getProperty("java.class.path")),
                "--execution", "local",
                "--startup", "DEFAULT", "--startup", startup.toString()));
        options.addAll(List.of(args));
        return JavaShellToolBuilder.builder().start(options.toArray(String[]::new));
    }

    private static int runPiped(InputStream in) throws Exception {
        String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        try (CellEvaluator cells = new CellEvaluator()) {
            cells.startUp();
            // As JShell reads a script: a snippet runs once its lines are complete. A line that would be complete
            // with a semicolon waits for the next, which may continue it (".setX(...)" on the next line).
            StringBuilder pending = new StringBuilder();
            for (String line : script.split("\n", -1)) {
                if (pending.toString().isBlank() && line.strip().equals("/exit")) {
                    break;
                }
                if (!pending.toString().isBlank() && !line.isBlank() && !continues(line)
                        && cells.completeness(pending.toString()) == Completeness.COMPLETE_WITH_SEMI) {
                    run(cells, pending.toString());
                    pending.setLength(0);
                }
                pending.append(line).append('\n');
                Completeness c = cells.completeness(pending.toString());
                if (c == Completeness.COMPLETE || c == Completeness.EMPTY) {
                    run(cells, pending.toString());
                    pending.setLength(0);
                }
            }
            run(cells, pending.toString());
            System.out.flush();
            return 0;
        } catch (CellException e) {
            System.out.flush();
            System.err.println("sparkconv shell: " + e.line());
            return 1;
        }
    }

    /** Whether a line continues the expression before it (a method chain or a binary operator). */
    private static boolean continues(String line) {
        String s = line.strip();
        return !s.isEmpty() && ".+-*/%?:&|^=<>,)]".indexOf(s.charAt(0)) >= 0;
    }

    private static void run(CellEvaluator cells, String code) {
        if (code.isBlank()) {
            return;
        }
        Object last = cells.evalEach(code, v -> System.out.println(Rendered.of(v).text()));
        if (last != null) {
            System.out.println(Rendered.of(last).text());
        }
    }
}
