package io.sparkconv.core.tile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkconv.core.conv.Conv2D;
import io.sparkconv.core.kernel.ConvKernel;
import io.sparkconv.core.kernel.KernelParity;
import io.sparkconv.core.kernel.KernelProvider;
import io.sparkconv.core.spec.Padding;
import io.sparkconv.core.tensor.FloatTensor;
import io.sparkconv.core.tensor.Layouts;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tiles convolved one by one and put together equal the whole-image convolution bit for bit, on every kernel
 * (scalar and each vector width), for both paddings, strides 1-3, dilations 1-3, odd and even (and non-square)
 * kernels, groups, activations, and image sizes that are not multiples of the tile size.
 */
class TileConvolverTest {

    static List<ConvKernel> kernels() {
        return KernelProvider.everyWidth();
    }

    /** (strideH, strideW, dilationH, dilationW): Keras allows strides > 1 or dilations > 1, not both. */
    private static final int[][] STEPS = {
            {1, 1, 1, 1}, {2, 2, 1, 1}, {3, 3, 1, 1}, {2, 3, 1, 1}, {1, 1, 2, 2}, {1, 1, 3, 3}, {1, 1, 3, 2}};
    private static final int[][] KERNEL_SIZES = {{1, 1}, {2, 2}, {3, 3}, {4, 3}, {5, 2}};
    /** Filter counts that reach every path: packed-filters (few), register-blocked (more), pointwise (1x1). */
    private static final int[] FILTERS = {1, 3, 8, 17, 5};
    private static final int[][] TILE_SIZES = {{4, 5}, {7, 3}, {16, 16}};

