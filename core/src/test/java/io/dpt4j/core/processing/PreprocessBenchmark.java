package io.dpt4j.core.processing;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Micro benchmark (not a test): preprocessing a decoded 4000x3000 RGB photo-sized image to 384x384
 * (dpt-large config: bicubic, rescale, normalize). Run after {@code mvn -pl core test-compile}:
 * <pre>java -cp core/target/classes:core/target/test-classes:$(jackson jars) io.dpt4j.core.processing.PreprocessBenchmark</pre>
 */
public final class PreprocessBenchmark {
    private PreprocessBenchmark() {}

    public static void main(String[] args) throws Exception {
        int w = 4000;
        int h = 3000;
        byte[] rgb = new byte[w * h * 3];
        // Smooth content with noise, so no branch or cache effect depends on constant data.
        Random rnd = new Random(42);
        for (int y = 0, o = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                rgb[o++] = (byte) ((x * 255 / w + rnd.nextInt(16)) & 0xFF);
                rgb[o++] = (byte) ((y * 255 / h + rnd.nextInt(16)) & 0xFF);
                rgb[o++] = (byte) (((x + y) * 127 / (w + h) + rnd.nextInt(16)) & 0xFF);
            }
        }
        Uint8Image img = Uint8Image.rgb(w, h, rgb);
        DPTImageProcessor p = DPTImageProcessor.defaults();
        int warmup = 15;
        int runs = 30;
        for (int i = 0; i < warmup; i++) {
            p.preprocess(List.of(img), Map.of());
        }
        long[] t = new long[runs];
        for (int i = 0; i < runs; i++) {
            long s = System.nanoTime();
            FloatTensor pv = p.preprocess(List.of(img), Map.of()).pixelValues();
            t[i] = System.nanoTime() - s;
            if (pv.data().length != 3 * 384 * 384) {
                throw new AssertionError("unexpected output size");
            }
        }
        java.util.Arrays.sort(t);
        System.out.printf("4000x3000 -> 384x384 bicubic preprocess: median %.1f ms, min %.1f ms, max %.1f ms "
                + "(%d runs, %d CPUs available)%n", t[runs / 2] / 1e6, t[0] / 1e6, t[runs - 1] / 1e6, runs,
                Runtime.getRuntime().availableProcessors());
        // Single-threaded figure, for machines where other work takes the other cores.
        System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", "1");
        long s = System.nanoTime();
        byte[] r = PilResize.resize(rgb, w, h, 3, 384, 384, PilResampling.BICUBIC);
        System.out.printf("resize alone (current pool): %.1f ms, checksum %d%n", (System.nanoTime() - s) / 1e6, r[12345]);
    }
}
