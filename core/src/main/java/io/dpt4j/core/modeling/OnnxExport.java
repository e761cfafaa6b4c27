package io.dpt4j.core.modeling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.config.DepthAnythingConfig;
import io.dpt4j.core.config.Dinov2Config;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.nn.Layers.BatchNorm2d;
import io.dpt4j.core.nn.Layers.Conv2d;
import io.dpt4j.core.nn.Layers.ConvTranspose2d;
import io.dpt4j.core.nn.Layers.LayerNorm;
import io.dpt4j.core.nn.Layers.Linear;
import io.dpt4j.core.onnx.OnnxGraph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The same graph as the DJL modules, written as ONNX for one static input shape, with the loaded
 * weights as constants. Everything that depends only on the weights and the input size (resized
 * position embeddings, standardised BiT weights, interpolation taps, TF-SAME pads) is computed here
 * with the very code the eager path runs, so both engines share their numerics.
 */
public final class OnnxExport {
    /** A graph value and its static shape. */
    public record V(String name, long[] shape) {
        long dim(int i) {
            return shape[i < 0 ? shape.length + i : i];
        }
    }

    /** Weights at least this large stay outside the model bytes (in-memory external initializers). */
    static final long EXTERNAL_MIN_ELEMENTS = 1024;

    public final OnnxGraph g = new OnnxGraph();
    private long flops;

    /** FLOPs (2 per multiply-add) of the matmuls and convolutions written so far. */
    public long flops() {
        return flops;
    }
    private final NDManager scratch;
    private final boolean inline;

    /**
     * @param keep owns tensors derived for the graph (transposes, standardised weights); it must stay
     *     open while a session uses the graph's external weights
     * @param inline write every weight into the model bytes (a self-contained .onnx file)
     */
    public OnnxExport(NDManager keep, boolean inline) {
        this.scratch = keep;
        this.inline = inline;
    }

    public V input(String name, long... shape) {
        if (shape.length != 4) {
            throw new IllegalArgumentException(name + " must have shape [batch, channels, height, width], got " + Arrays.toString(shape));
        }
        Object[] dims = new Object[shape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape[i];
        }
        return new V(g.input(name, dims), shape);
    }

    public void output(V v, String name) {
        g.rename(v.name(), name);
        Object[] dims = new Object[v.shape().length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = v.shape()[i];
        }
        g.output(name, dims);
    }

    // ------------------------------------------------------------------ constants

    V constant(String hint, NDArray a) {
        NDArray f = a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
        long[] shape = a.getShape().getShape();
        if (!inline && f.size() >= EXTERNAL_MIN_ELEMENTS) {
            // A view of the tensor's memory (a weight mapped from safetensors, or a derived tensor
            // owned by the keep manager): no copy into the model bytes.
            java.nio.ByteBuffer view = ((ai.djl.pytorch.engine.PtNDArray) f).toByteBuffer(true).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            return new V(g.external(hint, view, shape), shape);
        }
        return new V(g.constantRaw(hint, f.toByteArray(), shape), shape);
    }

    V constant(String hint, float[] data, long... shape) {
        return new V(g.constant(hint, data, shape), shape);
    }

    private V scalar(float v) {
        return new V(g.scalar(v), new long[] {1});
    }

    // ------------------------------------------------------------------ shape ops

    V reshape(V x, long... shape) {
        return new V(g.op("Reshape", x.name(), g.shape(shape)), shape);
    }

