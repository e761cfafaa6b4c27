package io.dpt4j.core.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.dpt4j.core.onnx.OnnxGraph.Node;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The int8 weight quantizer on hand-computed inputs, and the rewrite pass on a small graph run in ONNX Runtime. */
class Int8QuantizationTest {
    @Test
    void perChannelScalesRoundingAndZeroChannels() {
        // [N=3, K=3]: one output channel per row.
        float[] w = {
            1f, -0.5f, 0.25f, // max 1: scale 1/127; -63.5 rounds to even (-64), 31.75 to 32
            0f, 0f, 0f, // all zero: scale 1, values 0
            127f, 2.5f, -3.5f, // max 127: scale 1; 2.5 -> 2 and -3.5 -> -4 (half to even)
        };
        Int8Quantization.QuantizedWeight q = Int8Quantization.quantizeNK(FloatBuffer.wrap(w), 3, 3, 127);
        assertArrayEquals(new float[] {1f / 127, 1f, 1f}, q.scales(), 0f);
        // Transposed to [K=3, N=3].
        assertArrayEquals(new byte[] {127, 0, 127, -64, 0, 2, 32, 0, -4}, q.values());
        assertEquals(3, q.k());
        assertEquals(3, q.n());
    }

    @Test
    void columnsOfAKByNWeightAndReducedRange() {
        // [K=2, N=2]; column 0 max 63 (scale 1), column 1 max 0.5; qmax 63 ("reduce range").
        float[] w = {63f, -0.5f, -31.5f, 0.125f};
        Int8Quantization.QuantizedWeight q = Int8Quantization.quantizeKN(FloatBuffer.wrap(w), 2, 2, 63);
        assertArrayEquals(new float[] {1f, 0.5f / 63}, q.scales(), 0f);
        assertArrayEquals(new byte[] {63, -63, -32, 16}, q.values()); // -31.5 -> -32, 15.75 -> 16
        assertThrows(IllegalArgumentException.class, () -> Int8Quantization.Options.defaults().withQmax(128));
    }