    @ParameterizedTest
    @MethodSource("kernels")
    void tilesEqualTheWholeImageBitForBit(ConvKernel kernel) {
        int cases = 0;
        int n = 0;
        for (Padding padding : Padding.values()) {
            for (int[] step : STEPS) {
                for (int[] k : KERNEL_SIZES) {
                    int filters = FILTERS[n++ % FILTERS.length];
                    Conv2D layer = Conv2D.builder(filters, k[0], k[1]).strides(step[0], step[1])
                            .dilationRate(step[2], step[3]).padding(padding).activation(n % 2 == 0 ? "relu" : "linear")
                            .useBias(true).name("c" + n).build();
                    int[] tile = TILE_SIZES[n % TILE_SIZES.length];
                    assertTiledEqualsWhole(layer, 23, 29, 3, tile[0], tile[1], kernel, n);
                    cases++;
                }
            }
        }
        assertEquals(70, cases);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void groupsActivationsAndChannelsFirstTileExactly(ConvKernel kernel) {
        assertTiledEqualsWhole(Conv2D.builder(6, 3, 3).groups(2).padding("same").activation("tanh").name("g")
                .build(), 19, 21, 4, 5, 6, kernel, 1);
        assertTiledEqualsWhole(Conv2D.builder(9, 3, 2).padding("same").strides(2, 1).activation("softmax").name("s")
                .build(), 17, 20, 3, 4, 7, kernel, 2);
        assertTiledEqualsWhole(Conv2D.builder(4, 3, 3).padding("same").dataFormat("channels_first")
                .activation("sigmoid").name("cf").build(), 18, 13, 2, 5, 5, kernel, 3);
        assertTiledEqualsWhole(Conv2D.builder(20, 1, 1).name("pw").build(), 15, 16, 7, 4, 4, kernel, 4);
    }

    @Test
    void tileSizeDoesNotChangeTheBits() {
        Conv2D layer = Conv2D.builder(16, 3, 3).padding("same").useBias(true).name("t").build();
        for (int size : new int[] {1, 2, 3, 8, 9, 31, 64, 100}) {
            assertTiledEqualsWhole(layer, 37, 41, 3, size, size, KernelProvider.get(), size);
        }
    }

    @Test
    void everyOutputPixelIsInExactlyOneTileAndWindowsAreFunctionsOfTheOrigin() {
        Conv2D layer = Conv2D.builder(2, 4, 3).padding("same").strides(3, 2).name("w").build();
        layer.initializeWeights(3, 1);
        TilePlan plan = TilePlan.of(layer.geometry(new int[] {1, 50, 47, 3}), 6, 5);
        int[] covered = new int[plan.geometry().outHeight() * plan.geometry().outWidth()];
        for (Tile t : plan.tiles()) {
            for (int r = t.outRow(); r < t.outRow() + t.outHeight(); r++) {
                for (int c = t.outCol(); c < t.outCol() + t.outWidth(); c++) {
                    covered[r * plan.geometry().outWidth() + c]++;
                }
            }
            assertEquals(t.outRow() * 3 - plan.geometry().padTop(), t.windowRow(), t.label());
            assertEquals(t.outCol() * 2 - plan.geometry().padLeft(), t.windowCol(), t.label());
            assertEquals((t.outHeight() - 1) * 3 + 4, t.windowHeight(), t.label());
            assertEquals((t.outWidth() - 1) * 2 + 3, t.windowWidth(), t.label());
            assertTrue(t.readRow() >= 0 && t.readRow() + t.readHeight() <= 50 && t.readHeight() > 0, t.label());
            assertTrue(t.readCol() >= 0 && t.readCol() + t.readWidth() <= 47 && t.readWidth() > 0, t.label());
        }
        for (int i = 0; i < covered.length; i++) {
            assertEquals(1, covered[i], "output pixel " + i);
        }
        assertEquals(plan.rows() * plan.cols(), plan.count());
        assertEquals(3, plan.rows());                  // 17 output rows in tiles of 6
        assertEquals(5, plan.cols());                  // 24 output columns in tiles of 5
    }

    @Test
    void imageGeometryIsConvGeometryWithoutTheOneArrayLimit() {
        for (String padding : new String[] {"same", "valid"}) {
            Conv2D layer = Conv2D.builder(8, 4, 3).strides(2, 3).padding(padding).name("g").build();
            layer.initializeWeights(3, 1);
            assertEquals(layer.geometry(new int[] {1, 301, 202, 3}), TilePlan.imageGeometry(layer, 301, 202, 3));
            // 40000 x 40000 x 3 in, 20000 x 13334 x 8 out: more than one Java array, still a plan of small tiles.
            TilePlan big = TilePlan.of(TilePlan.imageGeometry(layer, 40000, 40000, 3), 1024, 1024);
            assertEquals(padding.equals("same") ? 20000 : 19999, big.geometry().outHeight());
            assertEquals(20 * 14, big.count());
            Tile last = big.tile(big.count() - 1);
            assertTrue(last.readRow() + last.readHeight() <= 40000 && last.readCol() + last.readWidth() <= 40000);
        }
        Conv2D layer = Conv2D.builder(2, 5, 5).name("v").build();
        layer.initializeWeights(3, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TilePlan.imageGeometry(layer, 4, 100, 3));
        assertTrue(e.getMessage().contains("padding='valid' needs an input height of at least"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TilePlan.imageGeometry(layer, 40, 100, 4));
        assertTrue(e.getMessage().contains("has weights for 3 input channels, but the image has 4"), e.getMessage());
    }

    @Test
    void badTileSizesAndNonLocalActivationsAreRefused() {
        Conv2D layer = Conv2D.builder(2, 3, 3).name("b").build();
        layer.initializeWeights(3, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TilePlan.of(layer.geometry(new int[] {1, 10, 10, 3}), 0, 4));
        assertTrue(e.getMessage().contains("tile size 0x4"), e.getMessage());
        Conv2D softmaxFirst = Conv2D.builder(2, 3, 3).dataFormat("channels_first").activation("softmax")
                .name("sm").build();
        e = assertThrows(IllegalArgumentException.class, () -> TileConvolver.checkTileable(softmaxFirst.spec()));
        assertTrue(e.getMessage().contains("softmax") && e.getMessage().contains("channels_first"), e.getMessage());
    }

    /** Sampled layers: the tiled output against TensorFlow, within the parity suite's tolerance. */
    @Test
    void tiledOutputMatchesTensorFlow() {
        List<KernelParity.Case> cases = List.of(
                new KernelParity.Case("tile-same-3x3", 1, 29, 31, 3, 8, 3, 3, 1, 1, 1, 1, Padding.SAME, true),
                new KernelParity.Case("tile-valid-4x4-s2", 1, 30, 27, 3, 5, 4, 4, 2, 2, 1, 1, Padding.VALID, true),
                new KernelParity.Case("tile-same-d3", 1, 25, 26, 2, 17, 3, 2, 1, 1, 3, 3, Padding.SAME, false),
                new KernelParity.Case("tile-same-5x5-s3", 1, 33, 34, 3, 4, 5, 5, 3, 3, 1, 1, Padding.SAME, true));
        for (ConvKernel kernel : KernelProvider.available()) {
            for (KernelParity.Case k : cases) {
                SplittableRandom random = new SplittableRandom(k.name().hashCode());
                float[] x = nonZero(random, k.h() * k.w() * k.c());
                float[] w = nonZero(random, k.kh() * k.kw() * k.c() * k.f());
                float[] b = k.bias() ? nonZero(random, k.f()) : null;
                Conv2D layer = Conv2D.builder(k.f(), k.kh(), k.kw()).strides(k.sh(), k.sw())
                        .dilationRate(k.dh(), k.dw()).padding(k.padding()).useBias(k.bias()).name("tf").build();
                layer.setWeights(w, b);
                float[] tiled = tiled(layer, x, k.h(), k.w(), k.c(), 6, 7, kernel);
                KernelParity.assertWithinTolerance(k, x, w, b, tiled, "tiles of 6x7 on " + kernel.name());
            }
        }
    }

    private static float[] nonZero(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            float v;
            do {
                v = (float) (random.nextDouble() * 2 - 1);
            } while (Math.abs(v) < 0.25f);
            a[i] = v;
        }
        return a;
    }

    /** Convolves a channels-last image tile by tile and puts the tiles together (channels-last output). */
    static float[] tiled(Conv2D layer, float[] image, int h, int w, int c, int tileH, int tileW, ConvKernel kernel) {
        int[] shape = layer.spec().dataFormat().kerasName().equals("channels_first")
                ? new int[] {1, c, h, w} : new int[] {1, h, w, c};
        TilePlan plan = TilePlan.of(layer.geometry(shape), tileH, tileW);
        int outW = plan.geometry().outWidth();
        int f = plan.geometry().filters();
        float[] result = new float[plan.geometry().outHeight() * outW * f];
        try (TileConvolver convolver = new TileConvolver(layer, plan, kernel)) {
            for (Tile t : plan.tiles()) {
                float[] window = new float[convolver.windowValues(t)];
                for (int r = 0; r < t.readHeight(); r++) {
                    System.arraycopy(image, ((t.readRow() + r) * w + t.readCol()) * c, window,
                            ((t.zeroRowsBefore() + r) * t.windowWidth() + t.zeroColsBefore()) * c, t.readWidth() * c);
                }
                float[] out = new float[convolver.outputValues(t)];
                convolver.convolve(t, window, out);
                for (int r = 0; r < t.outHeight(); r++) {
                    System.arraycopy(out, r * t.outWidth() * f, result, ((t.outRow() + r) * outW + t.outCol()) * f,
                            t.outWidth() * f);
                }
            }
        }
        return result;
    }

    private static void assertTiledEqualsWhole(Conv2D layer, int h, int w, int c, int tileH, int tileW,
                                               ConvKernel kernel, long seed) {
        SplittableRandom random = new SplittableRandom(seed * 31 + h);
        float[] image = new float[h * w * c];
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) (random.nextDouble() * 2 - 1);
        }
        layer.initializeWeights(c, seed);
        boolean first = layer.spec().dataFormat().kerasName().equals("channels_first");
        FloatTensor x;
        if (first) {
            float[] chw = new float[image.length];
            Layouts.nhwcToNchw(image, 0, chw, 0, 1, c, h, w);
            x = new FloatTensor(chw, 1, c, h, w);
        } else {
            x = new FloatTensor(image, 1, h, w, c);
        }
        FloatTensor whole = layer.forward(x, kernel);
        float[] expected = whole.data();
        if (first) {
            int[] s = whole.shape();
            expected = new float[expected.length];
            Layouts.nchwToNhwc(whole.data(), 0, expected, 0, 1, s[1], s[2], s[3]);
        }
        float[] tiled = tiled(layer, image, h, w, c, tileH, tileW, kernel);
        List<String> where = new ArrayList<>();
        String name = layer.spec().name() + " " + layer.spec().padding() + " k" + layer.spec().kernelHeight() + "x"
                + layer.spec().kernelWidth() + " s" + layer.spec().strideHeight() + "," + layer.spec().strideWidth()
                + " d" + layer.spec().dilationHeight() + "," + layer.spec().dilationWidth() + " f"
                + layer.spec().filters() + " image " + h + "x" + w + "x" + c + " tiles " + tileH + "x" + tileW
                + " on " + kernel.name();
        where.add(name);
        assertEquals(expected.length, tiled.length, name);
        int[] expectedBits = new int[expected.length];
        int[] tiledBits = new int[tiled.length];
        for (int i = 0; i < expected.length; i++) {
            expectedBits[i] = Float.floatToRawIntBits(expected[i]);
            tiledBits[i] = Float.floatToRawIntBits(tiled[i]);
        }
        assertArrayEquals(expectedBits, tiledBits, String.join("; ", where));
    }
}