    V transpose(V x, long... perm) {
        long[] s = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            s[i] = x.shape()[(int) perm[i]];
        }
        return new V(g.op("Transpose", OnnxGraph.attrs("perm", perm), x.name()), s);
    }

    V concat(int axis, V... xs) {
        long[] s = xs[0].shape().clone();
        int a = axis < 0 ? s.length + axis : axis;
        s[a] = 0;
        String[] names = new String[xs.length];
        for (int i = 0; i < xs.length; i++) {
            s[a] += xs[i].shape()[a];
            names[i] = xs[i].name();
        }
        return new V(g.op("Concat", OnnxGraph.attrs("axis", (long) axis), names), s);
    }

    /** x[..., start:end, ...] along one axis. */
    V slice(V x, int axis, long start, long end) {
        long[] s = x.shape().clone();
        int a = axis < 0 ? s.length + axis : axis;
        long e = Math.min(end, s[a]);
        s[a] = e - start;
        return new V(g.op("Slice", x.name(), g.constantLong("st", new long[] {start}, 1), g.constantLong("en", new long[] {e}, 1),
                g.constantLong("ax", new long[] {a}, 1)), s);
    }

    V expand(V x, long... shape) {
        return new V(g.op("Expand", x.name(), g.shape(shape)), shape);
    }

    // ------------------------------------------------------------------ elementwise

    private static long[] broadcast(long[] a, long[] b) {
        int n = Math.max(a.length, b.length);
        long[] s = new long[n];
        for (int i = 0; i < n; i++) {
            long x = i - (n - a.length) >= 0 ? a[i - (n - a.length)] : 1;
            long y = i - (n - b.length) >= 0 ? b[i - (n - b.length)] : 1;
            s[i] = Math.max(x, y);
        }
        return s;
    }

    V bin(String op, V a, V b) {
        return new V(g.op(op, a.name(), b.name()), broadcast(a.shape(), b.shape()));
    }

    V add(V a, V b) {
        return bin("Add", a, b);
    }

    V mul(V a, V b) {
        return bin("Mul", a, b);
    }

    V unary(String op, V x) {
        return new V(g.op(op, x.name()), x.shape());
    }

    V relu(V x) {
        return unary("Relu", x);
    }

    /** Exact GELU, written as ONNX Runtime's Gelu fusion pattern. */
    V gelu(V x) {
        V e = unary("Erf", bin("Div", x, scalar((float) Math.sqrt(2.0))));
        return mul(mul(x, add(e, scalar(1f))), scalar(0.5f));
    }

    V act(String name, V x) {
        switch (name) {
            case "gelu":
                return gelu(x);
            case "relu":
                return relu(x);
            case "tanh":
                return unary("Tanh", x);
            case "sigmoid":
                return unary("Sigmoid", x);
            case "silu":
            case "swish":
                return mul(x, unary("Sigmoid", x));
            case "gelu_new":
            case "gelu_pytorch_tanh": {
                // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
                V cube = mul(mul(x, x), x);
                V inner = mul(add(x, mul(cube, scalar(0.044715f))), scalar((float) Math.sqrt(2.0 / Math.PI)));
                return mul(mul(x, scalar(0.5f)), add(unary("Tanh", inner), scalar(1f)));
            }
            case "quick_gelu":
                return mul(x, unary("Sigmoid", mul(x, scalar(1.702f))));
            case "linear":
            case "identity":
                return x;
            default:
                throw new UnsupportedOperationException("activation " + name + " has no ONNX export");
        }
    }

    // ------------------------------------------------------------------ layers

    V linear(Linear l, V x) {
        NDArray w = l.tensor("weight");
        long out = w.getShape().get(0);
        long in = w.getShape().get(1);
        long rows = 1;
        for (int i = 0; i < x.shape().length - 1; i++) {
            rows *= x.shape()[i];
        }
        long[] s = x.shape().clone();
        s[s.length - 1] = out;
        // Gemm with transB uses the [out, in] weight as stored (no transposed copy).
        V x2 = reshape(x, rows, in);
        String[] ins = l.hasTensor("bias")
                ? new String[] {x2.name(), constant("w", w).name(), constant("b", l.tensor("bias")).name()}
                : new String[] {x2.name(), constant("w", w).name()};
        V y = new V(g.op("Gemm", OnnxGraph.attrs("transB", 1L), ins), new long[] {rows, out});
        flops += 2 * rows * in * out;
        return reshape(y, s);
    }

    V conv(Conv2d c, V x) {
        long[] p = c.padding();
        return conv(x, c.tensor("weight"), c.hasTensor("bias") ? c.tensor("bias") : null, c.stride()[0],
                new long[] {p[0], p[1], p[0], p[1]}, c.dilation()[0], c.groups());
    }

    /** pads: top, left, bottom, right. */
    V conv(V x, NDArray weight, NDArray bias, long stride, long[] pads, long dilation, long groups) {
        long[] ws = weight.getShape().getShape();
        long kh = ws[2];
        long kw = ws[3];
        if (x.dim(1) != ws[1] * groups) {
            throw new IllegalArgumentException("a convolution expects " + ws[1] * groups + " input channels, got " + x.dim(1)
                    + (x.name().equals("pixel_values") ? ": pixel_values must have shape [batch, " + ws[1] * groups + ", height, width]" : ""));
        }
        long oh = (x.dim(2) + pads[0] + pads[2] - dilation * (kh - 1) - 1) / stride + 1;
        long ow = (x.dim(3) + pads[1] + pads[3] - dilation * (kw - 1) - 1) / stride + 1;
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException("input " + Arrays.toString(x.shape()) + " is smaller than the " + kh + "x" + kw + " kernel");
        }
        V w = constant("cw", weight);
        flops += 2 * x.dim(0) * ws[0] * oh * ow * ws[1] * kh * kw;
        String[] in = bias == null ? new String[] {x.name(), w.name()} : new String[] {x.name(), w.name(), constant("cb", bias).name()};
        return new V(g.op("Conv", OnnxGraph.attrs("kernel_shape", new long[] {kh, kw}, "strides", new long[] {stride, stride},
                "pads", new long[] {pads[0], pads[1], pads[2], pads[3]}, "dilations", new long[] {dilation, dilation}, "group", groups), in),
                new long[] {x.dim(0), ws[0], oh, ow});
    }

    V convTranspose(ConvTranspose2d c, V x) {
        long k = c.kernel();
        NDArray w = c.tensor("weight");
        long out = w.getShape().get(1);
        flops += 2 * x.dim(0) * x.dim(1) * x.dim(2) * x.dim(3) * out * k * k;
        return new V(g.op("ConvTranspose", OnnxGraph.attrs("kernel_shape", new long[] {k, k}, "strides", new long[] {k, k}),
                x.name(), constant("tw", w).name(), constant("tb", c.tensor("bias")).name()),
                new long[] {x.dim(0), out, x.dim(2) * k, x.dim(3) * k});
    }

    V layerNorm(LayerNorm ln, V x) {
        return new V(g.op("LayerNormalization", OnnxGraph.attrs("axis", -1L, "epsilon", (float) ln.eps()),
                x.name(), constant("lnw", ln.tensor("weight")).name(), constant("lnb", ln.tensor("bias")).name()), x.shape());
    }

    V batchNorm(BatchNorm2d bn, V x) {
        return new V(g.op("BatchNormalization", OnnxGraph.attrs("epsilon", (float) bn.eps()), x.name(),
                constant("bnw", bn.tensor("weight")).name(), constant("bnb", bn.tensor("bias")).name(),
                constant("bnm", bn.tensor("running_mean")).name(), constant("bnv", bn.tensor("running_var")).name()), x.shape());
    }

    V block(HfBlock b, V x) {
        if (b == null || b instanceof DPTModeling.Identity) {
            return x;
        }
        if (b instanceof Conv2d) {
            return conv((Conv2d) b, x);
        }
        if (b instanceof ConvTranspose2d) {
            return convTranspose((ConvTranspose2d) b, x);
        }
        throw new UnsupportedOperationException(b.getClass().getSimpleName() + " has no ONNX export");
    }

    /**
     * Bilinear resize of [N, C, H, W] with ONNX Runtime's Resize: "linear" with "half_pixel" (source
     * coordinates clamped at 0, like torch's align_corners=False) or "align_corners". Same taps and
     * weights as torch up to float rounding. (The graph has no bicubic resize: the only one, DINOv2's
     * position embeddings, depends on the input size alone and is computed at export.)
     */
    V resize(V x, long oh, long ow, boolean alignCorners) {
        if (oh == x.dim(2) && ow == x.dim(3)) {
            return x;
        }
        String sizes = g.constantLong("sizes", new long[] {x.dim(0), x.dim(1), oh, ow}, 4);
        return new V(g.op("Resize", OnnxGraph.attrs("mode", "linear", "coordinate_transformation_mode",
                alignCorners ? "align_corners" : "half_pixel"), x.name(), "", "", sizes), new long[] {x.dim(0), x.dim(1), oh, ow});
    }

    // ------------------------------------------------------------------ DPT ViT

    /** Patch conv, flattened to tokens [N, grid, C]. */
    private V patchTokens(Conv2d projection, V x) {
        V e = conv(projection, x);
        return transpose(reshape(e, e.dim(0), e.dim(1), e.dim(2) * e.dim(3)), 0, 2, 1);
    }

    private V withCls(NDArray clsToken, V tokens, NDArray positions) {
        long n = tokens.dim(0);
        long c = tokens.dim(2);
        V cls = expand(constant("cls", clsToken), n, 1, c);
        return add(concat(1, cls, tokens), constant("pos", positions));
    }

    public V vitEmbeddings(DPTModeling.DPTViTEmbeddings e, V pixels) {
        DPTConfig c = e.config;
        NDArray pos = DPTModeling.resizePosEmbed(e.tensor("position_embeddings"), pixels.dim(2) / c.patchSize,
                pixels.dim(3) / c.patchSize, scratch);
        return withCls(e.tensor("cls_token"), patchTokens(e.patchEmbeddings.projection, pixels), pos);
    }

    /** The hybrid embeddings; the first two BiT maps are added to {@code intermediate}. */
    public V hybridEmbeddings(DPTModeling.DPTViTHybridEmbeddings e, V pixels, List<V> intermediate) {
        DPTConfig c = e.config;
        if (pixels.dim(2) != c.imageSize[0] || pixels.dim(3) != c.imageSize[1]) {
            throw new IllegalArgumentException("Input image size (" + pixels.dim(2) + "*" + pixels.dim(3) + ") doesn't match model ("
                    + c.imageSize[0] + "*" + c.imageSize[1] + "): DPT-Hybrid only accepts its configured image_size");
        }
        List<V> maps = bitFeatureMaps(e.backbone, pixels);
        intermediate.add(maps.get(0));
        intermediate.add(maps.get(1));
        V t = conv(e.projection, maps.get(maps.size() - 1));
        t = transpose(reshape(t, t.dim(0), t.dim(1), t.dim(2) * t.dim(3)), 0, 2, 1);
        NDArray pos = DPTModeling.resizePosEmbed(e.tensor("position_embeddings"), pixels.dim(2) / c.patchSize,
                pixels.dim(3) / c.patchSize, scratch);
        return withCls(e.tensor("cls_token"), t, pos);
    }

    private V attention(Linear query, Linear key, Linear value, int heads, int headSize, V h, float scale, boolean multiply) {
        long n = h.dim(0);
        long s = h.dim(1);
        V q = transpose(reshape(linear(query, h), n, s, heads, headSize), 0, 2, 1, 3);
        V k = transpose(reshape(linear(key, h), n, s, heads, headSize), 0, 2, 3, 1);
        V v = transpose(reshape(linear(value, h), n, s, heads, headSize), 0, 2, 1, 3);
        V scores = new V(g.op("MatMul", q.name(), k.name()), new long[] {n, heads, s, s});
        flops += 2 * 2 * n * heads * s * s * headSize;
        scores = multiply ? mul(scores, scalar(scale)) : bin("Div", scores, scalar(scale));
        V probs = new V(g.op("Softmax", OnnxGraph.attrs("axis", -1L), scores.name()), scores.shape());
        V ctx = new V(g.op("MatMul", probs.name(), v.name()), new long[] {n, heads, s, headSize});
        return reshape(transpose(ctx, 0, 2, 1, 3), n, s, (long) heads * headSize);
    }

    V vitLayer(DPTModeling.DPTViTLayer l, V h) {
        DPTModeling.DPTViTSelfAttention a = l.attention.attention;
        V ctx = attention(a.query, a.key, a.value, a.heads, a.headSize, layerNorm(l.layernormBefore, h),
                (float) Math.sqrt(a.headSize), false);
        V h1 = add(linear(l.attention.output.dense, ctx), h);
        V inter = act(l.intermediate.act, linear(l.intermediate.dense, layerNorm(l.layernormAfter, h1)));
        return add(linear(l.output.dense, inter), h1);
    }

    /** DPTModel without pooler: every hidden state (embeddings first), and the hybrid's BiT maps. */
    public List<V> dptModel(DPTModeling.DPTModelBlock m, V pixels, List<V> intermediate) {
        V h = m.embeddings instanceof DPTModeling.DPTViTHybridEmbeddings
                ? hybridEmbeddings((DPTModeling.DPTViTHybridEmbeddings) m.embeddings, pixels, intermediate)
                : vitEmbeddings((DPTModeling.DPTViTEmbeddings) m.embeddings, pixels);
        List<V> hs = new ArrayList<>();
        hs.add(h);
        for (DPTModeling.DPTViTLayer l : m.encoder.layer.items()) {
            h = vitLayer(l, h);
            hs.add(h);
        }
        return hs;
    }

    // ------------------------------------------------------------------ BiT

    private List<V> bitFeatureMaps(BitModeling.BitBackbone b, V pixels) {
        V stem = bitEmbeddings(b.bit.embedder, pixels);
        List<V> hs = new ArrayList<>();
        hs.add(stem);
        V h = stem;
        for (BitModeling.BitStage s : b.bit.encoder.stages.items()) {
            for (BitModeling.BitBottleneckLayer l : s.layers.items()) {
                h = bottleneck(l, h);
            }
            hs.add(h);
        }
        List<V> maps = new ArrayList<>();
        for (int i = 0; i < b.config.stageNames().size() && i < hs.size(); i++) {
            if (b.config.outFeatures().contains(b.config.stageNames().get(i))) {
                maps.add(hs.get(i));
            }
        }
        return maps;
    }

    private V wsConv(BitModeling.WeightStandardizedConv2d c, V x) {
        long[] pads;
        if (c.dynamic) {
            long ph = BitModeling.samePadding(x.dim(2), c.kernel, c.stride, c.dilation);
            long pw = BitModeling.samePadding(x.dim(3), c.kernel, c.stride, c.dilation);
            pads = new long[] {ph / 2, pw / 2, ph - ph / 2, pw - pw / 2};
        } else {
            pads = new long[] {c.padding, c.padding, c.padding, c.padding};
        }
        return conv(x, c.standardizedWeight(), null, c.stride, pads, c.dilation, c.groups);
    }

    private V groupNormAct(BitModeling.BitGroupNormActivation n, V x) {
        long b = x.dim(0);
        long ch = x.dim(1);
        V r = reshape(x, b, n.groups, (ch / n.groups) * x.dim(2) * x.dim(3));
        float[] ones = new float[n.groups];
        Arrays.fill(ones, 1f);
        V normed = new V(g.op("InstanceNormalization", OnnxGraph.attrs("epsilon", 1e-5f), r.name(),
                constant("gn1", ones, n.groups).name(), constant("gn0", new float[n.groups], n.groups).name()), r.shape());
        V y = reshape(normed, x.shape());
        y = add(mul(y, constant("gw", n.tensor("weight").reshape(ch, 1, 1))), constant("gb", n.tensor("bias").reshape(ch, 1, 1)));
        return n.act == null ? y : act(n.act, y);
    }

    private V bitEmbeddings(BitModeling.BitEmbeddings e, V pixels) {
        V x = wsConv(e.convolution, pixels);
        if (!e.samePadding) {
            x = pad(x, 1, 1, 1, 1);
        }
        if (e.norm != null) {
            x = groupNormAct(e.norm, x);
        }
        if (e.dynamicPool) {
            long ph = BitModeling.samePadding(x.dim(2), 3, 2, 1);
            long pw = BitModeling.samePadding(x.dim(3), 3, 2, 1);
            x = pad(x, ph / 2, pw / 2, ph - ph / 2, pw - pw / 2);
        }
        long oh = (x.dim(2) - 3) / 2 + 1;
        long ow = (x.dim(3) - 3) / 2 + 1;
        return new V(g.op("MaxPool", OnnxGraph.attrs("kernel_shape", new long[] {3, 3}, "strides", new long[] {2, 2}), x.name()),
                new long[] {x.dim(0), x.dim(1), oh, ow});
    }

    /** Zero padding of H and W: top, left, bottom, right. */
    private V pad(V x, long top, long left, long bottom, long right) {
        if (top == 0 && left == 0 && bottom == 0 && right == 0) {
            return x;
        }
        String pads = g.constantLong("pads", new long[] {0, 0, top, left, 0, 0, bottom, right}, 8);
        return new V(g.op("Pad", x.name(), pads), new long[] {x.dim(0), x.dim(1), x.dim(2) + top + bottom, x.dim(3) + left + right});
    }

    private V bottleneck(BitModeling.BitBottleneckLayer l, V x) {
        V shortcut = x;
        if (l.downsample != null) {
            shortcut = wsConv(l.downsample.conv, x);
            if (l.downsample.norm != null) {
                shortcut = groupNormAct(l.downsample.norm, shortcut);
            }
        }
        V h = groupNormAct(l.norm1, wsConv(l.conv1, x));
        h = groupNormAct(l.norm2, wsConv(l.conv2, h));
        h = groupNormAct(l.norm3, wsConv(l.conv3, h));
        return act(l.act, add(h, shortcut));
    }

    // ------------------------------------------------------------------ DINOv2

    public List<V> dinov2FeatureMaps(Dinov2Modeling.Dinov2Backbone b, V pixels) {
        Dinov2Config c = b.config;
        Dinov2Modeling.Dinov2Embeddings e = b.embeddings;
        V tokens = patchTokens(e.patchEmbeddings.projection, pixels);
        NDArray pos = e.positions(tokens.dim(1), pixels.dim(2), pixels.dim(3), scratch);
        V h = withCls(e.tensor("cls_token"), tokens, pos);
        List<V> all = new ArrayList<>();
        all.add(h);
        for (Dinov2Modeling.Dinov2Layer l : b.encoder.layer.items()) {
            Dinov2Modeling.Dinov2SelfAttention a = l.attention.attention;
            V ctx = attention(a.query, a.key, a.value, a.heads, a.headSize, layerNorm(l.norm1, h),
                    (float) Math.pow(a.headSize, -0.5), true);
            V att = linear(l.attention.output.dense, ctx);
            V h1 = add(mul(att, constant("ls", l.layerScale1.tensor("lambda1"))), h);
            if (!(l.mlp instanceof Dinov2Modeling.Dinov2MLP)) {
                throw new UnsupportedOperationException("SwiGLU DINOv2 has no ONNX export");
            }
            Dinov2Modeling.Dinov2MLP mlp = (Dinov2Modeling.Dinov2MLP) l.mlp;
            V m = linear(mlp.fc2, act(mlp.act, linear(mlp.fc1, layerNorm(l.norm2, h1))));
            h = add(mul(m, constant("ls", l.layerScale2.tensor("lambda1"))), h1);
            all.add(h);
        }
        List<V> maps = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (!c.selectsStage(i)) {
                continue;
            }
            V x = c.applyLayernorm ? layerNorm(b.layernorm, all.get(i)) : all.get(i);
            if (c.reshapeHiddenStates) {
                throw new UnsupportedOperationException("reshape_hidden_states has no ONNX export");
            }
            maps.add(x);
        }
        return maps;
    }

    // ------------------------------------------------------------------ DPT neck and heads

    public List<V> dptNeck(DPTModeling.DPTNeck neck, List<V> hidden, Long patchHeight, Long patchWidth) {
        if (neck.reassembleStage == null) {
            throw new UnsupportedOperationException("hierarchical backbones (Swinv2) have no ONNX export");
        }
        DPTModeling.DPTReassembleStage rs = neck.reassembleStage;
        DPTConfig c = rs.config;
        List<V> hs = new ArrayList<>();
        for (int i = 0; i < hidden.size(); i++) {
            V x = hidden.get(i);
            if (c.neckIgnoreStages.contains(i)) {
                hs.add(x);
                continue;
            }
            long b = x.dim(0);
            long seq = x.dim(1) - 1;
            long ch = x.dim(2);
            long ph = patchHeight != null ? patchHeight : (long) Math.floor(Math.sqrt(seq));
            long pw = patchWidth != null ? patchWidth : ph;
            if (ph * pw != seq) {
                throw new IllegalArgumentException("DPT's neck reshapes the " + seq + " patch tokens into a square grid: head models need a square token grid");
            }
            V cls = slice(x, 1, 0, 1);
            V tokens = slice(x, 1, 1, seq + 1);
            V h;
            switch (c.readoutType) {
                case "project": {
                    DPTModeling.ReadoutProject p = (DPTModeling.ReadoutProject) rs.readoutProjects.get(i);
                    h = act(p.act, linear(p.linear, concat(-1, tokens, expand(cls, b, seq, ch))));
                    break;
                }
                case "add":
                    h = add(tokens, cls);
                    break;
                default:
                    h = tokens;
            }
            h = transpose(reshape(h, b, ph, pw, h.dim(2)), 0, 3, 1, 2);
            DPTModeling.DPTReassembleLayer layer = (DPTModeling.DPTReassembleLayer) rs.layers.get(i);
            hs.add(block(layer.resize, conv(layer.projection, h)));
        }
        List<V> features = new ArrayList<>();
        for (int i = 0; i < hs.size(); i++) {
            features.add(conv(neck.convs.get(i), hs.get(i)));
        }
        List<V> fused = new ArrayList<>();
        V h = null;
        for (int i = 0; i < features.size(); i++) {
            V f = features.get(features.size() - 1 - i);
            DPTModeling.DPTFeatureFusionLayer l = neck.fusionStage.layers.get(i);
            if (h != null) {
                V residual = f;
                if (!Arrays.equals(h.shape(), residual.shape())) {
                    residual = resize(residual, h.dim(2), h.dim(3), false);
                }
                h = add(h, preAct(l.residualLayer1, residual));
            } else {
                h = f;
            }
            h = preAct(l.residualLayer2, h);
            h = resize(h, h.dim(2) * 2, h.dim(3) * 2, true);
            h = conv(l.projection, h);
            fused.add(h);
        }
        return fused;
    }

    private V preAct(DPTModeling.DPTPreActResidualLayer r, V x) {
        V h = conv(r.convolution1, relu(x));
        if (r.batchNorm1 != null) {
            h = batchNorm(r.batchNorm1, h);
        }
        h = conv(r.convolution2, relu(h));
        if (r.batchNorm2 != null) {
            h = batchNorm(r.batchNorm2, h);
        }
        return add(h, x);
    }

    public V depthHead(DPTModeling.DPTDepthEstimationHead head, List<V> fused) {
        V h = fused.get(head.headInIndex < 0 ? fused.size() + head.headInIndex : head.headInIndex);
        if (head.projection != null) {
            h = relu(conv(head.projection, h));
        }
        h = conv(head.head.get(0), h);
        h = resize(h, h.dim(2) * 2, h.dim(3) * 2, true);
        h = relu(conv(head.head.get(1), h));
        h = relu(conv(head.head.get(2), h));
        return reshape(h, h.dim(0), h.dim(2), h.dim(3));
    }

    public V segmentationHead(DPTModeling.DPTSemanticSegmentationHead head, List<V> fused) {
        V h = fused.get(head.headInIndex < 0 ? fused.size() + head.headInIndex : head.headInIndex);
        h = conv(head.classifier, relu(batchNorm(head.bn, conv(head.conv, h))));
        return resize(h, h.dim(2) * 2, h.dim(3) * 2, true);
    }

    public V auxiliaryHead(DPTModeling.DPTAuxiliaryHead head, V lastFused) {
        return conv(head.classifier, relu(batchNorm(head.bn, conv(head.conv, lastFused))));
    }

    // ------------------------------------------------------------------ Depth Anything

    public V depthAnything(DepthAnythingModeling.DepthAnythingNeck neck, DepthAnythingModeling.DepthAnythingDepthEstimationHead head,
            List<V> hidden, long patchHeight, long patchWidth) {
        DepthAnythingConfig c = neck.config;
        List<V> hs = new ArrayList<>();
        for (int i = 0; i < hidden.size(); i++) {
            V x = hidden.get(i);
            V t = slice(x, 1, 1, x.dim(1));
            if (t.dim(1) != patchHeight * patchWidth) {
                throw new IllegalArgumentException("the backbone returned " + t.dim(1) + " patch tokens for a " + patchHeight + "x" + patchWidth + " grid");
            }
            t = transpose(reshape(t, t.dim(0), patchHeight, patchWidth, t.dim(2)), 0, 3, 1, 2);
            DepthAnythingModeling.DepthAnythingReassembleLayer layer = neck.reassembleStage.layers.get(i);
            hs.add(block(layer.resize, conv(layer.projection, t)));
        }
        List<V> features = new ArrayList<>();
        for (int i = 0; i < hs.size(); i++) {
            features.add(conv(neck.convs.get(i), hs.get(i)));
        }
        int n = features.size();
        List<V> fused = new ArrayList<>();
        V h = null;
        for (int i = 0; i < n; i++) {
            V f = features.get(n - 1 - i);
            DepthAnythingModeling.DepthAnythingFeatureFusionLayer l = neck.fusionStage.layers.get(i);
            if (h != null) {
                V residual = f;
                if (!Arrays.equals(h.shape(), residual.shape())) {
                    residual = resize(residual, h.dim(2), h.dim(3), false);
                }
                h = add(h, daPreAct(l.residualLayer1, residual));
            } else {
                h = f;
            }
            h = daPreAct(l.residualLayer2, h);
            long oh = i == n - 1 ? h.dim(2) * 2 : features.get(n - 2 - i).dim(2);
            long ow = i == n - 1 ? h.dim(3) * 2 : features.get(n - 2 - i).dim(3);
            h = conv(l.projection, resize(h, oh, ow, true));
            fused.add(h);
        }
        int idx = c.headInIndex < 0 ? fused.size() + c.headInIndex : c.headInIndex;
        V x = conv(head.conv1, fused.get(idx));
        x = resize(x, patchHeight * c.patchSize, patchWidth * c.patchSize, true);
        x = conv(head.conv3, relu(conv(head.conv2, x)));
        x = c.isMetric() ? unary("Sigmoid", x) : relu(x);
        x = mul(x, scalar((float) c.maxDepth));
        return reshape(x, x.dim(0), x.dim(2), x.dim(3));
    }

    private V daPreAct(DepthAnythingModeling.DepthAnythingPreActResidualLayer r, V x) {
        return add(conv(r.convolution2, relu(conv(r.convolution1, relu(x)))), x);
    }
}
