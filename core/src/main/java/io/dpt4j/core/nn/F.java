package io.dpt4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The functional ops the graph needs, named after {@code torch.nn.functional}. Each maps to one libtorch
 * call, so the numerics are torch's own. Results live on the manager of the first tensor argument,
 * which is always the activation (never a parameter), so intermediate results are freed with the
 * forward pass's sub-manager.
 */
public final class F {
    private F() {}

    static PtNDArray pt(NDArray a) {
        return (PtNDArray) a;
    }

    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        if (FlopCounter.active()) {
            FlopCounter.add(2 * (x.size() / x.getShape().get(x.getShape().dimension() - 1)) * weight.size());
        }
        return JniUtils.linear(pt(x), pt(weight), bias == null ? null : pt(bias));
    }

    /** torch.matmul with broadcasting. */
    public static NDArray matmul(NDArray a, NDArray b) {
        NDArray y = a.matMul(b);
        if (FlopCounter.active()) {
            Shape sa = a.getShape();
            long k = sa.get(sa.dimension() - 1);
            FlopCounter.add(2 * y.size() * k);
        }
        return y;
    }

    public static NDArray conv2d(
            NDArray x, NDArray weight, NDArray bias, long[] stride, long[] padding, long[] dilation, int groups) {
        NDArray y = JniUtils.convolution(
                pt(x), pt(weight), bias == null ? null : pt(bias),
                new Shape(stride), new Shape(padding), new Shape(dilation), groups);
        if (FlopCounter.active()) {
            // each output element: in/groups * kh * kw MACs
            FlopCounter.add(2 * y.size() * (weight.size() / weight.getShape().get(0)));
        }
        return y;
    }

    public static NDArray layerNorm(NDArray x, long[] normalizedShape, NDArray weight, NDArray bias, double eps) {
        return JniUtils.layerNorm(pt(x), new Shape(normalizedShape), pt(weight), pt(bias), eps);
    }

    /** Eval-mode batch norm with running statistics. */
    public static NDArray batchNorm(
            NDArray x, NDArray runningMean, NDArray runningVar, NDArray weight, NDArray bias, double eps) {
        return JniUtils.batchNorm(pt(x), pt(runningMean), pt(runningVar),
                weight == null ? null : pt(weight), bias == null ? null : pt(bias), false, 0.1, eps);
    }

    /** Exact (erf) GELU, transformers' "gelu". */
    public static NDArray gelu(NDArray x) {
        return JniUtils.gelu(pt(x));
    }

    public static NDArray relu(NDArray x) {
        return x.maximum(0f);
    }

    public static NDArray softmax(NDArray x, int axis) {
        return x.softmax(axis);
    }

    /** torch.nn.functional.pad with (left, right, top, bottom, ...) order and a constant value. */
    public static NDArray pad(NDArray x, long[] pad, double value) {
        return JniUtils.pad(pt(x), pad, value);
    }

    public static NDArray maxPool2d(NDArray x, long[] kernel, long[] stride, long[] padding, boolean ceilMode) {
        return JniUtils.maxPool(pt(x), new Shape(kernel), new Shape(stride), new Shape(padding), ceilMode);
    }

    /** F.interpolate(x, size=(h, w), mode="bilinear", align_corners=..., antialias=False) on [..., H, W]. */
    public static NDArray interpolateBilinear(NDArray x, long h, long w, boolean alignCorners) {
        Shape s = x.getShape();
        int inH = (int) s.get(s.dimension() - 2);
        int inW = (int) s.get(s.dimension() - 1);
        return resize(x, Interpolation.bilinear(inH, (int) h, alignCorners), Interpolation.bilinear(inW, (int) w, alignCorners));
    }

    /** F.interpolate(x, size=(h, w), mode="bicubic", align_corners=..., antialias=False), A = -0.75. */
    public static NDArray interpolateBicubic(NDArray x, long h, long w, boolean alignCorners) {
        Shape s = x.getShape();
        int inH = (int) s.get(s.dimension() - 2);
        int inW = (int) s.get(s.dimension() - 1);
        return resize(x, Interpolation.bicubic(inH, (int) h, alignCorners), Interpolation.bicubic(inW, (int) w, alignCorners));
    }

    /** Width pass, then height pass, each a weighted sum of gathered taps (torch's order). */
    private static NDArray resize(NDArray x, Interpolation.Taps th, Interpolation.Taps tw) {
        Shape s = x.getShape();
        int inH = (int) s.get(s.dimension() - 2);
        int inW = (int) s.get(s.dimension() - 1);
        NDArray y = x;
        if (!Interpolation.isIdentity(tw, inW)) {
            y = pass(y, tw, "..., {}", new Shape(tw.index()[0].length));
        }
        if (!Interpolation.isIdentity(th, inH)) {
            y = pass(y, th, "..., {}, :", new Shape(th.index()[0].length, 1));
        }
        return y == x ? x.duplicate() : y;
    }

    private static NDArray pass(NDArray x, Interpolation.Taps t, String index, Shape weightShape) {
        NDManager m = x.getManager();
        NDArray acc = null;
        for (int k = 0; k < t.count(); k++) {
            NDArray idx = m.create(t.index()[k]);
            NDArray wk = m.create(t.weight()[k], weightShape);
            NDArray term = x.get(new NDIndex(index, idx)).muli(wk);
            if (acc == null) {
                acc = term;
            } else {
                acc.addi(term);
                term.close();
            }
            idx.close();
            wk.close();
        }
        return acc;
    }

    /** Applies a transformers ACT2FN activation by name (see {@link Activations}). */
    public static NDArray act(String name, NDArray x) {
        return Activations.apply(name, EagerOps.of(x)).nd();
    }

    /** Whether {@link #act} knows this activation name (used by config validation). */
    public static boolean isKnownActivation(String name) {
        return Activations.isKnown(name);
    }
}
