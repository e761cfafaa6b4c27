package io.dpt4j.core.nn;

import ai.djl.ndarray.NDArray;
import java.util.function.Function;

/**
 * The tensor operations DPT4J's modules are written against, once, for both engines: {@link EagerOps}
 * runs them on libtorch through DJL (torch's own kernels, every intermediate available), {@link OnnxOps}
 * writes them as ONNX nodes for ONNX Runtime. See the package documentation for the porting guide.
 *
 * <p>Each method is one primitive of torch with torch's semantics; sizes are {@link Dim}s so the graph
 * can keep batch, height and width symbolic. Modules normally use the fluent methods of
 * {@link Tensor}, which delegate here.
 */
public interface Ops {
    /**
     * A loaded parameter (or a tensor derived from parameters only), as a tensor of this engine.
     * {@code name} is its full Hugging Face key (the graph names the initializer after it, and graph
     * passes such as int8 quantization choose layers by it).
     */
    Tensor weight(String name, NDArray value);

    /** A small float constant computed in Java (e.g. a mask or a table that depends on the config). */
    Tensor constant(float[] data, long... shape);

    Tensor scalar(float v);

    // ---------------------------------------------------------------- shape

    Tensor reshape(Tensor x, Dim... shape);

    Tensor transpose(Tensor x, int... perm);

    /** {@code x[..., start:end, ...]} along one axis (end clamped to the size, as Python slices). */
    Tensor slice(Tensor x, int axis, Dim start, Dim end);

    Tensor concat(int axis, Tensor... xs);

    /** Broadcast to {@code shape} (torch's expand). */
    Tensor expand(Tensor x, Dim... shape);

    // ---------------------------------------------------------------- elementwise

    /** "Add", "Sub", "Mul", "Div", "Max", "Min", "Pow" with numpy broadcasting. */
    Tensor binary(String op, Tensor a, Tensor b);

    /** "Relu", "Tanh", "Sigmoid", "Exp", "Log", "Sqrt", "Neg", "Abs", "Erf" and exact "Gelu". */
    Tensor unary(String op, Tensor x);

    Tensor softmax(Tensor x, int axis);

    // ---------------------------------------------------------------- layers

    /** torch.nn.functional.linear: {@code x @ weight.T + bias}, weight [out, in], bias may be null. */
    Tensor linear(Tensor x, Tensor weight, Tensor bias);

    /** torch.matmul with broadcasting. */
    Tensor matmul(Tensor a, Tensor b);

    /**
     * torch.nn.functional.conv2d; {@code pads} = (top, left, bottom, right), bias may be null.
     */
    Tensor conv2d(Tensor x, Tensor weight, Tensor bias, long stride, long[] pads, long dilation, long groups);

    /** torch.nn.ConvTranspose2d with kernel_size == stride and no padding; weight [in, out, k, k]. */
    Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, int kernelAndStride);

    /**
     * softmax(q k^T * scale) v over {@code heads} heads, for q, k, v of shape [batch, seq, heads *
     * headSize], as one fused kernel where the engine has one; null where it has not (the caller then
     * writes the matmuls and the softmax itself, as it must when the probabilities are wanted).
     */
    Tensor fusedAttention(Tensor q, Tensor k, Tensor v, int heads, float scale);

    /** torch.nn.functional.layer_norm over the last dimension. */
    Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps);

    /** Eval-mode batch norm over dim 1 with running statistics. */
    Tensor batchNorm(Tensor x, Tensor mean, Tensor var, Tensor weight, Tensor bias, double eps);

    /** torch.nn.functional.group_norm; weight and bias [C]. */
    Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, double eps);

    /**
     * torch.nn.functional.pad with a constant value and any number of (before, after) pairs, last
     * dimension first, in F.pad's order: (left, right, top, bottom) on [N, C, H, W], or (0, 0, left,
     * right, top, bottom) on [B, H, W, C]. All-zero pads return {@code x} itself.
     */
    Tensor pad(Tensor x, Dim[] pads, float value);

    Tensor maxPool2d(Tensor x, int kernel, int stride);

    /**
     * F.interpolate(x, size=(h, w), mode=bilinear|bicubic, align_corners=..., antialias=False) on
     * [N, C, H, W], with torch's coordinates (bicubic A = -0.75, taps clamped at the border).
     */
    Tensor interpolate(Tensor x, Dim h, Dim w, boolean bicubic, boolean alignCorners);

    // ---------------------------------------------------------------- memory

    /**
     * Runs {@code f}; on the eager engine everything it creates except its results is freed when it
     * returns (a module's intermediates, as PyTorch frees them). Null inputs and results are allowed.
     */
    Tensor[] scope(Tensor[] inputs, Function<Tensor[], Tensor[]> f);

    /** Whether this engine computes values now (libtorch) rather than writing a graph. */
    boolean eager();

    // --- ops added for BEiT ---

    /** {@code torch.arange(n)}: an int64 tensor [n] of 0 .. n-1 (computed in the graph when n is symbolic). */
    Tensor arange(Dim n);

    /** Sizes as an int64 tensor [k], for index arithmetic with int64 tensors (symbolic sizes computed in the graph). */
    Tensor sizes(Dim... values);

    /**
     * {@code x[..., indices, ...]} along {@code axis} with an int64 index tensor of any shape (ONNX Gather,
     * torch's advanced indexing): the result's shape is {@code x.shape[:axis] + indices.shape + x.shape[axis+1:]}.
     */
    Tensor gather(Tensor x, int axis, Tensor indices);

    // --- ops added for Swinv2 ---

    /** torch.nn.functional.normalize(x, p=2, dim=-1, eps): {@code x / max(||x||_2, eps)} over the last dim. */
    Tensor l2Normalize(Tensor x, double eps);
}
