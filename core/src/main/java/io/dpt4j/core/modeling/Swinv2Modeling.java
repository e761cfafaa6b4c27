package io.dpt4j.core.modeling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.dpt4j.core.config.Swinv2Config;
import io.dpt4j.core.nn.F;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.nn.Scope;
import io.dpt4j.core.nn.Layers.Conv2d;
import io.dpt4j.core.nn.Layers.LayerNorm;
import io.dpt4j.core.nn.Layers.Linear;
import io.dpt4j.core.nn.Layers.ModuleList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * transformers' modeling_swinv2 ({@code Swinv2Backbone}, as DPT 3.1 uses it), module for module:
 * windowed cosine attention with a continuous position bias, res-post-norm blocks, patch merging.
 */
public final class Swinv2Modeling {
    private Swinv2Modeling() {}

    /** torch's nn.LayerNorm default eps, which Swinv2 uses for the embedding and patch-merging norms. */
    static final double TORCH_LAYER_NORM_EPS = 1e-5;

    /** torch.roll of a [B, H, W, C] tensor by (shift, shift) over dims 1 and 2. */
    static NDArray roll(NDArray x, long shift) {
        return rollAxis(rollAxis(x, shift, 1), shift, 2);
    }

    private static NDArray rollAxis(NDArray x, long shift, int axis) {
        long n = x.getShape().get(axis);
        long s = Math.floorMod(shift, n);
        if (s == 0) {
            return x;
        }
        // out[i] = x[(i - s) mod n]: the last s entries come first
        String head = axis == 1 ? ":, " + (n - s) + ":" : ":, :, " + (n - s) + ":";
        String tail = axis == 1 ? ":, :" + (n - s) : ":, :, :" + (n - s);
        return NDArrays.concat(new NDList(x.get(new NDIndex(head)), x.get(new NDIndex(tail))), axis);
    }

    /** [B, H, W, C] -> [B * H/w * W/w, w * w, C]. */
    static NDArray windowPartition(NDArray x, int w) {
        Shape s = x.getShape();
        long b = s.get(0);
        long h = s.get(1);
        long wd = s.get(2);
        long c = s.get(3);
        return x.reshape(b, h / w, w, wd / w, w, c).transpose(0, 1, 3, 2, 4, 5).reshape(-1, (long) w * w, c);
    }

    /** [B * H/w * W/w, w * w, C] -> [B, H, W, C]. */
    static NDArray windowReverse(NDArray windows, int w, long h, long wd) {
        long c = windows.getShape().get(2);
        return windows.reshape(-1, h / w, wd / w, w, w, c).transpose(0, 1, 3, 2, 4, 5).reshape(-1, h, wd, c);
    }

    public static final class Swinv2PatchEmbeddings extends HfBlock {
        final Conv2d projection;
        private final int patch;

        Swinv2PatchEmbeddings(Swinv2Config c) {
            patch = c.patchSize;
            projection = child("projection", new Conv2d(c.numChannels, c.embedDim, c.patchSize, c.patchSize, 0, true));
        }

        /** Zero-pads the input to whole patches (right/bottom), then projects; returns [B, C, h, w]. */
        @Override
        public NDArray forward(NDArray x) {
            long h = x.getShape().get(2);
            long w = x.getShape().get(3);
            long pw = w % patch == 0 ? 0 : patch - w % patch;
            long ph = h % patch == 0 ? 0 : patch - h % patch;
            if (pw > 0 || ph > 0) {
                x = F.pad(x, new long[] {0, pw, 0, ph}, 0);
            }
            return projection.forward(x);
        }
    }

    public static final class Swinv2Embeddings extends HfBlock {
        final Swinv2PatchEmbeddings patchEmbeddings;
        final LayerNorm norm;
        final Parameter positionEmbeddings;