    @Test
    void largeMatrixDequantizesWithinHalfAStep() {
        int n = 37;
        int k = 53; // not multiples of the 16-channel block
        float[] w = new float[n * k];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * (1 + i / k);
        }
        Int8Quantization.QuantizedWeight q = Int8Quantization.quantizeNK(FloatBuffer.wrap(w), n, k, 127);
        for (int o = 0; o < n; o++) {
            float max = 0;
            for (int c = 0; c < k; c++) {
                max = Math.max(max, Math.abs(w[o * k + c]));
            }
            assertEquals(max / 127, q.scales()[o], 1e-6f * max);
            for (int c = 0; c < k; c++) {
                float back = q.values()[c * n + o] * q.scales()[o];
                assertTrue(Math.abs(back - w[o * k + c]) <= 0.5f * q.scales()[o] * 1.0001f, o + "," + c);
            }
        }
    }

    private static ByteBuffer floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b;
    }

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void rewritesConstantWeightMatmulsAndOnnxRuntimeRunsTheResult() throws Exception {
        int rows = 8;
        int in = 64;
        int out = 32;
        float[] x = gaussian(rows * in, 2);
        float[] wNK = gaussian(out * in, 3); // Gemm transB weight [out, in]
        float[] bias = gaussian(out, 4);
        float[] wKN = gaussian(out * 16, 5); // MatMul weight [out, 16]
        OnnxGraph g = new OnnxGraph();
        String xin = g.input("x", (long) rows, (long) in);
        String w1 = g.external("w1", floats(wNK), out, in); // an in-memory weight
        String b1 = g.constant("b1", bias, out);
        String h = g.op("Gemm", OnnxGraph.attrs("transB", 1L), xin, w1, b1);
        String w2 = g.constant("w2", wKN, out, 16); // an inline weight
        String y = g.op("MatMul", h, w2);
        // Two activations: stays a float MatMul. A Gemm with alpha != 1 stays as it is.
        String z = g.op("MatMul", y, g.op("Transpose", OnnxGraph.attrs("perm", new long[] {1, 0}), y));
        String w3 = g.constant("w3", gaussian(rows * rows, 6), rows, rows);
        String zz = g.op("Gemm", OnnxGraph.attrs("alpha", 0.5f), z, w3);
        g.rename(y, "y");
        g.rename(zz, "z");
        g.output("y", (long) rows, 16L);
        g.output("z", (long) rows, (long) rows);

        Int8Quantization.Report report = Int8Quantization.apply(g, Int8Quantization.Options.defaults());
        assertEquals(2, report.matmuls());
        assertEquals(out * in + out * 16, report.weightElements());
        Map<String, Long> ops = g.nodes().stream().collect(Collectors.groupingBy(Node::opType, Collectors.counting()));
        assertEquals(2L, ops.get("DynamicQuantizeMatMul"));
        assertEquals(1L, ops.get("MatMul"));
        assertEquals(1L, ops.get("Gemm"));
        assertNull(g.initializer(w1), "the float weight is gone");
        assertNull(g.initializer(w2));
        Node q1 = g.nodes().stream().filter(n -> n.opType().equals("DynamicQuantizeMatMul")).findFirst().orElseThrow();
        assertEquals(OnnxGraph.MICROSOFT_DOMAIN, q1.domain());
        assertEquals(b1, q1.input(4), "the Gemm bias is fused");
        OnnxGraph.Initializer wq = g.initializer(q1.input(1));
        assertEquals(OnnxGraph.INT8, wq.elemType());
        assertArrayEquals(new long[] {in, out}, wq.dims());
        assertTrue(wq.external(), "an in-memory weight stays in memory");
        assertTrue(wq.data().isDirect());

        // float reference
        float[] hRef = new float[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int c = 0; c < in; c++) {
                    s += x[r * in + c] * wNK[o * in + c];
                }
                hRef[r * out + o] = (float) s;
            }
        }
        float[] yRef = new float[rows * 16];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < 16; c++) {
                double s = 0;
                for (int o = 0; o < out; o++) {
                    s += hRef[r * out + o] * wKN[o * 16 + c];
                }
                yRef[r * 16 + c] = (float) s;
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            OnnxTensor ext = OnnxTensor.createTensor(env, wq.data(), wq.dims());
            o.addExternalInitializers(Map.of(wq.name(), ext));
            try (OrtSession s = env.createSession(g.toModelBytes("t"), o);
                    OnnxTensor xt = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {rows, in});
                    OrtSession.Result res = s.run(Map.of("x", xt))) {
                float[][] got = (float[][]) res.get("y").get().getValue();
                double num = 0;
                double den = 0;
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < 16; c++) {
                        double d = got[r][c] - yRef[r * 16 + c];
                        num += d * d;
                        den += yRef[r * 16 + c] * (double) yRef[r * 16 + c];
                    }
                }
                double rel = Math.sqrt(num / den);
                // Two int8 matmuls on Gaussian data: about 1% each.
                assertTrue(rel > 1e-4 && rel < 0.03, "relative L2 " + rel);
            } finally {
                ext.close();
            }
        }
    }

    @Test
    void conv1x1BecomesAQuantizedMatmulOverNhwcOnlyWhenAsked() {
        for (boolean on : List.of(false, true)) {
            OnnxGraph g = new OnnxGraph();
            String x = g.input("x", 1L, 8L, 4L, 4L);
            String w = g.constant("w", gaussian(16 * 8, 7), 16, 8, 1, 1);
            String k3 = g.constant("k3", gaussian(16 * 8 * 9, 8), 16, 8, 3, 3);
            g.op("Conv", OnnxGraph.attrs("kernel_shape", new long[] {1, 1}, "strides", new long[] {1, 1}, "pads", new long[] {0, 0, 0, 0},
                    "dilations", new long[] {1, 1}, "group", 1L), x, w);
            g.op("Conv", OnnxGraph.attrs("kernel_shape", new long[] {3, 3}, "pads", new long[] {1, 1, 1, 1}), x, k3);
            Int8Quantization.Report r = Int8Quantization.apply(g, Int8Quantization.Options.defaults().withConv1x1(on));
            assertEquals(on ? 1 : 0, r.convs());
            long convs = g.nodes().stream().filter(n -> n.opType().equals("Conv")).count();
            assertEquals(on ? 1 : 2, convs, "the 3x3 conv stays float unless convMinChannels asks");
        }
    }

    /** Direct float convolution, stride 1, "same" zero padding: [C, H, W] x [N, C, k, k] -> [N, H, W]. */
    private static float[] conv(float[] x, int c, int h, int wd, float[] w, float[] bias, int n, int k) {
        float[] y = new float[n * h * wd];
        int p = k / 2;
        for (int o = 0; o < n; o++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < wd; j++) {
                    double s = bias == null ? 0 : bias[o];
                    for (int ci = 0; ci < c; ci++) {
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int yy = i + ky - p;
                                int xx = j + kx - p;
                                if (yy >= 0 && yy < h && xx >= 0 && xx < wd) {
                                    s += x[(ci * h + yy) * wd + xx] * w[((o * c + ci) * k + ky) * k + kx];
                                }
                            }
                        }
                    }
                    y[(o * h + i) * wd + j] = (float) s;
                }
            }
        }
        return y;
    }

    @Test
    void sameConvolutionsBecomeAnInt8Im2colMatmulAtAnyInputSize() throws Exception {
        int c = 8;
        OnnxGraph g = new OnnxGraph();
        String x = g.input("x", 1L, (long) c, "height", "width");
        float[] w3 = gaussian(12 * c * 9, 11);
        float[] b3 = gaussian(12, 12);
        float[] w5 = gaussian(8 * c * 25, 13);
        String y3 = g.op("Conv", OnnxGraph.attrs("kernel_shape", new long[] {3, 3}, "pads", new long[] {1, 1, 1, 1}), x,
                g.constant("w3", w3, 12, c, 3, 3), g.constant("b3", b3, 12));
        String y5 = g.op("Conv", OnnxGraph.attrs("kernel_shape", new long[] {5, 5}, "pads", new long[] {2, 2, 2, 2}), x,
                g.constant("w5", w5, 8, c, 5, 5));
        // strided, unpadded and narrow convolutions stay float (not graph outputs: ONNX Runtime drops them)
        g.op("Conv", OnnxGraph.attrs("kernel_shape", new long[] {3, 3}, "pads", new long[] {1, 1, 1, 1}, "strides", new long[] {2, 2}),
                x, g.constant("ws", gaussian(12 * c * 9, 14), 12, c, 3, 3));
        g.op("Conv", OnnxGraph.attrs("kernel_shape", new long[] {3, 3}), x, g.constant("wv", gaussian(12 * c * 9, 15), 12, c, 3, 3));
        g.op("Conv", OnnxGraph.attrs("kernel_shape", new long[] {3, 3}, "pads", new long[] {1, 1, 1, 1}), x,
                g.constant("wn", gaussian(4 * c * 9, 16), 4, c, 3, 3));
        g.rename(y3, "y3");
        g.rename(y5, "y5");
        g.output("y3", 1L, 12L, "height", "width");
        g.output("y5", 1L, 8L, "height", "width");
        Int8Quantization.Report r = Int8Quantization.apply(g, Int8Quantization.Options.defaults().withConvMinChannels(8));
        assertEquals(2, r.convs());
        assertEquals(12L * c * 9 + 8L * c * 25, r.weightElements());
        assertEquals(3L, g.nodes().stream().filter(n -> n.opType().equals("Conv")).count());
        assertEquals(2L, g.nodes().stream().filter(n -> n.opType().equals("MatMulIntegerToFloat")).count());

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(g.toModelBytes("t"), new OrtSession.SessionOptions())) {
            for (int[] hw : new int[][] {{5, 7}, {6, 4}}) {
                int h = hw[0];
                int wd = hw[1];
                // non-negative input, like the ReLU before every DPT decoder conv, plus a few negatives
                float[] in = gaussian(c * h * wd, 20 + h);
                for (int i = 0; i < in.length; i++) {
                    in[i] = i % 5 == 0 ? in[i] : Math.abs(in[i]);
                }
                try (OnnxTensor xt = OnnxTensor.createTensor(env, FloatBuffer.wrap(in), new long[] {1, c, h, wd});
                        OrtSession.Result res = s.run(Map.of("x", xt), Set.of("y3", "y5"))) {
                    assertRelativeL2(conv(in, c, h, wd, w3, b3, 12, 3), (float[][][][]) res.get("y3").get().getValue(), "3x3 at " + h + "x" + wd);
                    assertRelativeL2(conv(in, c, h, wd, w5, null, 8, 5), (float[][][][]) res.get("y5").get().getValue(), "5x5 at " + h + "x" + wd);
                }
            }
        }
    }

    private static void assertRelativeL2(float[] want, float[][][][] got, String what) {
        double num = 0;
        double den = 0;
        int i = 0;
        for (float[][] plane : got[0]) {
            for (float[] row : plane) {
                for (float v : row) {
                    double d = v - want[i];
                    num += d * d;
                    den += want[i] * (double) want[i];
                    i++;
                }
            }
        }
        assertEquals(want.length, i, what + ": element count");
        double rel = Math.sqrt(num / den);
        // One int8 conv on Gaussian data: about 1%; a wrong window order or padding would be ~100%.
        assertTrue(rel > 1e-4 && rel < 0.02, what + ": relative L2 " + rel);
    }
}
