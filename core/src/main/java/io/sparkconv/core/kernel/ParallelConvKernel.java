package io.sparkconv.core.kernel;

import io.sparkconv.core.conv.ConvGeometry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opt-in intra-task threading for any kernel: {@code new ParallelConvKernel(KernelProvider.get(), 4)} splits
 * each call's output rows, over all images of the batch, into equal parts (a few per thread) that the threads
 * take in turn, so a batch of one huge image is shared as well as a batch of many small ones, and a slow core
 * does less of it. Part of an image runs as a band: the
 * image's rows that band reads, with its own padding, on the wrapped kernel. The caller's thread computes one
 * part; the others run on this kernel's daemon threads. By default one task is one core (Spark runs one task
 * per core), so use this only where cores would otherwise idle, e.g. one big image in local mode.
 *
 * <p>Thread-safe; {@link #close()} stops the threads.
 */
public final class ParallelConvKernel implements ConvKernel, AutoCloseable {

    /** Parts of a call per thread (a batch of 8 images on 2 threads: one image per part). */
    private static final int PARTS_PER_THREAD = 4;

    private final ConvKernel base;
    private final int threads;
    private final ExecutorService pool;

    public ParallelConvKernel(ConvKernel base, int threads) {
        if (base == null) {
            throw new IllegalArgumentException("kernel is missing: expected the kernel to run on each thread");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads=" + threads + ": expected >= 1");
        }
        this.base = base;
        this.threads = threads;
        AtomicInteger count = new AtomicInteger();
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "sparkconv-kernel-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String name() {
        return base.name() + "x" + threads;
    }

    public int threads() {
        return threads;
    }

    @Override
    public PackedWeights pack(FilterShape shape, float[] kernelHWIO, float[] biasOrNull) {
        return base.pack(shape, kernelHWIO, biasOrNull);
    }

    @Override
    public void convolve(ConvGeometry g, PackedWeights weights, float[] in, int inOffset, int batch, float[] out,
                         int outOffset) {
        long rows = (long) batch * g.outHeight();
        int helpers = (int) Math.min(threads, rows) - 1;
        if (helpers <= 0) {
            base.convolve(g, weights, in, inOffset, batch, out, outOffset);
            return;
        }
        // PARTS_PER_THREAD equal parts per thread, taken from a shared counter: a thread that is slowed down
        // (a busy or preempted core) takes fewer parts instead of holding up the whole call.
        int parts = (int) Math.min(rows, (long) threads * PARTS_PER_THREAD);
        AtomicInteger next = new AtomicInteger();
        Runnable work = () -> {
            for (int p; (p = next.getAndIncrement()) < parts; ) {
                rows(g, weights, in, inOffset, out, outOffset, rows * p / parts, rows * (p + 1) / parts);
            }
        };
        List<Future<?>> running = new ArrayList<>(helpers);
        for (int h = 0; h < helpers; h++) {
            running.add(pool.submit(work));
        }
        Throwable failure = null;
        try {
            work.run();
        } catch (RuntimeException | Error e) {
            failure = e;
            next.set(parts);                         // the helpers stop after their current part
        }
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                failure = failure == null ? e.getCause() : failure;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure == null ? e : failure;
            }
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        } else if (failure instanceof Error e) {
            throw e;
        } else if (failure != null) {
            throw new IllegalStateException("convolution on a kernel thread was interrupted", failure);
        }
    }

    /** Output rows {@code [start, end)} of the batch, numbered image by image. */
    private void rows(ConvGeometry g, PackedWeights weights, float[] in, int inOffset, float[] out, int outOffset,
                      long start, long end) {
        int oh = g.outHeight();
        int n0 = (int) (start / oh);
        int n1 = (int) (end / oh);
        int r0 = (int) (start % oh);
        int r1 = (int) (end % oh);
        if (n0 == n1) {
            band(g, weights, in, inOffset, out, outOffset, n0, r0, r1);
            return;
        }
        int n = n0;
        if (r0 > 0) {
            band(g, weights, in, inOffset, out, outOffset, n0, r0, oh);
            n++;
        }
        if (n1 > n) {
            base.convolve(g, weights, in, inOffset + n * g.inputImageSize(), n1 - n, out,
                    outOffset + n * g.outputImageSize());
        }
        if (r1 > 0) {
            band(g, weights, in, inOffset, out, outOffset, n1, 0, r1);
        }
    }

    /** Output rows {@code [r0, r1)} of image {@code n}, as a convolution of the input rows they read. */
    private void band(ConvGeometry g, PackedWeights weights, float[] in, int inOffset, float[] out, int outOffset,
                      int n, int r0, int r1) {
        if (r0 >= r1) {
            return;
        }
        int effective = (g.kernelHeight() - 1) * g.dilationHeight() + 1;
        int top = r0 * g.strideHeight() - g.padTop();                   // first input row of the band's window
        int bottom = (r1 - 1) * g.strideHeight() - g.padTop() + effective; // one past its last
        int first = Math.min(Math.max(top, 0), g.inHeight() - 1);
        int end = Math.max(Math.min(bottom, g.inHeight()), first + 1);
        int height = end - first;
        int padTop = first - top;
        int outHeight = r1 - r0;
        int padBottom = Math.max(0, (outHeight - 1) * g.strideHeight() + effective - padTop - height);
        ConvGeometry bandGeometry = new ConvGeometry(g.dataFormat(), height, g.inWidth(), g.inChannels(),
                outHeight, g.outWidth(), g.filters(), g.kernelHeight(), g.kernelWidth(), g.strideHeight(),
                g.strideWidth(), g.dilationHeight(), g.dilationWidth(), padTop, padBottom, g.padLeft(),
                g.padRight(), g.groups());
        int rowSize = g.inWidth() * g.inChannels();
        base.convolve(bandGeometry, weights, in, inOffset + n * g.inputImageSize() + first * rowSize, 1, out,
                outOffset + n * g.outputImageSize() + r0 * g.outWidth() * g.filters());
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
