package io.dpt4j.core.nn;

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
        public Tensor forward(Tensor x) {
            Ops o = x.ops();
            return o.linear(x, w(o, weight), w(o, bias));
        }
    }

    /** torch.nn.Conv2d with symmetric integer padding. */
    public static final class Conv2d extends HfBlock {
        private final Parameter weight;
        private final Parameter bias;
        private final int stride;
        private final int padding;
        private final int dilation;
        private final int groups;

        public Conv2d(long in, long out, int kernel, int stride, int padding, boolean bias) {
            this(in, out, kernel, kernel, stride, padding, 1, 1, bias);
        }

        public Conv2d(long in, long out, int kh, int kw, int stride, int padding, int dilation, int groups,
                boolean bias) {
            this.weight = param("weight", out, in / groups, kh, kw);
            this.bias = bias ? param("bias", out) : null;
            this.stride = stride;
            this.padding = padding;
            this.dilation = dilation;
            this.groups = groups;
        }

        @Override
        public Tensor forward(Tensor x) {
            Ops o = x.ops();
            return o.conv2d(x, w(o, weight), w(o, bias), stride, new long[] {padding, padding, padding, padding}, dilation, groups);
        }
    }

    /** torch.nn.ConvTranspose2d with kernel_size == stride and no padding, the only form DPT uses. */
    public static final class ConvTranspose2d extends HfBlock {
        private final Parameter weight;
        private final Parameter bias;
        private final int k;

        public ConvTranspose2d(long in, long out, int kernelAndStride) {
            this.k = kernelAndStride;
            this.weight = param("weight", in, out, k, k);
            this.bias = param("bias", out);
        }

        @Override
        public Tensor forward(Tensor x) {
            Ops o = x.ops();
            return o.convTranspose2d(x, w(o, weight), w(o, bias), k);
        }
    }

    /** torch.nn.LayerNorm over the last dimension. */
    public static final class LayerNorm extends HfBlock {
        private final Parameter weight;
        private final Parameter bias;
        private final double eps;

        public LayerNorm(long dim, double eps) {
            this.eps = eps;
            this.weight = param("weight", dim);
            this.bias = param("bias", dim);
        }

        @Override
        public Tensor forward(Tensor x) {
            Ops o = x.ops();
            return o.layerNorm(x, w(o, weight), w(o, bias), eps);
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

        @Override
        public Tensor forward(Tensor x) {
            Ops o = x.ops();
            return o.batchNorm(x, w(o, runningMean), w(o, runningVar), w(o, weight), w(o, bias), eps);
        }
    }

    /** torch.nn.GroupNorm: normalise over (C/groups, H, W) per group, then the per-channel affine. */
    public static final class GroupNorm extends HfBlock {
        private final Parameter weight;
        private final Parameter bias;
        private final int groups;
        private final double eps;

        public GroupNorm(int groups, long channels, double eps) {
            this.groups = groups;
            this.eps = eps;
            this.weight = param("weight", channels);
            this.bias = param("bias", channels);
        }

        @Override
        public Tensor forward(Tensor x) {
            Ops o = x.ops();
            return o.groupNorm(x, groups, w(o, weight), w(o, bias), eps);
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

    /** nn.Identity (a parameter-free stage in a ModuleList). */
    public static final class Identity extends HfBlock {
        @Override
        public Tensor forward(Tensor x) {
            return x;
        }
    }
}
