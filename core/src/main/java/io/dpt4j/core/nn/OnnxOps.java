package io.dpt4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import io.dpt4j.core.onnx.OnnxGraph;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@link Ops} written as ONNX nodes (opset 17) through {@link OnnxGraph}. Sizes that the graph's input
 * leaves symbolic are computed in the graph (Shape, then int64 Add/Mul/Div...) only where an op needs
 * them; known sizes are constants, so a graph built for a fixed input size is fully static.
 *
 * <p>Weights are initializers: by default zero-copy views of the loaded tensors handed to ONNX Runtime
 * as in-memory external data, or (for a self-contained file) written into the model bytes. Linear
 * layers are Gemm (transB) on their stored [out, in] weight, so graph passes (e.g. quantization) find
 * every weight as a Gemm/MatMul/Conv initializer.
 */
public final class OnnxOps implements Ops {
    /** Weights at least this large stay outside the model bytes (in-memory external initializers). */
    static final long EXTERNAL_MIN_ELEMENTS = 1024;

    private final OnnxGraph g = new OnnxGraph();
    private final boolean inline;
    /** Only follow the sizes (and the modules' checks on them): no nodes, no weights. */
    private final boolean dry;
    /** May use ONNX Runtime's com.microsoft operators (sessions, int8 files); else standard ONNX only. */
    private final boolean contribOps;
    private final Map<NDArray, String> weights = new IdentityHashMap<>();
    private final Map<Dim, String> dimValues = new HashMap<>();
    private final Map<String, String> longConstants = new HashMap<>();
    private final Map<Float, String> scalars = new HashMap<>();
    private long flops;
    private boolean flopsKnown = true;

    /**
     * @param inline write every weight into the model bytes (a self-contained .onnx file)
     * @param contribOps allow ONNX Runtime's com.microsoft operators (fused attention); false keeps the
     *     graph to standard ONNX, for a file any ONNX runtime can read
     */
    public OnnxOps(boolean inline, boolean contribOps) {
        this(inline, false, contribOps);
    }

    private OnnxOps(boolean inline, boolean dry, boolean contribOps) {
        this.inline = inline;
        this.dry = dry;
        this.contribOps = contribOps;
    }

    /**
     * Ops that only follow sizes: writing a model with them runs every module's size arithmetic and
     * checks (and counts FLOPs) for a concrete input shape in a fraction of a graph build.
     */
    public static OnnxOps sizesOnly() {
        return new OnnxOps(false, true, true);
    }

    // ---------------------------------------------------------------- node writing (skipped when dry)

    private String op(String type, Map<String, Object> attrs, String... in) {
        return dry ? type : g.op(type, attrs, in);
    }

    private String op(String type, String... in) {
        return dry ? type : g.op(type, in);
    }

    private String constantLong(String hint, long[] data, long... dims) {
        return dry ? hint : g.constantLong(hint, data, dims);
    }

    private String constantRaw(String hint, byte[] raw, long... dims) {
        return dry ? hint : g.constantRaw(hint, raw, dims);
    }

    private String constant(String hint, float[] data, long... dims) {
        return dry ? hint : g.constant(hint, data, dims);
    }

    public OnnxGraph graph() {
        return g;
    }

    /** FLOPs (2 per multiply-add) of the matmuls and convolutions, or -1 where a size is symbolic. */
    public long flops() {
        return flopsKnown ? flops : -1;
    }

    private void count(long f, Dim... dims) {
        if (Dim.allKnown(dims)) {
            flops += f;
        } else {
            flopsKnown = false;
        }
    }

    static final class Value extends Tensor {
        final OnnxOps ops;
        final String name;
        final Dim[] dims;

        Value(OnnxOps ops, String name, Dim[] dims) {
            this.ops = ops;
            this.name = name;
            this.dims = dims;
        }

        @Override
        public Ops ops() {
            return ops;
        }

        @Override
        public Dim[] dims() {
            return dims.clone();
        }

        @Override
        public NDArray nd() {
            throw new UnsupportedOperationException("a graph value has no data: " + name);
        }
    }

    private static String n(Tensor t) {
        return t == null ? "" : ((Value) t).name;
    }

    private Value v(String name, Dim... dims) {
        return new Value(this, name, dims);
    }

    // ---------------------------------------------------------------- inputs and outputs

