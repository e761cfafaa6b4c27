package io.dpt4j.core.modeling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.dpt4j.core.config.Swinv2Config;
import io.dpt4j.core.nn.Dim;
import io.dpt4j.core.nn.F;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.nn.Layers.Conv2d;
import io.dpt4j.core.nn.Layers.LayerNorm;
import io.dpt4j.core.nn.Layers.Linear;
import io.dpt4j.core.nn.Layers.ModuleList;
import io.dpt4j.core.nn.Ops;
import io.dpt4j.core.nn.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' modeling_swinv2 ({@code Swinv2Backbone}, as DPT 3.1 uses it), module for module, written
 * once for both engines: windowed cosine attention with a continuous position bias, res-post-norm
 * blocks, patch merging.
 *
 * <p>Window size and shift are fixed per block from the configured {@code image_size} (as transformers
 * does at construction); everything that depends on the input size (padding to whole windows, the shift
 * mask of the padded grid, the merging pad of odd sizes) is computed from {@link Dim}s, so the ONNX graph
 * keeps batch, height and width symbolic.
 */
public final class Swinv2Modeling {
    private Swinv2Modeling() {}

    /** torch's nn.LayerNorm default eps, which Swinv2 uses for the embedding and patch-merging norms. */
    static final double TORCH_LAYER_NORM_EPS = 1e-5;

    /** F.normalize's default eps (cosine attention). */
    static final double NORMALIZE_EPS = 1e-12;

    /** {@code (m - size % m) % m}: the zero padding that makes {@code size} a multiple of {@code m}. */
    static Dim padToMultiple(Dim size, long m) {
        return Dim.of(m).minus(size.mod(m)).mod(m);
    }

    /**
     * {@code torch.roll(x, shifts=(shift, shift), dims=(1, 2))} of [B, H, W, C], for |shift| smaller than
     * H and W (always so: the shift is half a window and the grid is padded to whole windows): per axis,
     * two slices and a concat, with the cut computed from the (possibly symbolic) size.
     */
    static Tensor roll(Tensor x, long shift) {
        return rollAxis(rollAxis(x, shift, 1), shift, 2);
    }

    private static Tensor rollAxis(Tensor x, long shift, int axis) {
        if (shift == 0) {
            return x;
        }
        Dim n = x.dim(axis);
        // out[i] = x[(i - shift) mod n]: the entries from the cut on come first
        Dim cut = shift > 0 ? n.minus(shift) : Dim.of(-shift);
        return x.ops().concat(axis, x.slice(axis, cut, n), x.slice(axis, Dim.of(0), cut));
    }

    // Copied from transformers.models.swin.modeling_swin.window_partition
    /**
     * [B, H, W, C] -> [B * H/w * W/w, w * w, C] (transformers returns [.., w, w, C] and its callers view it
     * as [.., w * w, C] at once).
     */
    static Tensor windowPartition(Tensor x, int w) {
        Dim b = x.dim(0);
        Dim nh = x.dim(1).div(w);
        Dim nw = x.dim(2).div(w);
        Dim c = x.dim(3);
        return x.reshape(b, nh, w, nw, w, c).transpose(0, 1, 3, 2, 4, 5).reshape(b.times(nh).times(nw), (long) w * w, c);
    }

    // Copied from transformers.models.swin.modeling_swin.window_reverse
    /** [B * H/w * W/w, w * w, C] -> [B, H, W, C]. */
    static Tensor windowReverse(Tensor windows, int w, Dim batch, Dim height, Dim width) {
        Dim c = windows.dim(-1);
        return windows.reshape(batch, height.div(w), width.div(w), w, w, c).transpose(0, 1, 3, 2, 4, 5)
                .reshape(batch, height, width, c);
    }

    // Copied from transformers.models.swin.modeling_swin.SwinPatchEmbeddings with Swin->Swinv2
    public static final class Swinv2PatchEmbeddings extends HfBlock {
        final Conv2d projection;
        private final int patch;

        Swinv2PatchEmbeddings(Swinv2Config c) {
            patch = c.patchSize;
            projection = child("projection", new Conv2d(c.numChannels, c.embedDim, c.patchSize, c.patchSize, 0, true));
        }

