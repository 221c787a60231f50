package io.sparkconv.spark.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one command line of sparkconv: {@code apply} (one batch in-process, no Spark), {@code run} (the Spark
 * job), {@code tile} (one large image, tile by tile), {@code demo}, {@code export} and {@code inspect} (the layers of a Keras model file). Works from bin/sparkconv and through
 * {@code spark-submit --class io.sparkconv.spark.cli.SparkConvMain <job jar> run ...}.
 * Errors are one line on stderr and a non-zero exit: 2 for bad arguments, 1 for everything else.
 */
@Command(name = "sparkconv", mixinStandardHelpOptions = true, versionProvider = SparkConvMain.Version.class,
        description = "Keras-exact Conv2D on a batch of images, in-process or as a Spark job.",
        subcommands = {ApplyCommand.class, RunCommand.class, DemoCommand.class, ExportCommand.class,
                InspectCommand.class, TileCommand.class,
                CommandLine.HelpCommand.class})
public final class SparkConvMain implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code = execute(System.out, System.err, args);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /** Runs one command line with the given streams and returns the exit code (tests call this in-process). */
    public static int execute(PrintStream out, PrintStream err, String... args) {
        CommandLine cmd = commandLine(out, err);
        return cmd.execute(args);
    }

    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cmd = new CommandLine(new SparkConvMain());
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        cmd.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            failed.getErr().println(failed.getCommandSpec().qualifiedName() + ": " + oneLine(ex.getMessage())
                    + " (see '" + failed.getCommandSpec().qualifiedName() + " --help')");
            return EXIT_USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, failed, parseResult) -> {
            failed.getErr().println(failed.getCommandSpec().qualifiedName() + ": error: " + Errors.message(ex));
            return EXIT_FAILURE;
        });
        return cmd;
    }

    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a subcommand is required: apply, run, tile, demo, export or inspect");
    }

    /**
     * The project version and git commit of the build (build-info.properties, written by the build), and the
     * Spark, Scala and Java versions this process runs on.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties build = resource("/io/sparkconv/spark/build-info.properties");
            Properties spark = resource("/spark-version-info.properties");
            return new String[] {
                "sparkconv " + build.getProperty("version", "(unknown version)") + " (git commit "
                        + build.getProperty("commit", "unknown") + ")",
                "Spark " + spark.getProperty("version", "(not on the class path)") + " (built against "
                        + build.getProperty("spark", "?") + "), Scala " + scala.util.Properties.versionNumberString()
                        + " (built against " + build.getProperty("scala", "?") + ")",
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                        + System.getProperty("java.vendor") + ")"};
        }

        private static Properties resource(String name) {
            Properties p = new Properties();
            try (InputStream in = SparkConvMain.class.getResourceAsStream(name)) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // reported as unknown
            }
            return p;
        }
    }
}
