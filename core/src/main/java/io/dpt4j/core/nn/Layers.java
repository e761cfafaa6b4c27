package io.dpt4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;

/** The torch.nn layers DPT is built from, each with torch's parameter names and layouts. */
public final class Layers {
    private Layers() {}

    /** torch.nn.Linear: weight (out, in), optional bias (out). */
    public static final class Linear extends HfBlock {
        private final Parameter weight;
        private final Parameter bias;

        public Linear(long in, long out, boolean bias) {
            this.weight = param("weight", out, in);
            this.bias = bias ? param("bias", out) : null;
        }

        @Override
        public NDArray forward(NDArray x) {
            return F.linear(x, v(weight), bias == null ? null : v(bias));
        }
    }

    /** torch.nn.Conv2d with symmetric integer padding. */
    public static final class Conv2d extends HfBlock {
        private final Parameter weight;
        private final Parameter bias;
        private final long[] stride;
        private final long[] padding;
        private final long[] dilation;
        private final int groups;

        public Conv2d(long in, long out, int kernel, int stride, int padding, boolean bias) {
            this(in, out, kernel, kernel, stride, padding, 1, 1, bias);
        }

        public Conv2d(long in, long out, int kh, int kw, int stride, int padding, int dilation, int groups,
                boolean bias) {
            this.weight = param("weight", out, in / groups, kh, kw);
            this.bias = bias ? param("bias", out) : null;
            this.stride = new long[] {stride, stride};
            this.padding = new long[] {padding, padding};
            this.dilation = new long[] {dilation, dilation};
            this.groups = groups;
        }

        public Parameter weight() {
            return weight;
        }

        public Parameter bias() {
            return bias;
        }

        public long[] stride() {
            return stride;
        }

        public long[] padding() {
            return padding;
        }

        public long[] dilation() {
            return dilation;
        }

        public int groups() {
            return groups;
        }

        @Override
        public NDArray forward(NDArray x) {
            return F.conv2d(x, v(weight), bias == null ? null : v(bias), stride, padding, dilation, groups);
        }
    }

    /**
     * torch.nn.ConvTranspose2d with kernel_size == stride and no padding, the only form DPT uses. Each
     * input pixel then owns its own k x k output block, so the op is one matmul followed by a
     * pixel-shuffle reshape (DJL's PyTorch engine has no transposed convolution).
     */
    public static final class ConvTranspose2d extends HfBlock {
        private final Parameter weight;
        private final Parameter bias;
        private final long in;
        private final long out;
        private final int k;

        public ConvTranspose2d(long in, long out, int kernelAndStride) {
            this.in = in;
            this.out = out;
            this.k = kernelAndStride;
            this.weight = param("weight", in, out, k, k);
            this.bias = param("bias", out);
        }

        public int kernel() {
            return k;
        }

        @Override
        public NDArray forward(NDArray x) {
            long n = x.getShape().get(0);
            long h = x.getShape().get(2);
            long w = x.getShape().get(3);
            NDArray w2 = derived("weight2d", weight, a -> a.reshape(in, out * k * k));
            NDArray b4 = derived("bias4d", bias, a -> a.reshape(1, out, 1, 1));
            NDArray cols = F.matmul(x.transpose(0, 2, 3, 1).reshape(n * h * w, in), w2);
            NDArray y = cols.reshape(n, h, w, out, k, k).transpose(0, 3, 1, 4, 2, 5).reshape(n, out, h * k, w * k);
            return y.add(b4);
        }
    }

    /** torch.nn.LayerNorm over the last dimension. */
    public static final class LayerNorm extends HfBlock {
        private final Parameter weight;
        private final Parameter bias;
        private final long dim;
        private final double eps;

        public LayerNorm(long dim, double eps) {
            this.dim = dim;
            this.eps = eps;
            this.weight = param("weight", dim);
            this.bias = param("bias", dim);
        }

        public double eps() {
            return eps;
        }

        @Override
        public NDArray forward(NDArray x) {
            return F.layerNorm(x, new long[] {dim}, v(weight), v(bias), eps);
        }
    }

    /** torch.nn.BatchNorm2d in eval mode (running statistics; eps 1e-5 as torch's default). */
    public static final class BatchNorm2d extends HfBlock {
        private final Parameter weight;
        private final Parameter bias;
        private final Parameter runningMean;
        private final Parameter runningVar;
        private final double eps;

        public BatchNorm2d(long channels) {
            this(channels, 1e-5);
        }

        public BatchNorm2d(long channels, double eps) {
            this.eps = eps;
            this.weight = param("weight", channels);
            this.bias = param("bias", channels);
            this.runningMean = buffer("running_mean", channels);
            this.runningVar = buffer("running_var", channels);
        }

        public double eps() {
            return eps;
        }

        @Override
        public NDArray forward(NDArray x) {
            return F.batchNorm(x, v(runningMean), v(runningVar), v(weight), v(bias), eps);
        }
    }

    /** torch.nn.GroupNorm: normalise over (C/groups, H, W) per group, then the per-channel affine. */
    public static final class GroupNorm extends HfBlock {
        private final Parameter weight;
        private final Parameter bias;
        private final int groups;
        private final long channels;
        private final double eps;

        public GroupNorm(int groups, long channels, double eps) {
            this.groups = groups;
            this.channels = channels;
            this.eps = eps;
            this.weight = param("weight", channels);
            this.bias = param("bias", channels);
        }

        @Override
        public NDArray forward(NDArray x) {
            return groupNorm(x, groups, derived("w4", weight, a -> a.reshape(1, channels, 1, 1)),
                    derived("b4", bias, a -> a.reshape(1, channels, 1, 1)), eps);
        }

        /**
         * Group norm: normalise each group over (C/groups, H, W) with the biased variance, then the
         * per-channel affine; {@code weight}/{@code bias} are already shaped [1, C, 1, 1].
         */
        public static NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, double eps) {
            ai.djl.ndarray.types.Shape s = x.getShape();
            long n = s.get(0);
            long c = s.get(1);
            NDArray g = x.reshape(n, groups, -1);
            NDArray mean = g.mean(new int[] {2}, true);
            NDArray centered = g.sub(mean);
            NDArray var = centered.square().mean(new int[] {2}, true);
            NDArray normed = centered.div(var.add((float) eps).sqrt()).reshape(s);
            return normed.mul(weight).add(bias);
        }
    }

    /** A list of children named 0, 1, 2, ... (torch.nn.ModuleList / Sequential naming). */
    public static final class ModuleList<T extends HfBlock> extends HfBlock {
        private final List<T> items = new ArrayList<>();

        public <U extends T> U add(U block) {
            child(Integer.toString(items.size()), block);
            items.add(block);
            return block;
        }

        /** Adds a block under an explicit index (Sequential with parameter-free gaps, e.g. ReLU). */
        public <U extends T> U addAt(int index, U block) {
            child(Integer.toString(index), block);
            items.add(block);
            return block;
        }

        public T get(int i) {
            return items.get(i);
        }

        public int size() {
            return items.size();
        }

        public List<T> items() {
            return items;
        }
    }
}