        /** {@code maybe_pad} (zeros right/bottom to whole patches), then the projection: [B, C, h, w]. */
        @Override
        public Tensor forward(Tensor x) {
            Dim z = Dim.of(0);
            Tensor padded = x.ops().pad(x, new Dim[] {z, padToMultiple(x.dim(3), patch), z, padToMultiple(x.dim(2), patch)}, 0f);
            return projection.forward(padded);
        }
    }

    // Copied from transformers.models.swin.modeling_swin.SwinEmbeddings with Swin->Swinv2
    public static final class Swinv2Embeddings extends HfBlock {
        final Swinv2PatchEmbeddings patchEmbeddings;
        final LayerNorm norm;
        final Parameter positionEmbeddings;
        private final long numPatches;

        Swinv2Embeddings(Swinv2Config c) {
            patchEmbeddings = child("patch_embeddings", new Swinv2PatchEmbeddings(c));
            numPatches = (long) (c.imageSize[0] / c.patchSize) * (c.imageSize[1] / c.patchSize);
            positionEmbeddings = c.useAbsoluteEmbeddings ? param("position_embeddings", 1, numPatches + 1, c.embedDim) : null;
            norm = child("norm", new LayerNorm(c.embedDim, TORCH_LAYER_NORM_EPS));
        }

        /** Returns the [B, h*w, C] tokens; {@code dims} receives the grid (h, w). */
        Tensor forward(Tensor pixelValues, Dim[] dims) {
            Tensor e = patchEmbeddings.forward(pixelValues);
            dims[0] = e.dim(2);
            dims[1] = e.dim(3);
            Tensor tokens = norm.forward(e.flattenToTokens());
            if (positionEmbeddings != null) {
                // transformers adds the [1, N + 1, C] table to N tokens, which cannot broadcast
                throw new IllegalStateException("use_absolute_embeddings: transformers' Swinv2 adds a table of "
                        + (numPatches + 1) + " positions to " + tokens.dim(1)
                        + " tokens, which fails there too; set \"use_absolute_embeddings\": false");
            }
            return tokens;
        }
    }

    /** Windowed cosine attention with a log-spaced continuous position bias (an MLP over coordinates). */
    public static final class Swinv2SelfAttention extends HfBlock {
        final Parameter logitScale;
        final ModuleList<Linear> continuousPositionBiasMlp;
        final Linear query;
        final Linear key;
        final Linear value;
        private final int heads;
        private final int headSize;
        private final int window;
        private final int pretrainedWindow;
        private final float[] coordsTable;
        private final long[] relativePositionIndex;
        /** The parameter the derived position bias is keyed on (recomputed when the weights are reloaded). */
        private final Parameter positionBiasSource;

        Swinv2SelfAttention(Swinv2Config c, int dim, int heads, int window, int pretrainedWindow) {
            this.heads = heads;
            this.headSize = dim / heads;
            this.window = window;
            this.pretrainedWindow = pretrainedWindow;
            logitScale = param("logit_scale", heads, 1, 1);
            continuousPositionBiasMlp = child("continuous_position_bias_mlp", new ModuleList<>());
            continuousPositionBiasMlp.addAt(0, new Linear(2, 512, true));
            continuousPositionBiasMlp.addAt(2, new Linear(512, heads, false));
            positionBiasSource = continuousPositionBiasMlp.get(0).namedParameters().get("weight");
            query = child("query", new Linear(dim, dim, c.qkvBias));
            key = child("key", new Linear(dim, dim, false));
            value = child("value", new Linear(dim, dim, c.qkvBias));
            coordsTable = relativeCoords(window);
            relativePositionIndex = relativePositionIndex(window);
        }

