package io.dpt4j.core.nn;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A tensor of either engine: an NDArray on the eager engine, a graph value in an ONNX graph. Modules
 * are written with these fluent methods (torch's names), once; see the package documentation.
 */
public abstract class Tensor {
    /** The engine this tensor belongs to. */
    public abstract Ops ops();

    /** The sizes, symbolic where the graph leaves them to the input. */
    public abstract Dim[] dims();

    /** The NDArray of an eager tensor (fails on a graph value). */
    public abstract NDArray nd();

    public int rank() {
        return dims().length;
    }

    /** The size of one axis (negative counts from the end). */
    public Dim dim(int axis) {
        Dim[] d = dims();
        return d[axis < 0 ? d.length + axis : axis];
    }

    /** The sizes as numbers (fails where one is symbolic). */
    public long[] shape() {
        return Dim.values(dims());
    }

    // ---------------------------------------------------------------- shape

    /** Sizes as {@link Dim}s or numbers. */
    public Tensor reshape(Object... shape) {
        Dim[] d = new Dim[shape.length];
        for (int i = 0; i < shape.length; i++) {
            d[i] = Dim.from(shape[i]);
        }
        return ops().reshape(this, d);
    }

    public Tensor transpose(int... perm) {
        return ops().transpose(this, perm);
    }

    /** Swaps two axes (torch's transpose(a, b)). */
    public Tensor swapAxes(int a, int b) {
        int[] perm = new int[rank()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        int x = a < 0 ? perm.length + a : a;
        int y = b < 0 ? perm.length + b : b;
        perm[x] = y;
        perm[y] = x;
        return transpose(perm);
    }

    /** {@code x[..., start:end]} along {@code axis}; {@code end} may exceed the size (Long.MAX_VALUE: to the end). */
    public Tensor slice(int axis, long start, long end) {
        int a = axis < 0 ? rank() + axis : axis;
        return ops().slice(this, a, Dim.of(start), end == Long.MAX_VALUE ? dim(a) : Dim.of(end));
    }

    public Tensor slice(int axis, Dim start, Dim end) {
        return ops().slice(this, axis < 0 ? rank() + axis : axis, start, end);
    }

    /** {@code x.select(axis, index)}: the slice at one index, axis removed. */
    public Tensor select(int axis, long index) {
        int a = axis < 0 ? rank() + axis : axis;
        Tensor s = slice(a, index, index + 1);
        List<Dim> d = new ArrayList<>(Arrays.asList(s.dims()));
        d.remove(a);
        return ops().reshape(s, d.toArray(new Dim[0]));
    }

    public Tensor expand(Object... shape) {
        Dim[] d = new Dim[shape.length];
        for (int i = 0; i < shape.length; i++) {
            d[i] = Dim.from(shape[i]);
        }
        return ops().expand(this, d);
    }

    /** Inserts a size-1 axis at {@code axis}. */
    public Tensor unsqueeze(int axis) {
        List<Dim> d = new ArrayList<>(Arrays.asList(dims()));
        d.add(axis < 0 ? d.size() + 1 + axis : axis, Dim.of(1));
        return ops().reshape(this, d.toArray(new Dim[0]));
    }

    /** Removes a size-1 axis. */
    public Tensor squeeze(int axis) {
        List<Dim> d = new ArrayList<>(Arrays.asList(dims()));
        d.remove(axis < 0 ? d.size() + axis : axis);
        return ops().reshape(this, d.toArray(new Dim[0]));
    }

    /** {@code x.flatten(2).transpose(1, 2)} of [N, C, H, W]: tokens [N, H*W, C]. */
    public Tensor flattenToTokens() {
        return reshape(dim(0), dim(1), dim(2).times(dim(3))).transpose(0, 2, 1);
    }

    // ---------------------------------------------------------------- arithmetic

    public Tensor add(Tensor o) {
        return ops().binary("Add", this, o);
    }

    public Tensor sub(Tensor o) {
        return ops().binary("Sub", this, o);
    }

    public Tensor mul(Tensor o) {
        return ops().binary("Mul", this, o);
    }

    public Tensor div(Tensor o) {
        return ops().binary("Div", this, o);
    }

    public Tensor add(float v) {
        return add(ops().scalar(v));
    }

    public Tensor mul(float v) {
        return mul(ops().scalar(v));
    }

    public Tensor div(float v) {
        return div(ops().scalar(v));
    }

    public Tensor maximum(Tensor o) {
        return ops().binary("Max", this, o);
    }

    public Tensor minimum(Tensor o) {
        return ops().binary("Min", this, o);
    }

    public Tensor matmul(Tensor o) {
        return ops().matmul(this, o);
    }

    public Tensor softmax(int axis) {
        return ops().softmax(this, axis);
    }

    public Tensor relu() {
        return ops().unary("Relu", this);
    }

    public Tensor sigmoid() {
        return ops().unary("Sigmoid", this);
    }

    public Tensor tanh() {
        return ops().unary("Tanh", this);
    }

    public Tensor exp() {
        return ops().unary("Exp", this);
    }

    /** Exact (erf) GELU. */
    public Tensor gelu() {
        return ops().unary("Gelu", this);
    }

    /** A transformers ACT2FN activation by name. */
    public Tensor act(String name) {
        return Activations.apply(name, this);
    }

    /** Torch's F.interpolate(size=(h, w), mode="bilinear", align_corners=...). */
    public Tensor interpolateBilinear(Dim h, Dim w, boolean alignCorners) {
        return ops().interpolate(this, h, w, false, alignCorners);
    }

    public Tensor interpolateBicubic(Dim h, Dim w, boolean alignCorners) {
        return ops().interpolate(this, h, w, true, alignCorners);
    }

    // ---------------------------------------------------------------- scopes

    /** Runs {@code f(this)}; on the eager engine its intermediates are freed on return. */
    public Tensor scoped(UnaryOperator<Tensor> f) {
        return ops().scope(new Tensor[] {this}, in -> new Tensor[] {f.apply(in[0])})[0];
    }

    /** The first non-null tensor's engine. */
    public static Ops opsOf(Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null) {
                return t.ops();
            }
        }
        throw new IllegalArgumentException("no tensor given");
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + Arrays.toString(dims());
    }

    // --- ops added for BEiT ---

    /** {@code x[..., indices, ...]} along {@code axis} (int64 indices of any shape); see {@link Ops#gather}. */
    public Tensor gather(int axis, Tensor indices) {
        return ops().gather(this, axis < 0 ? rank() + axis : axis, indices);
    }

    // --- ops added for Swinv2 ---

    /** F.pad(x, pads, value=value): (before, after) pairs, last dimension first. */
    public Tensor pad(float value, Dim... pads) {
        return ops().pad(this, pads, value);
    }

    /** F.normalize(x, dim=-1, eps=eps) (p = 2). */
    public Tensor l2Normalize(double eps) {
        return ops().l2Normalize(this, eps);
    }
}
