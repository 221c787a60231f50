package io.sparkconv.spark.cli;

import io.sparkconv.spark.job.JobExport;
import io.sparkconv.spark.tile.TileStitch;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Gathers the output of a finished `sparkconv run` into one float32 NPY, records in input "
                + "order, shape (N, ...) for records of one shape (for checking against other tools)."},
        footer = {"", "Example:", "  sparkconv export --input out/ --output maps.npy",
                "  sparkconv export --stitch --input tiles/ --output scene-maps.npy   (a tile job's output)"})
final class ExportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "DIR", description = "Output directory of a run.")
    String input;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "NPY file to write.")
    String output;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: local[*]).")
    String master;

    @Option(names = "--stitch", description = "The input is a `sparkconv tile` output: put its tiles together into "
            + "one (height, width, filters) NPY, or a float32 BigTIFF when --output ends in .tif/.tiff, streaming "
            + "(about one tile in memory).")
    boolean stitch;

    @Override
    public Integer call() {
        if (stitch) {
            TileStitch.Result t = TileStitch.stitchWithSession(input, output, master);
            PrintWriter out = spec.commandLine().getOut();
            out.println("wrote " + output + ": " + t.tiles() + " tiles, shape " + t.shapeText() + " float32");
            out.flush();
            return SparkConvMain.EXIT_OK;
        }
        JobExport.Result r = JobExport.exportWithSession(input, output, master);
        PrintWriter out = spec.commandLine().getOut();
        out.println("wrote " + output + ": " + r.records() + " records, shape " + r.shapeText() + " float32");
        out.flush();
        return SparkConvMain.EXIT_OK;
    }
}