    /**
     * A float input; each dim is a number or a String naming a symbolic size ("batch", "height"...),
     * whose value the graph reads from the input's shape.
     */
    public Tensor input(String name, Object... dims) {
        if (!dry) {
            g.input(name, dims);
        }
        Dim[] d = new Dim[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] instanceof String) {
                d[i] = Dim.symbol(op("Shape", OnnxGraph.attrs("start", (long) i, "end", (long) i + 1), name));
            } else {
                d[i] = Dim.of(((Number) dims[i]).longValue());
            }
        }
        return v(name, d);
    }

    /** Declares {@code t} a graph output under {@code name}. */
    public void output(Tensor t, String name) {
        if (dry) {
            return;
        }
        g.rename(n(t), name);
        Dim[] d = t.dims();
        Object[] dims = new Object[d.length];
        for (int i = 0; i < d.length; i++) {
            dims[i] = d[i].isKnown() ? (Object) d[i].value() : name + "_dim" + i;
        }
        g.output(name, dims);
    }

    // ---------------------------------------------------------------- sizes

    private String longs(long... values) {
        return longConstants.computeIfAbsent(Arrays.toString(values), k -> constantLong("c", values, values.length));
    }

    /** The graph value ([1] int64) of a dim. */
    String dimValue(Dim d) {
        if (d.isKnown()) {
            return longs(d.value());
        }
        if (d.source != null) {
            return d.source;
        }
        String cached = dimValues.get(d);
        if (cached != null) {
            return cached;
        }
        String r;
        if (d.op.equals("Sqrt")) {
            String f = op("Cast", OnnxGraph.attrs("to", 11L), dimValue(d.a));
            r = op("Cast", OnnxGraph.attrs("to", 7L), op("Floor", op("Sqrt", f)));
        } else {
            r = op(d.op, dimValue(d.a), dimValue(d.b));
        }
        dimValues.put(d, r);
        return r;
    }

    /** The graph value ([rank] int64) of a shape. */
    String shapeValue(Dim... dims) {
        if (Dim.allKnown(dims)) {
            return longs(Dim.values(dims));
        }
        List<String> parts = new ArrayList<>();
        List<Long> run = new ArrayList<>();
        for (Dim d : dims) {
            if (d.isKnown()) {
                run.add(d.value());
            } else {
                if (!run.isEmpty()) {
                    parts.add(longs(run.stream().mapToLong(Long::longValue).toArray()));
                    run.clear();
                }
                parts.add(dimValue(d));
            }
        }
        if (!run.isEmpty()) {
            parts.add(longs(run.stream().mapToLong(Long::longValue).toArray()));
        }
        return op("Concat", OnnxGraph.attrs("axis", 0L), parts.toArray(new String[0]));
    }

    // ---------------------------------------------------------------- constants

    @Override
    public Tensor weight(String key, NDArray value) {
        long[] shape = value.getShape().getShape();
        String name = weights.get(value);
        if (dry) {
            name = "w";
        } else if (name == null) {
            NDArray f = value.getDataType() == DataType.FLOAT32 ? value : value.toType(DataType.FLOAT32, false);
            String hint = key == null ? "w" : key;
            if (f.size() >= EXTERNAL_MIN_ELEMENTS) {
                // A view of the tensor's memory (a weight mapped from safetensors, or a derived tensor kept
                // with the weights): no copy into the model bytes, nor (inline) into the heap before the
                // file is streamed.
                ByteBuffer view = ((PtNDArray) f).toByteBuffer(true).order(ByteOrder.LITTLE_ENDIAN);
                name = inline ? g.initializer(g.fresh(hint), OnnxGraph.FLOAT, shape, view, false) : g.external(hint, view, shape);
            } else {
                name = constantRaw(hint, f.toByteArray(), shape);
            }
            weights.put(value, name);
        }
        return v(name, Dim.of(shape));
    }

    @Override
    public Tensor constant(float[] data, long... shape) {
        return v(constant("k", data, shape), Dim.of(shape));
    }

    @Override
    public Tensor scalar(float value) {
        return v(scalars.computeIfAbsent(value, x -> constant("scalar", new float[] {x})), Dim.of(1));
    }

    // ---------------------------------------------------------------- shape

    @Override
    public Tensor reshape(Tensor x, Dim... shape) {
        if (Arrays.equals(x.dims(), shape)) {
            return x;
        }
        return v(op("Reshape", n(x), shapeValue(shape)), shape);
    }

    @Override
    public Tensor transpose(Tensor x, int... perm) {
        Dim[] d = x.dims();
        Dim[] s = new Dim[perm.length];
        long[] p = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            s[i] = d[perm[i]];
            p[i] = perm[i];
        }
        return v(op("Transpose", OnnxGraph.attrs("perm", p), n(x)), s);
    }

    @Override
    public Tensor slice(Tensor x, int axis, Dim start, Dim end) {
        Dim[] d = x.dims();
        Dim size = d[axis];
        Dim e = end;
        if (end.isKnown() && size.isKnown()) {
            e = Dim.of(Math.min(end.value(), size.value()));
        }
        Dim st = start.isKnown() && size.isKnown() ? Dim.of(Math.min(start.value(), size.value())) : start;
        if (st.isKnown() && st.value() == 0 && e.equals(size)) {
            return x;
        }
        d[axis] = e.minus(st);
        return v(op("Slice", n(x), dimValue(st), dimValue(e), longs(axis)), d);
    }

    @Override
    public Tensor concat(int axis, Tensor... xs) {
        Dim[] d = xs[0].dims();
        int a = axis < 0 ? d.length + axis : axis;
        Dim sum = Dim.of(0);
        String[] names = new String[xs.length];
        for (int i = 0; i < xs.length; i++) {
            sum = sum.plus(xs[i].dim(a));
            names[i] = n(xs[i]);
        }
        d[a] = sum;
        return v(op("Concat", OnnxGraph.attrs("axis", (long) a), names), d);
    }

    @Override
    public Tensor expand(Tensor x, Dim... shape) {
        return v(op("Expand", n(x), shapeValue(shape)), shape);
    }

    // ---------------------------------------------------------------- elementwise

    private static Dim[] broadcast(Dim[] a, Dim[] b) {
        int r = Math.max(a.length, b.length);
        Dim[] s = new Dim[r];
        for (int i = 0; i < r; i++) {
            Dim x = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : Dim.of(1);
            Dim y = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : Dim.of(1);
            if (x.isKnown() && x.value() == 1) {
                s[i] = y;
            } else if (y.isKnown() && y.value() == 1) {
                s[i] = x;
            } else {
                s[i] = x.isKnown() ? x : y;
            }
        }
        return s;
    }

    @Override
    public Tensor binary(String op, Tensor a, Tensor b) {
        return v(op(op, n(a), n(b)), broadcast(a.dims(), b.dims()));
    }

    @Override
    public Tensor unary(String op, Tensor x) {
        if (op.equals("Gelu")) {
            // Exact GELU, written as ONNX Runtime's Gelu fusion pattern: x * (erf(x / sqrt 2) + 1) * 0.5
            Tensor e = unary("Erf", x.div((float) Math.sqrt(2.0)));
            return x.mul(e.add(1f)).mul(0.5f);
        }
        return v(op(op, n(x)), x.dims());
    }

    @Override
    public Tensor softmax(Tensor x, int axis) {
        return v(op("Softmax", OnnxGraph.attrs("axis", (long) axis), n(x)), x.dims());
    }

    // ---------------------------------------------------------------- layers

    @Override
    public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        Dim out = weight.dim(0);
        Dim in = weight.dim(1);
        Dim[] d = x.dims();
        Dim rows = Dim.of(1);
        for (int i = 0; i < d.length - 1; i++) {
            rows = rows.times(d[i]);
        }
        count(2 * (rows.isKnown() ? rows.value() : 0) * in.value() * out.value(), rows);
        // Gemm with transB uses the [out, in] weight as stored (no transposed copy).
        String x2 = d.length == 2 ? n(x) : op("Reshape", n(x), longs(-1, in.value()));
        String y = bias == null ? op("Gemm", OnnxGraph.attrs("transB", 1L), x2, n(weight))
                : op("Gemm", OnnxGraph.attrs("transB", 1L), x2, n(weight), n(bias));
        d[d.length - 1] = out;
        return d.length == 2 ? v(y, d) : v(op("Reshape", y, shapeValue(d)), d);
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        Dim[] da = a.dims();
        Dim[] db = b.dims();
        Dim[] batch = broadcast(Arrays.copyOf(da, da.length - 2), Arrays.copyOf(db, db.length - 2));
        Dim[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = da[da.length - 2];
        s[batch.length + 1] = db[db.length - 1];
        long size = 1;
        for (Dim x : s) {
            size *= x.isKnown() ? x.value() : 0;
        }
        Dim k = da[da.length - 1];
        count(2 * size * (k.isKnown() ? k.value() : 0), s);
        return v(op("MatMul", n(a), n(b)), s);
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, long stride, long[] pads, long dilation, long groups) {
        long[] ws = weight.shape();
        Dim[] d = x.dims();
        if (d.length != 4) {
            throw new IllegalArgumentException("a convolution expects [batch, channels, height, width], got " + Arrays.toString(d));
        }
        if (d[1].isKnown() && d[1].value() != ws[1] * groups) {
            throw new IllegalArgumentException("a convolution expects " + ws[1] * groups + " input channels, got " + d[1]);
        }
        Dim oh = d[2].plus(pads[0] + pads[2] - dilation * (ws[2] - 1) - 1).div(stride).plus(1);
        Dim ow = d[3].plus(pads[1] + pads[3] - dilation * (ws[3] - 1) - 1).div(stride).plus(1);
        if (oh.isKnown() && ow.isKnown() && (oh.value() <= 0 || ow.value() <= 0)) {
            throw new IllegalArgumentException("input " + Arrays.toString(d) + " is smaller than the " + ws[2] + "x" + ws[3] + " kernel");
        }
        Dim[] s = {d[0], Dim.of(ws[0]), oh, ow};
        if (Dim.allKnown(s)) {
            count(2 * s[0].value() * ws[0] * oh.value() * ow.value() * ws[1] * ws[2] * ws[3]);
        } else {
            flopsKnown = false;
        }
        String[] in = bias == null ? new String[] {n(x), n(weight)} : new String[] {n(x), n(weight), n(bias)};
        return v(op("Conv", OnnxGraph.attrs("kernel_shape", new long[] {ws[2], ws[3]}, "strides", new long[] {stride, stride},
                "pads", new long[] {pads[0], pads[1], pads[2], pads[3]}, "dilations", new long[] {dilation, dilation},
                "group", groups), in), s);
    }

    @Override
    public Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, int k) {
        Dim[] d = x.dims();
        long out = weight.dim(1).value();
        Dim[] s = {d[0], Dim.of(out), d[2].times(k), d[3].times(k)};
        if (Dim.allKnown(d)) {
            count(2 * d[0].value() * d[1].value() * d[2].value() * d[3].value() * out * k * k);
        } else {
            flopsKnown = false;
        }
        String[] in = bias == null ? new String[] {n(x), n(weight)} : new String[] {n(x), n(weight), n(bias)};
        return v(op("ConvTranspose", OnnxGraph.attrs("kernel_shape", new long[] {k, k}, "strides", new long[] {k, k}), in), s);
    }

    /**
     * ONNX Runtime's {@code com.microsoft.MultiHeadAttention}: no [heads, seq, seq] score tensor goes
     * through memory between separate MatMul and Softmax nodes. Measured on 2 Zen 4 cores: attention
     * 1.46x faster at 1,370 tokens (depth-anything-v2-small's whole forward 6-10% faster, f32 and int8),
     * no difference at 577 (dpt-large).
     */
    @Override
    public Tensor fusedAttention(Tensor q, Tensor k, Tensor v, int heads, float scale) {
        if (!contribOps) {
            return null;
        }
        Dim[] d = q.dims();
        Dim s = d[1];
        Dim e = d[2];
        long n = d[0].isKnown() && s.isKnown() && e.isKnown() ? d[0].value() * s.value() * s.value() * e.value() : 0;
        count(4 * n, d);
        String out = dry ? "MultiHeadAttention"
                : g.opIn(OnnxGraph.MICROSOFT_DOMAIN, "MultiHeadAttention", OnnxGraph.attrs("num_heads", (long) heads, "scale", scale), n(q), n(k), n(v));
        return v(out, d);
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        return v(op("LayerNormalization", OnnxGraph.attrs("axis", -1L, "epsilon", (float) eps), n(x), n(weight), n(bias)), x.dims());
    }

    @Override
    public Tensor batchNorm(Tensor x, Tensor mean, Tensor var, Tensor weight, Tensor bias, double eps) {
        return v(op("BatchNormalization", OnnxGraph.attrs("epsilon", (float) eps), n(x), n(weight), n(bias), n(mean), n(var)),
                x.dims());
    }

    /** InstanceNormalization over [N, groups, rest] (unit scale), then the per-channel affine. */
    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
        long c = x.dim(1).value();
        String r = op("Reshape", n(x), longs(0, groups, -1));
        float[] ones = new float[groups];
        Arrays.fill(ones, 1f);
        String normed = op("InstanceNormalization", OnnxGraph.attrs("epsilon", (float) eps), r,
                constant("gn1", ones, groups), constant("gn0", new float[groups], groups));
        Tensor y = v(op("Reshape", normed, op("Shape", n(x))), x.dims());
        return y.mul(weight.reshape(c, 1, 1)).add(bias.reshape(c, 1, 1));
    }

    /** ONNX Pad with the (begin..., end...) pads of every axis built from F.pad's trailing pairs. */
    @Override
    public Tensor pad(Tensor x, Dim[] pads, float value) {
        boolean zero = true;
        for (Dim p : pads) {
            zero &= p.isKnown() && p.value() == 0;
        }
        if (zero) {
            return x;
        }
        Dim[] d = x.dims();
        int r = d.length;
        Dim[] all = new Dim[2 * r];
        Arrays.fill(all, Dim.of(0));
        for (int i = 0; i < pads.length / 2; i++) {
            int axis = r - 1 - i;
            all[axis] = pads[2 * i];
            all[r + axis] = pads[2 * i + 1];
            d[axis] = d[axis].plus(pads[2 * i]).plus(pads[2 * i + 1]);
        }
        return v(op("Pad", n(x), shapeValue(all), constant("padv", new float[] {value})), d);
    }

    @Override
    public Tensor maxPool2d(Tensor x, int kernel, int stride) {
        Dim[] d = x.dims();
        d[2] = d[2].minus(kernel).div(stride).plus(1);
        d[3] = d[3].minus(kernel).div(stride).plus(1);
        return v(op("MaxPool", OnnxGraph.attrs("kernel_shape", new long[] {kernel, kernel}, "strides", new long[] {stride, stride}),
                n(x)), d);
    }

    /**
     * ONNX Resize with torch's coordinates: "half_pixel" (linear clamps negative source coordinates to
     * 0 as torch's align_corners=False does; cubic does not, as torch) or "align_corners"; cubic with
     * A = -0.75 and taps clamped to the border (exclude_outside 0), as torch's upsample_bicubic2d.
     */
    @Override
    public Tensor interpolate(Tensor x, Dim h, Dim w, boolean bicubic, boolean alignCorners) {
        Dim[] d = x.dims();
        if (d[2].equals(h) && d[3].equals(w)) {
            return x;
        }
        Dim[] s = {d[0], d[1], h, w};
        String sizes = shapeValue(s);
        return v(op("Resize", OnnxGraph.attrs("mode", bicubic ? "cubic" : "linear", "cubic_coeff_a", -0.75f,
                "coordinate_transformation_mode", alignCorners ? "align_corners" : "half_pixel"), n(x), "", "", sizes), s);
    }

    @Override
    public Tensor[] scope(Tensor[] inputs, Function<Tensor[], Tensor[]> f) {
        return f.apply(inputs);
    }

    @Override
    public boolean eager() {
        return false;
    }

    // --- ops added for BEiT ---

    /** A known n is a constant; a symbolic one is ONNX Range(0, n, 1) on int64 scalars. */
    @Override
    public Tensor arange(Dim n) {
        if (n.isKnown()) {
            long[] r = new long[Math.toIntExact(n.value())];
            for (int i = 0; i < r.length; i++) {
                r[i] = i;
            }
            return v(constantLong("range", r, r.length), n);
        }
        String limit = op("Squeeze", dimValue(n), longs(0));
        String zero = longConstants.computeIfAbsent("scalar 0", k -> constantLong("c", new long[] {0}));
        String one = longConstants.computeIfAbsent("scalar 1", k -> constantLong("c", new long[] {1}));
        return v(op("Range", zero, limit, one), n);
    }

    @Override
    public Tensor sizes(Dim... values) {
        return v(shapeValue(values), Dim.of(values.length));
    }

    @Override
    public Tensor gather(Tensor x, int axis, Tensor indices) {
        Dim[] d = x.dims();
        Dim[] idx = indices.dims();
        Dim[] s = new Dim[d.length - 1 + idx.length];
        System.arraycopy(d, 0, s, 0, axis);
        System.arraycopy(idx, 0, s, axis, idx.length);
        System.arraycopy(d, axis + 1, s, axis + idx.length, d.length - axis - 1);
        return v(op("Gather", OnnxGraph.attrs("axis", (long) axis), n(x), n(indices)), s);
    }

    // --- ops added for Swinv2 ---

    /** ReduceL2 over the last axis (opset 17: axes as an attribute), clamped below at eps, then Div. */
    @Override
    public Tensor l2Normalize(Tensor x, double eps) {
        Dim[] d = x.dims();
        d[d.length - 1] = Dim.of(1);
        Tensor norm = v(op("ReduceL2", OnnxGraph.attrs("axes", new long[] {-1}, "keepdims", 1L), n(x)), d);
        return x.div(norm.maximum(scalar((float) eps)));
    }
}
