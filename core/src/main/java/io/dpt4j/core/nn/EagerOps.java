package io.dpt4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.function.Function;

/**
 * {@link Ops} on libtorch through DJL: every op is one torch call (see {@link F}), so the numbers are
 * torch's own. One instance serves one forward pass: results of ops whose first operand is a weight
 * are moved to the innermost {@link #scope}'s memory, so nothing accumulates on the weights' manager.
 */
public final class EagerOps implements Ops {
    private final Deque<NDManager> managers = new ArrayDeque<>();

    /** @param manager where tensors created from weights or constants go until a scope opens */
    public EagerOps(NDManager manager) {
        managers.push(manager);
    }

    /** Wraps an activation. */
    public Tensor wrap(NDArray a) {
        return a == null ? null : new Eager(this, a, false);
    }

    /** Wraps an NDArray as a tensor of a fresh single-use engine on the array's own manager. */
    public static Tensor of(NDArray a) {
        return new EagerOps(a.getManager()).wrap(a);
    }

    private NDManager current() {
        return managers.peek();
    }

    static final class Eager extends Tensor {
        final EagerOps ops;
        final NDArray a;
        final boolean param;

        Eager(EagerOps ops, NDArray a, boolean param) {
            this.ops = ops;
            this.a = a;
            this.param = param;
        }

        @Override
        public Ops ops() {
            return ops;
        }

        @Override
        public Dim[] dims() {
            return Dim.of(a.getShape().getShape());
        }

        @Override
        public NDArray nd() {
            return a;
        }
    }

    private static NDArray nd(Tensor t) {
        return t == null ? null : ((Eager) t).a;
    }

    /** The result of an op: owned by the current scope when its first operand was a weight. */
    private Tensor out(NDArray r, Tensor first) {
        if (((Eager) first).param && r.getManager() != current()) {
            r.attach(current());
        }
        return new Eager(this, r, false);
    }

    @Override
    public Tensor weight(String name, NDArray value) {
        return new Eager(this, value, true);
    }

    @Override
    public Tensor constant(float[] data, long... shape) {
        return new Eager(this, current().create(data, new Shape(shape)), false);
    }

    @Override
    public Tensor scalar(float v) {
        return new Eager(this, current().create(v), false);
    }

    @Override
    public Tensor reshape(Tensor x, Dim... shape) {
        return out(nd(x).reshape(new Shape(Dim.values(shape))), x);
    }

    @Override
    public Tensor transpose(Tensor x, int... perm) {
        return out(nd(x).transpose(perm), x);
    }

    @Override
    public Tensor slice(Tensor x, int axis, Dim start, Dim end) {
        NDIndex idx = new NDIndex();
        for (int i = 0; i < axis; i++) {
            idx.addAllDim();
        }
        long size = x.dim(axis).value();
        idx.addSliceDim(Math.min(start.value(), size), Math.min(end.value(), size));
        return out(nd(x).get(idx), x);
    }

    @Override
    public Tensor concat(int axis, Tensor... xs) {
        NDList l = new NDList();
        for (Tensor t : xs) {
            l.add(nd(t));
        }
        return out(NDArrays.concat(l, axis), xs[0]);
    }

    @Override
    public Tensor expand(Tensor x, Dim... shape) {
        return out(nd(x).broadcast(new Shape(Dim.values(shape))), x);
    }

    @Override
    public Tensor binary(String op, Tensor a, Tensor b) {
        NDArray x = nd(a);
        NDArray y = nd(b);
        NDArray r;
        switch (op) {
            case "Add":
                r = x.add(y);
                break;
            case "Sub":
                r = x.sub(y);
                break;
            case "Mul":
                r = x.mul(y);
                break;
            case "Div":
                r = x.div(y);
                break;
            case "Max":
                r = x.maximum(y);
                break;
            case "Min":
                r = x.minimum(y);
                break;
            case "Pow":
                r = x.pow(y);
                break;
            default:
                throw new IllegalArgumentException("unknown binary op " + op);
        }
        return out(r, a);
    }

    @Override
    public Tensor unary(String op, Tensor t) {
        NDArray x = nd(t);
        NDArray r;
        switch (op) {
            case "Relu":
                r = F.relu(x);
                break;
            case "Gelu":
                r = F.gelu(x);
                break;
            case "Tanh":
                r = x.tanh();
                break;
            case "Sigmoid":
                r = x.getNDArrayInternal().sigmoid();
                break;
            case "Exp":
                r = x.exp();
                break;
            case "Log":
                r = x.log();
                break;
            case "Sqrt":
                r = x.sqrt();
                break;
            case "Neg":
                r = x.neg();
                break;
            case "Abs":
                r = x.abs();
                break;
            default:
                throw new IllegalArgumentException("unknown unary op " + op);
        }
        return out(r, t);
    }

    @Override
    public Tensor softmax(Tensor x, int axis) {
        return out(F.softmax(nd(x), axis), x);
    }

