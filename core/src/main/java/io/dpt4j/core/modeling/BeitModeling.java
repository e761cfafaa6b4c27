package io.dpt4j.core.modeling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.dpt4j.core.config.BeitConfig;
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

/** transformers' modeling_beit ({@code BeitBackbone}, as DPT 3.1 uses it), module for module. */
public final class BeitModeling {
    private BeitModeling() {}

    /** How many input grids' index tables a bias keeps before starting over (inputs of many sizes). */
    static final int CACHED_GRIDS = 8;

    public static final class BeitPatchEmbeddings extends HfBlock {
        final Conv2d projection;

        BeitPatchEmbeddings(BeitConfig c) {
            projection = child("projection", new Conv2d(c.numChannels, c.hiddenSize, c.patchSize, c.patchSize, 0, true));
        }

        @Override
        public NDArray forward(NDArray x) {
            return projection.forward(x);
        }
    }

    /** CLS + patch tokens; absolute position embeddings (when configured) resized bicubically to the grid. */
    public static final class BeitEmbeddings extends HfBlock {
        final Parameter clsToken;
        final Parameter maskToken;
        final Parameter positionEmbeddings;
        final BeitPatchEmbeddings patchEmbeddings;
        private final BeitConfig config;

        BeitEmbeddings(BeitConfig c) {
            this.config = c;
            clsToken = param("cls_token", 1, 1, c.hiddenSize);
            maskToken = c.useMaskToken ? param("mask_token", 1, 1, c.hiddenSize) : null;
            patchEmbeddings = child("patch_embeddings", new BeitPatchEmbeddings(c));
            int[] ps = c.patchShape();
            positionEmbeddings = c.useAbsolutePositionEmbeddings
                    ? param("position_embeddings", 1, (long) ps[0] * ps[1] + 1, c.hiddenSize) : null;
        }

        @Override
        public NDArray forward(NDArray pixelValues) {
            NDManager m = pixelValues.getManager();
            NDArray e = patchEmbeddings.forward(pixelValues);
            Shape s = e.getShape();
            long b = s.get(0);
            long dim = s.get(1);
            NDArray cls = DPTModeling.local(v(clsToken), m).broadcast(new Shape(b, 1, dim));
            if (positionEmbeddings != null) {
                int[] ps = config.patchShape();
                NDArray pos = DPTModeling.local(v(positionEmbeddings), m);
                NDArray grid = pos.get(new NDIndex("0, 1:, :")).reshape(1, ps[0], ps[1], dim).transpose(0, 3, 1, 2);
                e = e.add(F.interpolateBicubic(grid, s.get(2), s.get(3), false));
                cls = cls.add(pos.get(new NDIndex(":, :1, :")));
            }
            NDArray tokens = e.reshape(b, dim, s.get(2) * s.get(3)).transpose(0, 2, 1);
            return NDArrays.concat(new NDList(cls, tokens), 1);
        }
    }

    /**
     * A relative position bias table for a window (the configured patch grid) plus three CLS entries,
     * resized bilinearly for other grids (MiDaS 3.1's arbitrary window sizes).
     */
    public static final class BeitRelativePositionBias extends HfBlock {
        final Parameter relativePositionBiasTable;
        private final int[] window;
        private final long numRelativeDistance;
        private final Map<Long, long[]> indices = new ConcurrentHashMap<>();

        BeitRelativePositionBias(BeitConfig c, int[] window) {
            this.window = window;
            numRelativeDistance = (long) (2 * window[0] - 1) * (2 * window[1] - 1) + 3;
            relativePositionBiasTable = param("relative_position_bias_table", numRelativeDistance, c.numAttentionHeads);
        }

        /** {@code generate_relative_position_index} for a wh x ww grid, flattened ((N+1)^2 entries). */
        static long[] relativePositionIndex(int wh, int ww) {
            int area = wh * ww;
            long r = (long) (2 * wh - 1) * (2 * ww - 1) + 3;
            int n = area + 1;
            long[] idx = new long[n * n];
            for (int i = 0; i < area; i++) {
                for (int j = 0; j < area; j++) {
                    int dy = i / ww - j / ww + wh - 1;
                    int dx = i % ww - j % ww + ww - 1;
                    idx[(i + 1) * n + (j + 1)] = (long) dy * (2 * ww - 1) + dx;
                }
            }
            for (int j = 0; j < n; j++) {
                idx[j] = r - 3;
            }
            for (int i = 0; i < n; i++) {
                idx[i * n] = r - 2;
            }
            idx[0] = r - 1;
            return idx;
        }