        Swinv2Embeddings(Swinv2Config c) {
            patchEmbeddings = child("patch_embeddings", new Swinv2PatchEmbeddings(c));
            long numPatches = (long) (c.imageSize[0] / c.patchSize) * (c.imageSize[1] / c.patchSize);
            positionEmbeddings = c.useAbsoluteEmbeddings ? param("position_embeddings", 1, numPatches + 1, c.embedDim) : null;
            norm = child("norm", new LayerNorm(c.embedDim, TORCH_LAYER_NORM_EPS));
        }

        /** Returns the [B, h*w, C] tokens; {@code dims} receives (h, w). */
        NDArray forward(NDArray pixelValues, long[] dims) {
            NDArray e = patchEmbeddings.forward(pixelValues);
            Shape s = e.getShape();
            dims[0] = s.get(2);
            dims[1] = s.get(3);
            NDArray tokens = norm.forward(e.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1));
            if (positionEmbeddings != null) {
                // transformers adds the [1, N + 1, C] table to N tokens, which cannot broadcast
                throw new IllegalStateException("use_absolute_embeddings: transformers' Swinv2 adds a table of "
                        + v(positionEmbeddings).getShape().get(1) + " positions to " + tokens.getShape().get(1)
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

        Swinv2SelfAttention(Swinv2Config c, int dim, int heads, int window, int pretrainedWindow) {
            this.heads = heads;
            this.headSize = dim / heads;
            this.window = window;
            this.pretrainedWindow = pretrainedWindow;
            logitScale = param("logit_scale", heads, 1, 1);
            continuousPositionBiasMlp = child("continuous_position_bias_mlp", new ModuleList<>());
            continuousPositionBiasMlp.addAt(0, new Linear(2, 512, true));
            continuousPositionBiasMlp.addAt(2, new Linear(512, heads, false));
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

        /** 16 * sigmoid(bias) as [heads, N, N], computed on {@code m} (it depends only on weights and window). */
        NDArray positionBias(NDManager m) {
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
            NDArray bias = table.get(index).reshape(area, area, heads).transpose(2, 0, 1);
            return F.act("sigmoid", bias).mul(16f);
        }

        private NDArray split(NDArray x) {
            Shape s = x.getShape();
            return x.reshape(s.get(0), s.get(1), heads, headSize).transpose(0, 2, 1, 3);
        }

        private static NDArray normalize(NDArray x) {
            return JniUtils.normalize((PtNDArray) x, 2.0, -1, 1e-12);
        }

        /** @param mask [nW, N, N] shift mask or null; returns {context, probabilities}. */
        NDArray[] forwardWithAttention(NDArray h, NDArray mask) {
            NDManager m = h.getManager();
            NDArray q = split(query.forward(h));
            NDArray k = split(key.forward(h));
            NDArray v = split(value.forward(h));
            NDArray scores = F.matmul(normalize(q), normalize(k).transpose(0, 1, 3, 2));
            NDArray scale = DPTModeling.local(v(logitScale), m).minimum((float) Math.log(1.0 / 0.01)).exp();
            scores = scores.mul(scale).add(positionBias(m).expandDims(0));
            Shape s = scores.getShape();
            if (mask != null) {
                long nw = mask.getShape().get(0);
                NDArray mk = mask.expandDims(1).expandDims(0);
                // transformers adds the mask twice (to the view and again), so masked pairs get -200
                scores = scores.reshape(s.get(0) / nw, nw, heads, s.get(2), s.get(3)).add(mk).add(mk).reshape(s);
            }
            NDArray probs = scores.softmax(-1);
            Shape hs = h.getShape();
            NDArray ctx = F.matmul(probs, v).transpose(0, 2, 1, 3).reshape(hs.get(0), hs.get(1), (long) heads * headSize);
            return new NDArray[] {ctx, probs};
        }
    }

    public static final class Swinv2SelfOutput extends HfBlock {
        final Linear dense;

        Swinv2SelfOutput(int dim) {
            dense = child("dense", new Linear(dim, dim, true));
        }

        @Override
        public NDArray forward(NDArray x) {
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

        NDArray[] forwardWithAttention(NDArray h, NDArray mask) {
            NDArray[] a = self.forwardWithAttention(h, mask);
            return new NDArray[] {output.forward(a[0]), a[1]};
        }
    }

    public static final class Swinv2Intermediate extends HfBlock {
        final Linear dense;
        private final String act;

        Swinv2Intermediate(Swinv2Config c, int dim) {
            dense = child("dense", new Linear(dim, (long) (c.mlpRatio * dim), true));
            act = c.hiddenAct;
        }

        @Override
        public NDArray forward(NDArray x) {
            return F.act(act, dense.forward(x));
        }
    }

    public static final class Swinv2Output extends HfBlock {
        final Linear dense;

        Swinv2Output(Swinv2Config c, int dim) {
            dense = child("dense", new Linear((long) (c.mlpRatio * dim), dim, true));
        }

        @Override
        public NDArray forward(NDArray x) {
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
        /** Shift masks by padded (height, width): plain Java arrays, so no native memory outlives a pass. */
        private final Map<Long, float[]> masks = new ConcurrentHashMap<>();

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

        /** The -100 mask between the regions a cyclic shift brings into one window, [nW, N, N]. */
        static float[] shiftMask(int hp, int wp, int window, int shift) {
            int[] img = new int[hp * wp];
            int[] hb = {0, hp - window, hp - shift, hp};
            int[] wb = {0, wp - window, wp - shift, wp};
            int count = 0;
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    for (int y = Math.max(hb[a], 0); y < hb[a + 1]; y++) {
                        for (int x = Math.max(wb[b], 0); x < wb[b + 1]; x++) {
                            img[y * wp + x] = count;
                        }
                    }
                    count++;
                }
            }
            int nh = hp / window;
            int nw = wp / window;
            int n = window * window;
            float[] mask = new float[nh * nw * n * n];
            for (int wy = 0; wy < nh; wy++) {
                for (int wx = 0; wx < nw; wx++) {
                    int base = (wy * nw + wx) * n * n;
                    for (int i = 0; i < n; i++) {
                        int li = img[(wy * window + i / window) * wp + wx * window + i % window];
                        for (int j = 0; j < n; j++) {
                            int lj = img[(wy * window + j / window) * wp + wx * window + j % window];
                            mask[base + i * n + j] = li == lj ? 0f : -100f;
                        }
                    }
                }
            }
            return mask;
        }

        NDArray[] forwardWithAttention(NDArray x, long height, long width) {
            Shape s = x.getShape();
            long b = s.get(0);
            long c = s.get(2);
            NDArray shortcut = x;
            NDArray h = x.reshape(b, height, width, c);
            long padRight = (window - width % window) % window;
            long padBottom = (window - height % window) % window;
            if (padRight > 0 || padBottom > 0) {
                h = F.pad(h, new long[] {0, 0, 0, padRight, 0, padBottom}, 0);
            }
            long hp = height + padBottom;
            long wp = width + padRight;
            if (shift > 0) {
                h = roll(h, -shift);
            }
            NDArray windows = windowPartition(h, window);
            NDArray mask = null;
            if (shift > 0) {
                long nW = (hp / window) * (wp / window);
                long n = (long) window * window;
                if (masks.size() > BeitModeling.CACHED_GRIDS) {
                    masks.clear();
                }
                float[] mv = masks.computeIfAbsent((hp << 32) | wp, k -> shiftMask((int) hp, (int) wp, window, shift));
                mask = x.getManager().create(mv, new Shape(nW, n, n));
            }
            NDArray[] a = attention.forwardWithAttention(windows, mask);
            NDArray merged = windowReverse(a[0], window, hp, wp);
            if (shift > 0) {
                merged = roll(merged, shift);
            }
            if (padRight > 0 || padBottom > 0) {
                merged = merged.get(new NDIndex(":, :" + height + ", :" + width + ", :"));
            }
            NDArray h1 = shortcut.add(layernormBefore.forward(merged.reshape(b, height * width, c)));
            NDArray out = h1.add(layernormAfter.forward(output.forward(intermediate.forward(h1))));
            return new NDArray[] {out, a[1]};
        }
    }

    /** 2x2 neighbourhoods concatenated (x0, x1, x2, x3), Linear 4C -> 2C without bias, LayerNorm. */
    public static final class Swinv2PatchMerging extends HfBlock {
        final Linear reduction;
        final LayerNorm norm;

        Swinv2PatchMerging(int dim) {
            reduction = child("reduction", new Linear(4L * dim, 2L * dim, false));
            norm = child("norm", new LayerNorm(2L * dim, TORCH_LAYER_NORM_EPS));
        }

        NDArray forward(NDArray x, long height, long width) {
            Shape s = x.getShape();
            long b = s.get(0);
            long c = s.get(2);
            NDArray h = x.reshape(b, height, width, c);
            if (height % 2 == 1 || width % 2 == 1) {
                h = F.pad(h, new long[] {0, 0, 0, width % 2, 0, height % 2}, 0);
            }
            long h2 = (height + 1) / 2;
            long w2 = (width + 1) / 2;
            NDArray g = h.reshape(b, h2, 2, w2, 2, c);
            NDArray x0 = g.get(new NDIndex(":, :, 0, :, 0, :"));
            NDArray x1 = g.get(new NDIndex(":, :, 1, :, 0, :"));
            NDArray x2 = g.get(new NDIndex(":, :, 0, :, 1, :"));
            NDArray x3 = g.get(new NDIndex(":, :, 1, :, 1, :"));
            NDArray cat = NDArrays.concat(new NDList(x0, x1, x2, x3), -1).reshape(b, h2 * w2, 4 * c);
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
    public static final class Swinv2Backbone extends HfBlock implements Backbone.EagerOnly {
        final Swinv2Embeddings embeddings;
        final Swinv2Encoder encoder;
        private final Swinv2Config config;

        public Swinv2Backbone(Swinv2Config c) {
            this.config = c;
            embeddings = child("embeddings", new Swinv2Embeddings(c));
            encoder = child("encoder", new Swinv2Encoder(c));
        }

        private static NDArray toMap(NDArray tokens, long h, long w) {
            Shape s = tokens.getShape();
            return tokens.reshape(s.get(0), h, w, s.get(2)).transpose(0, 3, 1, 2);
        }

        @Override
        public List<NDArray> featureMaps(NDArray pixelValues, ForwardContext ctx, List<NDArray> hiddenStates, List<NDArray> attentions) {
            Shape s = pixelValues.getShape();
            if (s.dimension() != 4 || s.get(1) != config.numChannels) {
                throw new IllegalArgumentException("pixel_values must have shape [batch, " + config.numChannels
                        + ", height, width], got " + s);
            }
            long[] dims = new long[2];
            NDArray h = embeddings.forward(pixelValues, dims);
            long height = dims[0];
            long width = dims[1];
            List<NDArray> maps = new ArrayList<>();
            hiddenStates.add(h);
            if (config.selectsStage(0)) {
                maps.add(toMap(h, height, width));
            }
            for (int i = 0; i < encoder.layers.size(); i++) {
                Swinv2Stage stage = encoder.layers.get(i);
                NDArray probs = null;
                boolean keep = attentions != null;
                for (Swinv2Layer l : stage.blocks.items()) {
                    final long hh = height;
                    final long ww = width;
                    NDArray[] r = Scope.runAll(new NDArray[] {h}, in -> {
                        NDArray[] o = l.forwardWithAttention(in[0], hh, ww);
                        return new NDArray[] {o[0], keep ? o[1] : null};
                    });
                    h = r[0];
                    probs = r[1];
                }
                hiddenStates.add(h);
                if (attentions != null) {
                    attentions.add(probs);
                }
                if (config.selectsStage(i + 1)) {
                    maps.add(toMap(h, height, width));
                }
                if (stage.downsample != null) {
                    h = stage.downsample.forward(h, height, width);
                    height = (height + 1) / 2;
                    width = (width + 1) / 2;
                }
            }
            return maps;
        }
    }
}