    @Override
    public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return out(F.linear(nd(x), nd(weight), nd(bias)), x);
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        return out(F.matmul(nd(a), nd(b)), a);
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, long stride, long[] pads, long dilation, long groups) {
        NDArray in = nd(x);
        long[] sym;
        if (pads[0] == pads[2] && pads[1] == pads[3]) {
            sym = new long[] {pads[0], pads[1]};
        } else {
            in = F.pad(in, new long[] {pads[1], pads[3], pads[0], pads[2]}, 0);
            sym = new long[] {0, 0};
        }
        return out(F.conv2d(in, nd(weight), nd(bias), new long[] {stride, stride}, sym,
                new long[] {dilation, dilation}, (int) groups), x);
    }

    /**
     * Each input pixel owns its own k x k output block, so the op is one matmul followed by a
     * pixel-shuffle reshape (DJL's PyTorch engine has no transposed convolution).
     */
    @Override
    public Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, int k) {
        long[] s = x.shape();
        long in = s[1];
        long outC = weight.dim(1).value();
        Tensor w2 = weight.reshape(in, outC * k * k);
        Tensor cols = x.transpose(0, 2, 3, 1).reshape(s[0] * s[2] * s[3], in).matmul(w2);
        Tensor y = cols.reshape(s[0], s[2], s[3], outC, k, k).transpose(0, 3, 1, 4, 2, 5).reshape(s[0], outC, s[2] * k, s[3] * k);
        return bias == null ? y : y.add(bias.reshape(1, outC, 1, 1));
    }

    @Override
    public Tensor fusedAttention(Tensor q, Tensor k, Tensor v, int heads, float scale) {
        return null; // torch's own order of operations, for parity with transformers
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        return out(F.layerNorm(nd(x), new long[] {x.dim(-1).value()}, nd(weight), nd(bias), eps), x);
    }

    @Override
    public Tensor batchNorm(Tensor x, Tensor mean, Tensor var, Tensor weight, Tensor bias, double eps) {
        return out(F.batchNorm(nd(x), nd(mean), nd(var), nd(weight), nd(bias), eps), x);
    }

    /** Normalise each group over (C/groups, H, W) with the biased variance, then the per-channel affine. */
    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
        NDArray a = nd(x);
        Shape s = a.getShape();
        NDArray g = a.reshape(s.get(0), groups, -1);
        NDArray mean = g.mean(new int[] {2}, true);
        NDArray centered = g.sub(mean);
        NDArray var = centered.square().mean(new int[] {2}, true);
        Tensor normed = wrap(centered.div(var.add((float) eps).sqrt()).reshape(s));
        long c = s.get(1);
        return normed.mul(weight.reshape(1, c, 1, 1)).add(bias.reshape(1, c, 1, 1));
    }

    @Override
    public Tensor pad(Tensor x, Dim[] pads, float value) {
        long[] p = Dim.values(pads);
        if (Arrays.stream(p).allMatch(v -> v == 0)) {
            return x;
        }
        return out(F.pad(nd(x), p, value), x);
    }

    @Override
    public Tensor maxPool2d(Tensor x, int kernel, int stride) {
        return out(F.maxPool2d(nd(x), new long[] {kernel, kernel}, new long[] {stride, stride}, new long[] {0, 0}, false), x);
    }

    @Override
    public Tensor interpolate(Tensor x, Dim h, Dim w, boolean bicubic, boolean alignCorners) {
        NDArray r = bicubic ? F.interpolateBicubic(nd(x), h.value(), w.value(), alignCorners)
                : F.interpolateBilinear(nd(x), h.value(), w.value(), alignCorners);
        return out(r, x);
    }

    @Override
    public Tensor[] scope(Tensor[] inputs, Function<Tensor[], Tensor[]> f) {
        NDManager parent = null;
        for (Tensor t : inputs) {
            if (t != null && !((Eager) t).param) {
                parent = nd(t).getManager();
                break;
            }
        }
        if (parent == null) {
            return f.apply(inputs);
        }
        try (NDManager sub = parent.newSubManager()) {
            for (Tensor t : inputs) {
                if (t != null && !((Eager) t).param) {
                    nd(t).tempAttach(sub);
                }
            }
            managers.push(sub);
            Tensor[] out;
            try {
                out = f.apply(inputs);
            } finally {
                managers.pop();
            }
            for (Tensor o : out) {
                if (o != null && !((Eager) o).param && !isInput(o, inputs)) {
                    nd(o).attach(parent);
                }
            }
            return out;
        }
    }

    private static boolean isInput(Tensor a, Tensor[] inputs) {
        for (Tensor in : inputs) {
            if (in != null && nd(in) == nd(a)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean eager() {
        return true;
    }

    // --- ops added for BEiT ---

    @Override
    public Tensor arange(Dim n) {
        return new Eager(this, current().arange(0, Math.toIntExact(n.value()), 1, DataType.INT64), false);
    }

    @Override
    public Tensor sizes(Dim... values) {
        return new Eager(this, current().create(Dim.values(values)), false);
    }

    /** torch's advanced indexing along one axis with the flattened index, then the index's shape restored. */
    @Override
    public Tensor gather(Tensor x, int axis, Tensor indices) {
        NDIndex at = new NDIndex();
        for (int i = 0; i < axis; i++) {
            at.addAllDim();
        }
        // a view of the index (no copy), owned by the current scope so that repeated gathers with one index
        // (every layer's bias) do not pile up on the index's manager
        NDArray flat = nd(indices).flatten();
        if (flat != nd(indices) && flat.getManager() != current()) {
            flat.attach(current());
        }
        at.addIndices("{}", flat);
        long[] d = x.shape();
        long[] idx = indices.shape();
        long[] s = new long[d.length - 1 + idx.length];
        System.arraycopy(d, 0, s, 0, axis);
        System.arraycopy(idx, 0, s, axis, idx.length);
        System.arraycopy(d, axis + 1, s, axis + idx.length, d.length - axis - 1);
        return out(nd(x).get(at).reshape(new Shape(s)), x);
    }

    // --- ops added for Swinv2 ---

    @Override
    public Tensor l2Normalize(Tensor x, double eps) {
        return out(JniUtils.normalize((PtNDArray) nd(x), 2.0, -1, eps), x);
    }
}