        /** The bias [1, heads, N+1, N+1] for a wh x ww token grid, on {@code m}. */
        NDArray bias(int wh, int ww, NDManager m) {
            NDArray table = DPTModeling.local(v(relativePositionBiasTable), m);
            long heads = table.getShape().get(1);
            int oldH = 2 * window[0] - 1;
            int oldW = 2 * window[1] - 1;
            int newH = 2 * wh - 1;
            int newW = 2 * ww - 1;
            // transformers views the table as (old_width, old_height) before resizing to (new_height, new_width)
            NDArray sub = table.get(new NDIndex(":" + (numRelativeDistance - 3))).reshape(1, oldW, oldH, heads).transpose(0, 3, 1, 2);
            sub = F.interpolateBilinear(sub, newH, newW, false).transpose(0, 2, 3, 1).reshape((long) newH * newW, heads);
            NDArray full = NDArrays.concat(new NDList(sub, table.get(new NDIndex((numRelativeDistance - 3) + ":"))), 0);
            if (indices.size() > CACHED_GRIDS) {
                indices.clear();
            }
            long[] idx = indices.computeIfAbsent(((long) wh << 32) | ww, k -> relativePositionIndex(wh, ww));
            long n = (long) wh * ww + 1;
            // table[index] (row gather), then [N+1, N+1, heads] -> [heads, N+1, N+1]
            NDArray out = full.get(m.create(idx, new Shape(idx.length))).reshape(n, n, heads).transpose(2, 0, 1);
            return out.expandDims(0);
        }
    }

    public static final class BeitSelfAttention extends HfBlock {
        final Linear query;
        final Linear key;
        final Linear value;
        final BeitRelativePositionBias relativePositionBias;
        private final int heads;
        private final int headSize;

        BeitSelfAttention(BeitConfig c, int[] window) {
            heads = c.numAttentionHeads;
            headSize = c.hiddenSize / c.numAttentionHeads;
            long all = (long) heads * headSize;
            query = child("query", new Linear(c.hiddenSize, all, true));
            key = child("key", new Linear(c.hiddenSize, all, false));
            value = child("value", new Linear(c.hiddenSize, all, true));
            relativePositionBias = window != null ? child("relative_position_bias", new BeitRelativePositionBias(c, window)) : null;
        }

        private NDArray split(NDArray x) {
            Shape s = x.getShape();
            return x.reshape(s.get(0), s.get(1), heads, headSize).transpose(0, 2, 1, 3);
        }

        NDArray[] forwardWithAttention(NDArray h, int[] grid, NDArray sharedBias) {
            NDArray q = split(query.forward(h));
            NDArray k = split(key.forward(h));
            NDArray v = split(value.forward(h));
            NDArray scores = F.matmul(q, k.transpose(0, 1, 3, 2)).div((float) Math.sqrt(headSize));
            if (relativePositionBias != null) {
                scores = scores.add(relativePositionBias.bias(grid[0], grid[1], h.getManager()));
            }
            if (sharedBias != null) {
                scores = scores.add(sharedBias);
            }
            NDArray probs = scores.softmax(-1);
            Shape s = h.getShape();
            NDArray ctx = F.matmul(probs, v).transpose(0, 2, 1, 3).reshape(s.get(0), s.get(1), (long) heads * headSize);
            return new NDArray[] {ctx, probs};
        }
    }

    public static final class BeitSelfOutput extends HfBlock {
        final Linear dense;

        BeitSelfOutput(BeitConfig c) {
            dense = child("dense", new Linear(c.hiddenSize, c.hiddenSize, true));
        }

        @Override
        public NDArray forward(NDArray x) {
            return dense.forward(x);
        }
    }

    public static final class BeitAttention extends HfBlock {
        final BeitSelfAttention attention;
        final BeitSelfOutput output;

        BeitAttention(BeitConfig c, int[] window) {
            attention = child("attention", new BeitSelfAttention(c, window));
            output = child("output", new BeitSelfOutput(c));
        }

        NDArray[] forwardWithAttention(NDArray h, int[] grid, NDArray sharedBias) {
            NDArray[] a = attention.forwardWithAttention(h, grid, sharedBias);
            return new NDArray[] {output.forward(a[0]), a[1]};
        }
    }

    public static final class BeitIntermediate extends HfBlock {
        final Linear dense;
        private final String act;

        BeitIntermediate(BeitConfig c) {
            dense = child("dense", new Linear(c.hiddenSize, c.intermediateSize, true));
            act = c.hiddenAct;
        }

        @Override
        public NDArray forward(NDArray x) {
            return F.act(act, dense.forward(x));
        }
    }

    public static final class BeitOutput extends HfBlock {
        final Linear dense;

        BeitOutput(BeitConfig c) {
            dense = child("dense", new Linear(c.intermediateSize, c.hiddenSize, true));
        }

        @Override
        public NDArray forward(NDArray x) {
            return dense.forward(x);
        }
    }

    /** Pre-LN block with optional layer scale (lambda_1, lambda_2). */
    public static final class BeitLayer extends HfBlock {
        final BeitAttention attention;
        final BeitIntermediate intermediate;
        final BeitOutput output;
        final LayerNorm layernormBefore;
        final LayerNorm layernormAfter;
        final Parameter lambda1;
        final Parameter lambda2;

