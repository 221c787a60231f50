package io.sparkconv.notebook;

import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
        StringBuilder java = new StringBuilder();
        for (String line : script.split("\n", -1)) {
            if (line.strip().equals("/exit")) {
                break; // a JShell session script's last line
            }
            java.append(line).append('\n');
        }
        try (CellEvaluator cells = new CellEvaluator()) {
            cells.startUp();
            Object last = cells.evalEach(java.toString(), v -> System.out.println(Rendered.of(v).text()));
            if (last != null) {
                System.out.println(Rendered.of(last).text());
            }
            System.out.flush();
            return 0;
        } catch (CellException e) {
            System.out.flush();
            System.err.println("sparkconv shell: " + e.line());
            return 1;
        }
    }
}
