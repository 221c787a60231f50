package io.sparkconv.spark.cli;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.spec.ConvGeometry;
import io.sparkconv.core.kernel.ConvKernel;
import io.sparkconv.core.kernel.KernelProvider;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.spark.job.ConvJob;
import io.sparkconv.spark.job.JobConfigException;
import io.sparkconv.spark.job.JobIo;
import io.sparkconv.spark.job.KerasModelLayers;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "apply", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a Keras Conv2D layer on one batch in this process (no Spark): reads an NPY batch, "
                + "shape (N, H, W, C) or (N, C, H, W) as the layer's data_format says, and writes the float32 "
                + "output batch as NPY."},
        footer = {"", "Example:", "  sparkconv apply --layer conf/layers/sobel-edges.json --kernel sobel.npy "
                + "--input batch.npy --output maps.npy"})
final class ApplyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    LayerSourceOptions source;

    @Option(names = "--kernel", paramLabel = "FILE",
            description = "Kernel weights NPY, shape (kh, kw, Cin/groups, filters); required without --model.")
    String kernel;

    @Option(names = "--bias", paramLabel = "FILE",
            description = "Bias NPY, shape (filters); required when the layer uses a bias.")
    String bias;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "Input batch NPY (rank 4).")
    String input;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "Output batch NPY (float32).")
    String output;

    @Option(names = "--verbose", description = "Also print, per layer, the kernel plan that ran (path and vector width).")
    boolean verbose;

    @Option(names = "--conv-kernel", paramLabel = "NAME", description = "The convolution code to run: scalar, vector "
            + "(the CPU's preferred width) or vector-64|128|256|512 (any width runs on any CPU, emulated beyond the "
            + "CPU's own; for checking results across CPUs), optionally with -r16 or -r32 (register blocks for 16 "
            + "or 32 vector registers; default: the CPU's). Default: the JVM's choice (-Dsparkconv.kernel).")
    String convKernel;

    @Override
    public Integer call() {
        if (source.model != null) {
            return applyModelLayers();
        }
        if (source.modelJson != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--model-json needs --model");
        }
        if (kernel == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "Missing required option: '--kernel=FILE' (or give --model MODEL)");
        }
        Conv2D conv = ConvJob.readLayer(source.layer);
        FloatTensor k = ConvJob.readWeights(kernel, "kernel");
        FloatTensor b = bias == null ? null : ConvJob.readWeights(bias, "bias");
        if (conv.spec().useBias() && b == null) {
            throw new JobConfigException("the layer uses a bias (use_bias=true) but no --bias was given");
        }
        if (!conv.spec().useBias() && b != null) {
            throw new JobConfigException("--bias " + bias + " was given but the layer has use_bias=false");
        }
        try {
            conv.setWeights(k, b);
        } catch (IllegalArgumentException e) {
            throw new JobConfigException("weights do not fit the layer: " + e.getMessage(), e);
        }
        return convolve(List.of(conv));
    }

    /** --model MODEL --layer NAME[,NAME...]: the named layers with their trained weights, applied in order. */
    private Integer applyModelLayers() {
        if (kernel != null || bias != null) {
            throw new JobConfigException("--kernel/--bias cannot be combined with --model: the weights come from "
                    + "the model file " + source.model);
        }
        return convolve(KerasModelLayers.load(source.model, source.modelJson, source.layer).layers());
    }

    private Integer convolve(List<Conv2D> layers) {
        ConvKernel kernelImpl;
        try {
            kernelImpl = convKernel == null ? KernelProvider.get() : KernelProvider.named(convKernel, "--conv-kernel");
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new JobConfigException(e.getMessage(), e);
        }
        Conv2D first = layers.get(0);
        FloatTensor x = ConvJob.readWeights(input, "input");
        if (x.shape().length != 4) {
            throw new JobConfigException("input " + input + " has shape " + Arrays.toString(x.shape())
                    + ": expected a rank-4 batch, " + (first.spec().dataFormat().kerasName().equals("channels_last")
                    ? "(N, H, W, C)" : "(N, C, H, W)") + " for data_format=" + first.spec().dataFormat().kerasName());
        }
        int[] shape = x.shape();
        for (Conv2D conv : layers) {
            try {
                shape = conv.outputShape(shape);
            } catch (IllegalArgumentException e) {
                throw new JobConfigException("input " + input + " does not fit "
                        + (layers.size() == 1 ? "the layer" : "layer '" + conv.spec().name() + "'") + ": "
                        + e.getMessage(), e);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        FloatTensor y = x;
        for (Conv2D conv : layers) {
            y = forward(conv, kernelImpl, y, out);
        }
        JobIo.writeNpy(output, y);
        out.println("wrote " + output + ": shape " + Arrays.toString(y.shape()) + " float32 ("
                + layers.get(layers.size() - 1).spec().dataFormat().kerasName() + ")");
        out.flush();
        return SparkConvMain.EXIT_OK;
    }

    /** One layer over the whole batch on one runner, naming its plan with --verbose. */
    private FloatTensor forward(Conv2D conv, ConvKernel kernelImpl, FloatTensor x, PrintWriter out) {
        ConvGeometry g = conv.geometry(x.shape());
        int batch = x.dim(0);
        FloatTensor y = FloatTensor.zeros(g.outputShape(batch));
        try (Conv2D.Runner runner = conv.newRunner(g.inHeight(), g.inWidth(), g.inChannels(), Math.max(1, batch),
                kernelImpl)) {
            runner.run(x.data(), 0, batch, y.data(), 0);
            if (verbose) {
                out.println("layer " + conv.spec().name() + ": input " + Arrays.toString(x.shape()) + ", plan "
                        + runner.plan().name());
            }
        }
        return y;
    }
}
