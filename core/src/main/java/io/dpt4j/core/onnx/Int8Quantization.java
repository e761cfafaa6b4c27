package io.dpt4j.core.onnx;

import io.dpt4j.core.onnx.OnnxGraph.Initializer;
import io.dpt4j.core.onnx.OnnxGraph.Node;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Dynamic int8 quantization as a rewrite pass over a finished {@link OnnxGraph}: every MatMul / Gemm
 * whose weight is a float constant becomes ONNX Runtime's {@code com.microsoft.DynamicQuantizeMatMul},
 * and, when {@link Options#convMinChannels} asks, every wide "same" k x k convolution becomes a uint8
 * im2col feeding {@code com.microsoft.MatMulIntegerToFloat}. The weights are quantized here, in Java: symmetric,
 * per output channel, int8 in [-qmax, qmax] (zero point 0, round half to even, like ONNX Runtime's own
 * quantizer). The activations are quantized by ONNX Runtime at run time, per tensor (uint8 with a
 * zero point), so no calibration data is needed.
 *
 * <p>What stays fp32: matmuls of two activations (attention scores and attention-weighted values),
 * strided, unpadded or narrow convolutions (patch embeddings, BiT's weight-standardised convs, the
 * depth head's last convs), transposed convolutions, normalisations, and every elementwise op. ONNX
 * Runtime 1.22's CPU provider has no ConvInteger kernel for int8 weights, and its uint8 one is slower
 * than fp32 Conv on these models; the im2col matmul runs on the same int8 GEMM as the linear layers.
 */
public final class Int8Quantization {
    private Int8Quantization() {}

    /**
     * @param conv1x1 also run 1x1 convolutions (stride 1, no padding, one group) as quantized matmuls
     *     over NHWC (a Transpose on each side)
     * @param convMinChannels run "same"-padded stride-1 k x k convolutions (k odd, k > 1, one group)
     *     with at least this many input and output channels as quantized matmuls over a uint8 im2col;
     *     0 keeps them fp32
     * @param convScopes a convolution is quantized only if its weight's name (the Hugging Face key)
     *     starts with one of these; empty: any
     * @param qmax the largest quantized magnitude: 127, or 63 ("reduce range") for CPUs whose int8
     *     dot products saturate 16-bit sums (AVX2 without VNNI)
     * @param minElements weights smaller than this stay fp32
     */
    public record Options(boolean conv1x1, int convMinChannels, List<String> convScopes, int qmax, long minElements) {
        public Options {
            convScopes = List.copyOf(convScopes);
            if (qmax < 1 || qmax > 127) {
                throw new IllegalArgumentException("qmax must be in 1..127, got " + qmax);
            }
            if (convMinChannels < 0) {
                throw new IllegalArgumentException("convMinChannels must be >= 0, got " + convMinChannels);
            }
        }

        /** MatMul and Gemm weights at full int8 range; convolutions stay fp32. */
        public static Options defaults() {
            return new Options(false, 0, List.of(), 127, 0);
        }

        public Options withConv1x1(boolean on) {
            return new Options(on, convMinChannels, convScopes, qmax, minElements);
        }

        public Options withConvMinChannels(int c) {
            return new Options(conv1x1, c, convScopes, qmax, minElements);
        }

        public Options withConvScopes(List<String> scopes) {
            return new Options(conv1x1, convMinChannels, scopes, qmax, minElements);
        }

        public Options withQmax(int q) {
            return new Options(conv1x1, convMinChannels, convScopes, q, minElements);
        }

        public Options withMinElements(long n) {
            return new Options(conv1x1, convMinChannels, convScopes, qmax, n);
        }
    }

    /** What the pass did: nodes rewritten, weight elements quantized, and how long it took. */
    public record Report(int matmuls, int convs, long weightElements, double seconds) {
        @Override
        public String toString() {
            return seconds == 0
                    ? String.format("int8: %d matmuls and %d convs quantized (%,d weights; loaded already quantized)", matmuls, convs, weightElements)
                    : String.format("int8: %d matmuls and %d convs quantized (%,d weights) in %.2f s", matmuls, convs, weightElements, seconds);
        }
    }

    /** The quantized weight: int8 [K, N] row-major (N output channels) and one scale per channel. */
    public record QuantizedWeight(byte[] values, float[] scales, int k, int n) {}

    /**
     * One rewrite: the node, its weight laid out as [N, K] (transposed) or [K, N], the bias, and for a
     * convolution its kernel size (1 for the 1x1 path, 0 for a matmul).
     */
    private record Job(int index, Node node, Initializer weight, boolean weightIsNK, int k, int n, String bias, int kernel) {}

    /**
     * What {@link #apply} would do to {@code g}, without doing it (seconds 0): the report of a session
     * loaded from a saved, already quantized model.
     */
    public static Report plan(OnnxGraph g, Options options) {
        int convs = 0;
        long elements = 0;
        List<Job> jobs = jobs(g, options);
        for (Job j : jobs) {
            convs += j.kernel == 0 ? 0 : 1;
            elements += (long) j.k * j.n;
        }
        return new Report(jobs.size() - convs, convs, elements, 0);
    }

    /** The rewrites {@code options} selects, in node order. */
    private static List<Job> jobs(OnnxGraph g, Options options) {
        List<Node> nodes = g.nodes();
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            Job j = plan(g, i, nodes.get(i), options);
            if (j != null) {
                jobs.add(j);
            }
        }
        return jobs;
    }

    /** Rewrites {@code g} in place. */
    public static Report apply(OnnxGraph g, Options options) {
        long t0 = System.nanoTime();
        List<Node> nodes = g.nodes();
        List<Job> jobs = jobs(g, options);
        ByteBuffer[] values = new ByteBuffer[jobs.size()];
        float[][] scales = new float[jobs.size()][];
        // Each weight independently; the big ones dominate, so a parallel stream balances well enough.
        // The heap copy of each is dropped as soon as its buffer is made (peak memory: the int8 weights).
        IntStream.range(0, jobs.size()).parallel().forEach(i -> {
            Job j = jobs.get(i);
            FloatBuffer w = j.weight.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0).asFloatBuffer();
            if (j.kernel > 1) {
                w = im2colOrder(w, j.n, j.k / (j.kernel * j.kernel), j.kernel);
            }
            QuantizedWeight q = j.weightIsNK ? quantizeNK(w, j.n, j.k, options.qmax()) : quantizeKN(w, j.k, j.n, options.qmax());
            values[i] = bytes(q.values(), j.weight.external());
            scales[i] = q.scales();
        });
        List<List<Node>> replacement = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            replacement.add(null);
        }
        int matmuls = 0;
        int convs = 0;
        long elements = 0;
        Set<String> replacedWeights = new HashSet<>();
        for (int i = 0; i < jobs.size(); i++) {
            Job j = jobs.get(i);
            String base = j.weight.name();
            String wq = g.initializer(g.fresh(base + "_int8"), OnnxGraph.INT8, new long[] {j.k, j.n}, values[i], j.weight.external());
            String scale = g.constant(base + "_scale", scales[i], j.n);
            String a = j.node.input(0);
            String y = j.node.outputs().get(0);
            List<Node> out = new ArrayList<>();
            if (j.kernel > 1) {
                out.addAll(im2colConv(g, j, a, wq, scale, y));
                convs++;
            } else if (j.kernel == 1) {
                String nhwc = g.fresh("nhwc");
                String ynhwc = g.fresh("qconv_nhwc");
                out.add(g.node("Transpose", "", List.of(a), List.of(nhwc), OnnxGraph.attrs("perm", new long[] {0, 2, 3, 1})));
                out.add(g.node("DynamicQuantizeMatMul", OnnxGraph.MICROSOFT_DOMAIN, List.of(nhwc, wq, scale, "", j.bias), List.of(ynhwc), Map.of()));
                out.add(g.node("Transpose", "", List.of(ynhwc), List.of(y), OnnxGraph.attrs("perm", new long[] {0, 3, 1, 2})));
                convs++;
            } else {
                List<String> in = j.bias.isEmpty() ? List.of(a, wq, scale) : List.of(a, wq, scale, "", j.bias);
                out.add(g.node("DynamicQuantizeMatMul", OnnxGraph.MICROSOFT_DOMAIN, in, List.of(y), Map.of()));
                matmuls++;
            }
            replacement.set(j.index, out);
            replacedWeights.add(base);
            elements += (long) j.k * j.n;
        }
        List<Node> rewritten = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (replacement.get(i) == null) {
                rewritten.add(nodes.get(i));
            } else {
                rewritten.addAll(replacement.get(i));
            }
        }
        g.replaceNodes(rewritten);
        Map<String, Integer> readers = g.consumers();
        for (String w : replacedWeights) {
            if (!readers.containsKey(w)) {
                g.removeInitializer(w);
            }
        }
        return new Report(matmuls, convs, elements, (System.nanoTime() - t0) / 1e9);
    }

    private static ByteBuffer bytes(byte[] values, boolean direct) {
        if (!direct) {
            return ByteBuffer.wrap(values);
        }
        // ONNX Runtime uses a direct buffer in place (no copy when the session takes it).
        ByteBuffer b = ByteBuffer.allocateDirect(values.length);
        b.put(values).flip();
        return b;
    }

    private static Job plan(OnnxGraph g, int index, Node n, Options o) {
        switch (n.opType()) {
            case "MatMul": {
                Initializer w = floatMatrix(g, n.input(1), o);
                if (w == null || !n.domain().isEmpty()) {
                    return null;
                }
                return new Job(index, n, w, false, (int) w.dims()[0], (int) w.dims()[1], "", 0);
            }
            case "Gemm": {
                Initializer w = floatMatrix(g, n.input(1), o);
                if (w == null || !n.domain().isEmpty() || n.longAttribute("transA", 0) != 0 || n.floatAttribute("alpha", 1f) != 1f
                        || n.floatAttribute("beta", 1f) != 1f) {
                    return null;
                }
                boolean nk = n.longAttribute("transB", 0) != 0;
                int k = (int) w.dims()[nk ? 1 : 0];
                int cols = (int) w.dims()[nk ? 0 : 1];
                String bias = n.input(2);
                if (!bias.isEmpty() && !isVector(g, bias, cols)) {
                    return null;
                }
                return new Job(index, n, w, nk, k, cols, bias, 0);
            }
            case "Conv": {
                Initializer w = g.initializer(n.input(1));
                if (!n.domain().isEmpty() || w == null || w.elemType() != OnnxGraph.FLOAT || w.dims().length != 4 || w.size() < o.minElements()
                        || n.longAttribute("group", 1) != 1 || !allOnes(n.attributes().get("strides"))
                        || !allOnes(n.attributes().get("dilations"))
                        || n.attributes().containsKey("auto_pad") && !"NOTSET".equals(n.attributes().get("auto_pad"))) {
                    return null;
                }
                int cols = (int) w.dims()[0];
                int cin = (int) w.dims()[1];
                int kh = (int) w.dims()[2];
                String bias = n.input(2);
                if (!bias.isEmpty() && !isVector(g, bias, cols)
                        || !o.convScopes().isEmpty() && o.convScopes().stream().noneMatch(w.name()::startsWith)) {
                    return null;
                }
                if (kh == 1 && w.dims()[3] == 1 && o.conv1x1() && allEqual(n.attributes().get("pads"), 0)) {
                    return new Job(index, n, w, true, cin, cols, bias, 1);
                }
                boolean same = kh > 1 && kh % 2 == 1 && w.dims()[3] == kh && allEqual(n.attributes().get("pads"), kh / 2);
                if (same && o.convMinChannels() > 0 && cin >= o.convMinChannels() && cols >= o.convMinChannels()) {
                    return new Job(index, n, w, true, cin * kh * kh, cols, bias, kh);
                }
                return null;
            }
            default:
                return null;
        }
    }

    private static Initializer floatMatrix(OnnxGraph g, String name, Options o) {
        Initializer w = g.initializer(name);
        if (w == null || w.elemType() != OnnxGraph.FLOAT || w.dims().length != 2 || w.size() < o.minElements()) {
            return null;
        }
        return w;
    }

    private static boolean isVector(OnnxGraph g, String name, int n) {
        Initializer b = g.initializer(name);
        return b != null && b.elemType() == OnnxGraph.FLOAT && b.dims().length == 1 && b.dims()[0] == n;
    }

    private static boolean allOnes(Object v) {
        if (v == null) {
            return true;
        }
        for (long x : (long[]) v) {
            if (x != 1) {
                return false;
            }
        }
        return true;
    }

    private static boolean allEqual(Object v, long want) {
        if (v == null) {
            return want == 0;
        }
        for (long x : (long[]) v) {
            if (x != want) {
                return false;
            }
        }
        return true;
    }

    /**
     * A conv weight [N, C, k, k] reordered to [N, k, k, C]: per output channel, the K index is
     * (ky * k + kx) * C + c, the order of the im2col columns.
     */
    private static FloatBuffer im2colOrder(FloatBuffer w, int n, int c, int k) {
        float[] src = new float[c * k * k];
        float[] dst = new float[n * c * k * k];
        for (int o = 0; o < n; o++) {
            w.get(o * src.length, src, 0, src.length);
            int base = o * src.length;
            for (int ci = 0; ci < c; ci++) {
                for (int t = 0; t < k * k; t++) {
                    dst[base + t * c + ci] = src[ci * k * k + t];
                }
            }
        }
        return FloatBuffer.wrap(dst);
    }

    /**
     * A "same" k x k convolution as one quantized matmul: the input is quantized once (uint8, per
     * tensor), moved to NHWC and padded with its zero point (so padding stays an exact 0), and the k*k
     * shifted windows are concatenated along channels (im2col in bytes, a quarter of fp32's traffic);
     * MatMulIntegerToFloat then applies the per-channel weight scales and the bias. Slice ends are
     * counted from the padded end, so height and width stay symbolic.
     */
    private static List<Node> im2colConv(OnnxGraph g, Job j, String a, String wq, String scale, String y) {
        int k = j.kernel;
        long p = k / 2;
        List<Node> out = new ArrayList<>();
        String aq = g.fresh("conv_xq");
        String as = g.fresh("conv_xscale");
        String az = g.fresh("conv_xzero");
        out.add(g.node("DynamicQuantizeLinear", "", List.of(a), List.of(aq, as, az), Map.of()));
        String nhwc = g.fresh("conv_xq_nhwc");
        out.add(g.node("Transpose", "", List.of(aq), List.of(nhwc), OnnxGraph.attrs("perm", new long[] {0, 2, 3, 1})));
        String padded = g.fresh("conv_xq_padded");
        String pads = g.constantLong("conv_pads", new long[] {0, p, p, 0, 0, p, p, 0}, 8);
        out.add(g.node("Pad", "", List.of(nhwc, pads, az), List.of(padded), Map.of()));
        String axes = g.constantLong("conv_axes", new long[] {1, 2}, 2);
        List<String> windows = new ArrayList<>();
        for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
                String starts = g.constantLong("conv_starts", new long[] {ky, kx}, 2);
                String ends = g.constantLong("conv_ends", new long[] {end(ky, 2 * p), end(kx, 2 * p)}, 2);
                String win = g.fresh("conv_window");
                out.add(g.node("Slice", "", List.of(padded, starts, ends, axes), List.of(win), Map.of()));
                windows.add(win);
            }
        }
        String cols = g.fresh("conv_im2col");
        out.add(g.node("Concat", "", windows, List.of(cols), OnnxGraph.attrs("axis", 3L)));
        String ynhwc = g.fresh("qconv_nhwc");
        List<String> in = j.bias.isEmpty() ? List.of(cols, wq, as, scale, az) : List.of(cols, wq, as, scale, az, "", j.bias);
        out.add(g.node("MatMulIntegerToFloat", OnnxGraph.MICROSOFT_DOMAIN, in, List.of(ynhwc), Map.of()));
        out.add(g.node("Transpose", "", List.of(ynhwc), List.of(y), OnnxGraph.attrs("perm", new long[] {0, 3, 1, 2})));
        return out;
    }

    /** The end of a window starting at {@code start} in a dimension padded by {@code total}: from the back. */
    private static long end(int start, long total) {
        return start < total ? start - total : Long.MAX_VALUE;
    }

    /** The scale of one channel: max |w| / qmax, or 1 for an all-zero channel (its values quantize to 0). */
    static float scale(float maxAbs, int qmax) {
        return maxAbs > 0 ? maxAbs / qmax : 1f;
    }

    /** Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer, half to even. */
    private static final float ROUNDER = 12582912f;

    /** round(w / scale), half to even, clamped to [-qmax, qmax]. */
    static byte quantize(float w, float scale, int qmax) {
        // Clamped first (qmax is an integer, so clamping commutes with rounding), then rounded by the
        // float adder's round-to-nearest-even: plain float arithmetic the JIT vectorizes.
        float v = Math.max(-qmax, Math.min(qmax, w / scale));
        return (byte) (int) ((v + ROUNDER) - ROUNDER);
    }

    /**
     * Quantizes a weight stored as [N, K] row-major (one output channel per row: Linear, Conv 1x1 and
     * Gemm with transB) into int8 [K, N] with one scale per output channel.
     */
    public static QuantizedWeight quantizeNK(FloatBuffer w, int n, int k, int qmax) {
        byte[] q = new byte[k * n];
        float[] scales = new float[n];
        final int block = 16;
        float[] rows = new float[block * k];
        byte[] rowsQ = new byte[block * k];
        for (int n0 = 0; n0 < n; n0 += block) {
            int nb = Math.min(block, n - n0);
            w.get(n0 * k, rows, 0, nb * k);
            for (int r = 0; r < nb; r++) {
                float max = 0;
                int off = r * k;
                for (int c = 0; c < k; c++) {
                    max = Math.max(max, Math.abs(rows[off + c]));
                }
                float s = scale(max, qmax);
                scales[n0 + r] = s;
                for (int c = 0; c < k; c++) {
                    rowsQ[off + c] = quantize(rows[off + c], s, qmax);
                }
            }
            // Transposed write, a block of channels at a time: each K row gets nb adjacent bytes.
            for (int c = 0; c < k; c++) {
                int at = c * n + n0;
                for (int r = 0; r < nb; r++) {
                    q[at + r] = rowsQ[r * k + c];
                }
            }
        }
        return new QuantizedWeight(q, scales, k, n);
    }

    /** Quantizes a MatMul weight stored as [K, N] row-major, one scale per column (output channel). */
    public static QuantizedWeight quantizeKN(FloatBuffer w, int k, int n, int qmax) {
        float[] all = new float[k * n];
        w.get(0, all, 0, all.length);
        float[] max = new float[n];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < n; c++) {
                max[c] = Math.max(max[c], Math.abs(all[r * n + c]));
            }
        }
        float[] scales = new float[n];
        for (int c = 0; c < n; c++) {
            scales[c] = scale(max[c], qmax);
        }
        byte[] q = new byte[k * n];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < n; c++) {
                q[r * n + c] = quantize(all[r * n + c], scales[c], qmax);
            }
        }
        return new QuantizedWeight(q, scales, k, n);
    }
}