        BeitLayer(BeitConfig c, int[] window) {
            attention = child("attention", new BeitAttention(c, window));
            intermediate = child("intermediate", new BeitIntermediate(c));
            output = child("output", new BeitOutput(c));
            layernormBefore = child("layernorm_before", new LayerNorm(c.hiddenSize, c.layerNormEps));
            layernormAfter = child("layernorm_after", new LayerNorm(c.hiddenSize, c.layerNormEps));
            boolean scale = c.layerScaleInitValue > 0;
            lambda1 = scale ? param("lambda_1", c.hiddenSize) : null;
            lambda2 = scale ? param("lambda_2", c.hiddenSize) : null;
        }

        NDArray[] forwardWithAttention(NDArray h, int[] grid, NDArray sharedBias) {
            NDArray[] a = attention.forwardWithAttention(layernormBefore.forward(h), grid, sharedBias);
            NDArray att = lambda1 == null ? a[0] : a[0].mul(v(lambda1));
            NDArray h1 = att.add(h);
            NDArray out = output.forward(intermediate.forward(layernormAfter.forward(h1)));
            if (lambda2 != null) {
                out = out.mul(v(lambda2));
            }
            return new NDArray[] {out.add(h1), a[1]};
        }
    }

    public static final class BeitEncoder extends HfBlock {
        final BeitRelativePositionBias relativePositionBias;
        final ModuleList<BeitLayer> layer;

        BeitEncoder(BeitConfig c) {
            int[] window = c.patchShape();
            relativePositionBias = c.useSharedRelativePositionBias
                    ? child("relative_position_bias", new BeitRelativePositionBias(c, window)) : null;
            layer = child("layer", new ModuleList<>());
            for (int i = 0; i < c.numHiddenLayers; i++) {
                layer.add(new BeitLayer(c, c.useRelativePositionBias ? window : null));
            }
        }

        /** Fills {@code hiddenStates} with the embeddings and every layer's output. */
        void forward(NDArray h, int[] grid, List<NDArray> hiddenStates, List<NDArray> attentions) {
            hiddenStates.add(h);
            NDArray shared = relativePositionBias == null ? null : relativePositionBias.bias(grid[0], grid[1], h.getManager());
            for (BeitLayer l : layer.items()) {
                boolean keep = attentions != null;
                NDArray[] r = Scope.runAll(new NDArray[] {h}, in -> {
                    NDArray[] o = l.forwardWithAttention(in[0], grid, shared);
                    return new NDArray[] {o[0], keep ? o[1] : null};
                });
                h = r[0];
                hiddenStates.add(h);
                if (attentions != null) {
                    attentions.add(r[1]);
                }
            }
        }
    }

    /**
     * transformers' {@code BeitBackbone}: hidden_states[i] for the stages in out_features (0 = embeddings),
     * tokens with CLS, no final norm; [B, C, h, w] maps with {@code reshape_hidden_states}.
     */
    public static final class BeitBackbone extends HfBlock implements Backbone.EagerOnly {
        final BeitEmbeddings embeddings;
        final BeitEncoder encoder;
        private final BeitConfig config;

        public BeitBackbone(BeitConfig c) {
            this.config = c;
            embeddings = child("embeddings", new BeitEmbeddings(c));
            encoder = child("encoder", new BeitEncoder(c));
        }

        @Override
        public List<NDArray> featureMaps(NDArray pixelValues, ForwardContext ctx, List<NDArray> hiddenStates, List<NDArray> attentions) {
            Shape s = pixelValues.getShape();
            if (s.dimension() != 4 || s.get(1) != config.numChannels) {
                throw new IllegalArgumentException("pixel_values must have shape [batch, " + config.numChannels
                        + ", height, width], got " + s);
            }
            if (s.get(2) < config.patchSize || s.get(3) < config.patchSize) {
                throw new IllegalArgumentException("pixel_values " + s + " is smaller than one " + config.patchSize
                        + "x" + config.patchSize + " patch");
            }
            // The bias window comes from the pixel resolution, as in transformers (height // patch_size).
            int[] grid = {(int) (s.get(2) / config.patchSize), (int) (s.get(3) / config.patchSize)};
            List<NDArray> all = new ArrayList<>();
            encoder.forward(embeddings.forward(pixelValues), grid, all, attentions);
            hiddenStates.addAll(all);
            List<NDArray> maps = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                if (!config.selectsStage(i)) {
                    continue;
                }
                NDArray h = all.get(i);
                if (config.reshapeHiddenStates) {
                    h = h.get(new NDIndex(":, 1:, :")).transpose(0, 2, 1).reshape(s.get(0), -1, grid[0], grid[1]);
                }
                maps.add(h);
            }
            return maps;
        }
    }
}