        /** The raw (2w-1) x (2w-1) x 2 grid of relative offsets (dy, dx), before normalisation. */
        static float[] relativeCoords(int w) {
            int n = 2 * w - 1;
            float[] t = new float[n * n * 2];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    t[(i * n + j) * 2] = i - (w - 1);
                    t[(i * n + j) * 2 + 1] = j - (w - 1);
                }
            }
            return t;
        }

        /** Index of each (query, key) pair of a w x w window into the flattened offset grid. */
        static long[] relativePositionIndex(int w) {
            int area = w * w;
            long[] idx = new long[area * area];
            for (int i = 0; i < area; i++) {
                for (int j = 0; j < area; j++) {
                    int dy = i / w - j / w + w - 1;
                    int dx = i % w - j % w + w - 1;
                    idx[i * area + j] = (long) dy * (2 * w - 1) + dx;
                }
            }
            return idx;
        }

        /**
         * {@code 16 * sigmoid(bias)} as [heads, N, N]: the MLP over the log-spaced coordinate table, gathered
         * by the relative position index. It depends on the weights and the window only, so it is computed
         * once (on libtorch, torch's kernels) and serves both engines as a derived weight.
         */
        private NDArray positionBias(NDArray anyWeight) {
            NDManager keep = anyWeight.getManager();
            try (NDManager m = keep.newSubManager()) {
                int n = 2 * window - 1;
                NDArray t = m.create(coordsTable, new Shape(1, n, n, 2));
                if (pretrainedWindow > 0) {
                    t = t.div((float) (pretrainedWindow - 1));
                } else if (window > 1) {
                    t = t.div((float) (window - 1));
                }
                t = t.mul(8f);
                t = t.sign().mul(t.abs().add(1f).log2()).div(3f);
                NDArray table = continuousPositionBiasMlp.get(1).forward(F.relu(continuousPositionBiasMlp.get(0).forward(t)))
                        .reshape((long) n * n, heads);
                long area = (long) window * window;
                NDArray index = m.create(relativePositionIndex, new Shape(relativePositionIndex.length));
                NDArray bias = F.act("sigmoid", table.get(index).reshape(area, area, heads).transpose(2, 0, 1)).mul(16f);
                // a contiguous copy (the permuted view's layout would otherwise carry over)
                NDArray out = bias.reshape(-1).reshape(heads, area, area);
                out.attach(keep);
                return out;
            }
        }

        private Tensor split(Tensor x) {
            return x.reshape(x.dim(0), x.dim(1), heads, headSize).transpose(0, 2, 1, 3);
        }

        /**
         * @param h [batch * nW, N, C] window tokens
         * @param mask [nW, N, N] shift mask, or null
         * @param batch the image batch size
         * @return {context, probabilities}
         */
        Tensor[] forwardWithAttention(Tensor h, Tensor mask, Dim batch) {
            Ops o = h.ops();
            Dim windows = h.dim(0);
            Dim tokens = h.dim(1);
            Tensor q = split(query.forward(h));
            Tensor k = split(key.forward(h));
            Tensor v = split(value.forward(h));
            // cosine attention, scaled by exp(min(logit_scale, log 100))
            Tensor scores = q.l2Normalize(NORMALIZE_EPS).matmul(k.l2Normalize(NORMALIZE_EPS).transpose(0, 1, 3, 2));
            Tensor scale = w(o, logitScale).minimum(o.scalar((float) Math.log(1.0 / 0.01))).exp();
            scores = scores.mul(scale).add(w(o, "continuous_position_bias", positionBiasSource, this::positionBias));
            if (mask != null) {
                Dim nw = mask.dim(0);
                Tensor mk = mask.unsqueeze(1).unsqueeze(0);
                // transformers adds the mask twice (to the view and again), so masked pairs get -200
                scores = scores.reshape(batch, nw, heads, tokens, tokens).add(mk).add(mk).reshape(windows, heads, tokens, tokens);
            }
            Tensor probs = scores.softmax(-1);
            Tensor ctx = probs.matmul(v).transpose(0, 2, 1, 3).reshape(windows, tokens, (long) heads * headSize);
            return new Tensor[] {ctx, probs};
        }
    }

    // Copied from transformers.models.swin.modeling_swin.SwinSelfOutput with Swin->Swinv2
    public static final class Swinv2SelfOutput extends HfBlock {
        final Linear dense;

        Swinv2SelfOutput(int dim) {
            dense = child("dense", new Linear(dim, dim, true));
        }

        @Override
        public Tensor forward(Tensor x) {
            return dense.forward(x);
        }
    }

    public static final class Swinv2Attention extends HfBlock {
        final Swinv2SelfAttention self;
        final Swinv2SelfOutput output;

        Swinv2Attention(Swinv2Config c, int dim, int heads, int window, int pretrainedWindow) {
            self = child("self", new Swinv2SelfAttention(c, dim, heads, window, pretrainedWindow));
            output = child("output", new Swinv2SelfOutput(dim));
        }

        Tensor[] forwardWithAttention(Tensor h, Tensor mask, Dim batch) {
            Tensor[] a = self.forwardWithAttention(h, mask, batch);
            return new Tensor[] {output.forward(a[0]), a[1]};
        }
    }

    // Copied from transformers.models.swin.modeling_swin.SwinIntermediate with Swin->Swinv2
    public static final class Swinv2Intermediate extends HfBlock {
        final Linear dense;
        private final String act;

        Swinv2Intermediate(Swinv2Config c, int dim) {
            dense = child("dense", new Linear(dim, (long) (c.mlpRatio * dim), true));
            act = c.hiddenAct;
        }

        @Override
        public Tensor forward(Tensor x) {
            return dense.forward(x).act(act);
        }
    }

    // Copied from transformers.models.swin.modeling_swin.SwinOutput with Swin->Swinv2
    public static final class Swinv2Output extends HfBlock {
        final Linear dense;

        Swinv2Output(Swinv2Config c, int dim) {
            dense = child("dense", new Linear((long) (c.mlpRatio * dim), dim, true));
        }

        @Override
        public Tensor forward(Tensor x) {
            return dense.forward(x);
        }
    }

    /** A (shifted) window block with res-post-norm. Window and shift are fixed from the configured resolution. */
    public static final class Swinv2Layer extends HfBlock {
        final Swinv2Attention attention;
        final LayerNorm layernormBefore;
        final Swinv2Intermediate intermediate;
        final Swinv2Output output;
        final LayerNorm layernormAfter;
        final int window;
        final int shift;

        Swinv2Layer(Swinv2Config c, int dim, int[] inputResolution, int heads, int targetShift, int pretrainedWindow) {
            // transformers' _compute_window_shift keeps only the first (height) entry
            window = Math.min(inputResolution[0], c.windowSize);
            shift = inputResolution[0] <= window ? 0 : targetShift;
            attention = child("attention", new Swinv2Attention(c, dim, heads, window, pretrainedWindow));
            layernormBefore = child("layernorm_before", new LayerNorm(dim, c.layerNormEps));
            intermediate = child("intermediate", new Swinv2Intermediate(c, dim));
            output = child("output", new Swinv2Output(c, dim));
            layernormAfter = child("layernorm_after", new LayerNorm(dim, c.layerNormEps));
        }

        /** A size after {@code maybe_pad}: the next multiple of the window. */
        Dim padded(Dim size) {
            return size.plus(padToMultiple(size, window));
        }

        /**
         * {@code get_attn_mask(height_pad, width_pad)}: -100 between the regions a cyclic shift brings into
         * one window, 0 elsewhere, [nW, N, N], or null without a shift. Computed in the graph from the padded
         * sizes: along each axis the region label is 0 up to {@code -window}, 1 up to {@code -shift}, 2 for
         * the last {@code shift} entries (the padded size is a multiple of the window, never below it).
         */
        Tensor attentionMask(Ops o, Dim heightPad, Dim widthPad) {
            return shift == 0 ? null : shiftMask(o, heightPad, widthPad, window, shift);
        }

        static Tensor shiftMask(Ops o, Dim heightPad, Dim widthPad, int window, int shift) {
            float[] tail = new float[window];
            for (int i = 0; i < window; i++) {
                tail[i] = i < window - shift ? 1f : 2f;
            }
            Tensor last = o.constant(tail, window);
            Tensor img = regions(o, heightPad, last, window).reshape(1, heightPad, 1, 1).mul(3f)
                    .add(regions(o, widthPad, last, window).reshape(1, 1, widthPad, 1));
            Tensor windows = windowPartition(img, window);
            Dim nw = windows.dim(0);
            long n = (long) window * window;
            Tensor diff = windows.reshape(nw, 1, n).sub(windows.reshape(nw, n, 1));
            // labels are small integers: min(|difference|, 1) is 1 exactly where transformers fills -100
            return o.unary("Abs", diff).minimum(o.scalar(1f)).mul(-100f);
        }

        /** [size] labels: zeros, then the last window's labels ({@code size - window} zeros, no empty tensor). */
        private static Tensor regions(Ops o, Dim size, Tensor last, int window) {
            Tensor zeros = o.constant(new float[] {0f}, 1).expand(size);
            return o.concat(0, zeros, last).slice(0, Dim.of(window), size.plus(window));
        }

        /** @param mask this stage's shift mask (null when this block does not shift) */
        Tensor[] forwardWithAttention(Tensor x, Dim height, Dim width, Tensor mask) {
            Dim b = x.dim(0);
            Dim c = x.dim(2);
            Dim z = Dim.of(0);
            Tensor h = x.reshape(b, height, width, c);
            // maybe_pad: zeros right/bottom to whole windows; the padded tokens are attended to, not masked
            Dim padRight = padToMultiple(width, window);
            Dim padBottom = padToMultiple(height, window);
            h = h.pad(0f, z, z, z, padRight, z, padBottom);
            Dim heightPad = height.plus(padBottom);
            Dim widthPad = width.plus(padRight);
            if (shift > 0) {
                h = roll(h, -shift);
            }
            Tensor[] a = attention.forwardWithAttention(windowPartition(h, window), mask, b);
            Tensor merged = windowReverse(a[0], window, b, heightPad, widthPad);
            if (shift > 0) {
                merged = roll(merged, shift);
            }
            merged = merged.slice(1, z, height).slice(2, z, width);
            Tensor h1 = x.add(layernormBefore.forward(merged.reshape(b, height.times(width), c)));
            Tensor out = h1.add(layernormAfter.forward(output.forward(intermediate.forward(h1))));
            return new Tensor[] {out, a[1]};
        }
    }

    /** 2x2 neighbourhoods concatenated (x0, x1, x2, x3), Linear 4C -> 2C without bias, then LayerNorm. */
    public static final class Swinv2PatchMerging extends HfBlock {
        final Linear reduction;
        final LayerNorm norm;

        Swinv2PatchMerging(int dim) {
            reduction = child("reduction", new Linear(4L * dim, 2L * dim, false));
            norm = child("norm", new LayerNorm(2L * dim, TORCH_LAYER_NORM_EPS));
        }

        Tensor forward(Tensor x, Dim height, Dim width) {
            Dim b = x.dim(0);
            Dim c = x.dim(2);
            Dim z = Dim.of(0);
            // maybe_pad: one zero row / column where the size is odd
            Tensor h = x.reshape(b, height, width, c).pad(0f, z, z, z, width.mod(2), z, height.mod(2));
            Dim h2 = height.plus(1).div(2);
            Dim w2 = width.plus(1).div(2);
            // x[:, r::2, s::2] for (r, s) = (0, 0), (1, 0), (0, 1), (1, 1) concatenated on channels: the
            // block of row parity r and column parity s lands at 2 * s + r
            Tensor cat = h.reshape(b, h2, 2, w2, 2, c).transpose(0, 1, 3, 4, 2, 5).reshape(b, h2.times(w2), c.times(4));
            return norm.forward(reduction.forward(cat));
        }
    }

    public static final class Swinv2Stage extends HfBlock {
        final ModuleList<Swinv2Layer> blocks;
        final Swinv2PatchMerging downsample;

        Swinv2Stage(Swinv2Config c, int dim, int[] inputResolution, int depth, int heads, boolean downsample, int pretrainedWindow) {
            blocks = child("blocks", new ModuleList<>());
            for (int i = 0; i < depth; i++) {
                blocks.add(new Swinv2Layer(c, dim, inputResolution, heads, i % 2 == 0 ? 0 : c.windowSize / 2, pretrainedWindow));
            }
            this.downsample = downsample ? child("downsample", new Swinv2PatchMerging(dim)) : null;
        }

        /**
         * The blocks, each in its own memory scope; returns {output before downsampling, the last block's
         * attention probabilities or null}. The shifted blocks of a stage share window, shift and grid, so
         * the mask transformers builds in each of them is built once here.
         */
        Tensor[] forward(Tensor h, Dim height, Dim width, boolean keepAttentions) {
            Ops o = h.ops();
            Tensor mask = null;
            for (Swinv2Layer l : blocks.items()) {
                if (l.shift > 0) {
                    mask = l.attentionMask(o, l.padded(height), l.padded(width));
                    break;
                }
            }
            Tensor probs = null;
            for (Swinv2Layer l : blocks.items()) {
                Tensor m = l.shift > 0 ? mask : null;
                Tensor[] r = o.scope(new Tensor[] {h, m}, in -> {
                    Tensor[] out = l.forwardWithAttention(in[0], height, width, in[1]);
                    return new Tensor[] {out[0], keepAttentions ? out[1] : null};
                });
                h = r[0];
                probs = r[1];
            }
            return new Tensor[] {h, probs};
        }
    }

    public static final class Swinv2Encoder extends HfBlock {
        final ModuleList<Swinv2Stage> layers;

        Swinv2Encoder(Swinv2Config c) {
            int[] grid = {c.imageSize[0] / c.patchSize, c.imageSize[1] / c.patchSize};
            int n = c.depths.size();
            layers = child("layers", new ModuleList<>());
            for (int i = 0; i < n; i++) {
                int[] res = {grid[0] >> i, grid[1] >> i};
                layers.add(new Swinv2Stage(c, c.stageDim(i), res, c.depths.get(i), c.numHeads.get(i), i < n - 1,
                        c.pretrainedWindowSizes.get(i)));
            }
        }
    }

    /**
     * transformers' {@code Swinv2Backbone}: [B, C, H, W] maps of the stem (embeddings) and of each stage's
     * output before patch merging, for the stages in out_features. Hidden states are the token
     * sequences of the same points; attentions are each stage's last block's.
     */
    public static final class Swinv2Backbone extends HfBlock implements Backbone {
        final Swinv2Embeddings embeddings;
        final Swinv2Encoder encoder;
        private final Swinv2Config config;

        public Swinv2Backbone(Swinv2Config c) {
            this.config = c;
            embeddings = child("embeddings", new Swinv2Embeddings(c));
            encoder = child("encoder", new Swinv2Encoder(c));
        }

        /** {@code reshaped_hidden_states}: [B, h*w, C] -> [B, C, h, w]. */
        private static Tensor toMap(Tensor tokens, Dim h, Dim w) {
            return tokens.reshape(tokens.dim(0), h, w, tokens.dim(2)).transpose(0, 3, 1, 2);
        }

        @Override
        public List<Tensor> featureMaps(Tensor pixelValues, ForwardContext ctx, List<Tensor> hiddenStates, List<Tensor> attentions) {
            // any size: the patch embedding pads to whole patches
            DPTModeling.checkPixelValues(pixelValues, config.numChannels, 1);
            Dim[] dims = new Dim[2];
            Tensor h = embeddings.forward(pixelValues, dims);
            Dim height = dims[0];
            Dim width = dims[1];
            List<Tensor> maps = new ArrayList<>();
            hiddenStates.add(h);
            if (config.selectsStage(0)) {
                maps.add(toMap(h, height, width));
            }
            for (int i = 0; i < encoder.layers.size(); i++) {
                Swinv2Stage stage = encoder.layers.get(i);
                Tensor[] r = stage.forward(h, height, width, attentions != null);
                h = r[0];
                hiddenStates.add(h);
                if (attentions != null) {
                    attentions.add(r[1]);
                }
                if (config.selectsStage(i + 1)) {
                    maps.add(toMap(h, height, width));
                }
                if (stage.downsample != null) {
                    h = stage.downsample.forward(h, height, width);
                    height = height.plus(1).div(2);
                    width = width.plus(1).div(2);
                }
            }
            return maps;
        }
    }
}
