package io.dpt4j.core.modeling;

import ai.djl.nn.Parameter;
import io.dpt4j.core.config.Dinov2Config;
import io.dpt4j.core.nn.Dim;
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
 * transformers' modeling_dinov2 ({@code Dinov2Backbone}), module for module, with its parameter names,
 * written once for both engines.
 */
public final class Dinov2Modeling {
    private Dinov2Modeling() {}

    public static final class Dinov2PatchEmbeddings extends HfBlock {
        final Conv2d projection;

        Dinov2PatchEmbeddings(Dinov2Config c) {
            projection = child("projection", new Conv2d(c.numChannels, c.hiddenSize, c.patchSize, c.patchSize, 0, true));
        }

        @Override
        public Tensor forward(Tensor x) {
            return projection.forward(x).flattenToTokens();
        }
    }

    /** CLS + patch tokens + position embeddings, bicubically resized when the grid differs. */
    public static final class Dinov2Embeddings extends HfBlock {
        final Parameter clsToken;
        final Parameter maskToken;
        final Parameter positionEmbeddings;
        final Dinov2PatchEmbeddings patchEmbeddings;
        final Dinov2Config config;
        private final long numPositions;

        Dinov2Embeddings(Dinov2Config c) {
            this.config = c;
            clsToken = param("cls_token", 1, 1, c.hiddenSize);
            maskToken = c.useMaskToken ? param("mask_token", 1, c.hiddenSize) : null;
            numPositions = (long) (c.imageSize[0] / c.patchSize) * (c.imageSize[1] / c.patchSize);
            positionEmbeddings = param("position_embeddings", 1, numPositions + 1, c.hiddenSize);
            patchEmbeddings = child("patch_embeddings", new Dinov2PatchEmbeddings(c));
        }

        /**
         * {@code interpolate_pos_encoding}: the table as is when the token count matches and the input is
         * square, else its grid resized bicubically (A = -0.75, align_corners=False) to the token grid.
         * Where the graph cannot tell (symbolic sizes) it always resizes: at the table's own size the
         * bicubic taps are exactly (0, 1, 0, 0), so the result is the same table.
         */
        Tensor positions(Dim numPatches, Dim height, Dim width, Ops o) {
            Tensor pos = w(o, positionEmbeddings);
            if (numPatches.equals(Dim.of(numPositions)) && height.equals(width)) {
                return pos;
            }
            long dim = config.hiddenSize;
            Dim gh = height.div(config.patchSize);
            Dim gw = width.div(config.patchSize);
            long side = (long) Math.sqrt((double) numPositions);
            while (side * side > numPositions) {
                side--;
            }
            while ((side + 1) * (side + 1) <= numPositions) {
                side++;
            }
            if (side * side != numPositions) {
                throw new IllegalStateException("position_embeddings has " + numPositions
                        + " grid entries, not a square number: the configured image_size must be square to resize them");
            }
            Tensor cls = pos.slice(1, 0, 1);
            Tensor grid = pos.slice(1, 1, Long.MAX_VALUE).reshape(1, side, side, dim).transpose(0, 3, 1, 2);
            grid = grid.interpolateBicubic(gh, gw, false);
            grid = grid.transpose(0, 2, 3, 1).reshape(1, gh.times(gw), dim);
            return o.concat(1, cls, grid);
        }

        @Override
        public Tensor forward(Tensor pixelValues) {
            Ops o = pixelValues.ops();
            Tensor emb = patchEmbeddings.forward(pixelValues);
            Tensor cls = w(o, clsToken).expand(pixelValues.dim(0), 1, config.hiddenSize);
            Tensor tokens = o.concat(1, cls, emb);
            return tokens.add(positions(emb.dim(1), pixelValues.dim(2), pixelValues.dim(3), o));
        }
    }

    // Copied from transformers.models.vit.modeling_vit.ViTSelfAttention with ViT->Dinov2
    public static final class Dinov2SelfAttention extends HfBlock {
        final Linear query;
        final Linear key;
        final Linear value;
        final int heads;
        final int headSize;

        Dinov2SelfAttention(Dinov2Config c) {
            heads = c.numAttentionHeads;
            headSize = c.hiddenSize / c.numAttentionHeads;
            query = child("query", new Linear(c.hiddenSize, (long) heads * headSize, c.qkvBias));
            key = child("key", new Linear(c.hiddenSize, (long) heads * headSize, c.qkvBias));
            value = child("value", new Linear(c.hiddenSize, (long) heads * headSize, c.qkvBias));
        }

        /** Returns {context, attention probabilities (null unless {@code keepProbs})}. */
        Tensor[] forwardWithAttention(Tensor h, boolean keepProbs) {
            return DPTModeling.selfAttention(query, key, value, heads, headSize, h, true, keepProbs);
        }
    }

    // Copied from transformers.models.vit.modeling_vit.ViTSelfOutput with ViT->Dinov2
    public static final class Dinov2SelfOutput extends HfBlock {
        final Linear dense;

        Dinov2SelfOutput(Dinov2Config c) {
            dense = child("dense", new Linear(c.hiddenSize, c.hiddenSize, true));
        }

        @Override
        public Tensor forward(Tensor x) {
            return dense.forward(x);
        }
    }

    // Copied from transformers.models.vit.modeling_vit.ViTAttention with ViT->Dinov2
    public static final class Dinov2Attention extends HfBlock {
        final Dinov2SelfAttention attention;
        final Dinov2SelfOutput output;

        Dinov2Attention(Dinov2Config c) {
            attention = child("attention", new Dinov2SelfAttention(c));
            output = child("output", new Dinov2SelfOutput(c));
        }

        Tensor[] forwardWithAttention(Tensor h, boolean keepProbs) {
            Tensor[] a = attention.forwardWithAttention(h, keepProbs);
            return new Tensor[] {output.forward(a[0]), a[1]};
        }
    }

    /** Per-channel scale of a residual branch ({@code lambda1}). */
    public static final class Dinov2LayerScale extends HfBlock {
        final Parameter lambda1;

        Dinov2LayerScale(Dinov2Config c) {
            lambda1 = param("lambda1", c.hiddenSize);
        }

        @Override
        public Tensor forward(Tensor x) {
            return x.mul(w(x.ops(), lambda1));
        }
    }

    public static final class Dinov2MLP extends HfBlock {
        final Linear fc1;
        final Linear fc2;
        final String act;

        Dinov2MLP(Dinov2Config c) {
            int hidden = c.mlpHiddenSize();
            fc1 = child("fc1", new Linear(c.hiddenSize, hidden, true));
            fc2 = child("fc2", new Linear(hidden, c.hiddenSize, true));
            act = c.hiddenAct;
        }

        @Override
        public Tensor forward(Tensor x) {
            return fc2.forward(fc1.forward(x).act(act));
        }
    }

    /** The SwiGLU feed-forward of the giant DINOv2 checkpoints: silu(x1) * x2 over the two halves. */
    public static final class Dinov2SwiGLUFFN extends HfBlock {
        final Linear weightsIn;
        final Linear weightsOut;
        private final long hidden;

        Dinov2SwiGLUFFN(Dinov2Config c) {
            hidden = c.swigluHiddenSize();
            weightsIn = child("weights_in", new Linear(c.hiddenSize, 2 * hidden, true));
            weightsOut = child("weights_out", new Linear(hidden, c.hiddenSize, true));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = weightsIn.forward(x);
            Tensor x1 = h.slice(-1, 0, hidden);
            Tensor x2 = h.slice(-1, hidden, 2 * hidden);
            return weightsOut.forward(x1.act("silu").mul(x2));
        }
    }

    /** Pre-LN block with layer scale on both residual branches. */
    public static final class Dinov2Layer extends HfBlock {
        final LayerNorm norm1;
        final Dinov2Attention attention;
        final Dinov2LayerScale layerScale1;
        final LayerNorm norm2;
        final HfBlock mlp;
        final Dinov2LayerScale layerScale2;

        Dinov2Layer(Dinov2Config c) {
            norm1 = child("norm1", new LayerNorm(c.hiddenSize, c.layerNormEps));
            attention = child("attention", new Dinov2Attention(c));
            layerScale1 = child("layer_scale1", new Dinov2LayerScale(c));
            norm2 = child("norm2", new LayerNorm(c.hiddenSize, c.layerNormEps));
            mlp = child("mlp", c.useSwigluFfn ? new Dinov2SwiGLUFFN(c) : new Dinov2MLP(c));
            layerScale2 = child("layer_scale2", new Dinov2LayerScale(c));
        }

        Tensor[] forwardWithAttention(Tensor h, boolean keepProbs) {
            Tensor[] a = attention.forwardWithAttention(norm1.forward(h), keepProbs);
            Tensor h1 = layerScale1.forward(a[0]).add(h);
            Tensor out = layerScale2.forward(mlp.forward(norm2.forward(h1))).add(h1);
            return new Tensor[] {out, a[1]};
        }
    }

    public static final class Dinov2Encoder extends HfBlock {
        final ModuleList<Dinov2Layer> layer;

        Dinov2Encoder(Dinov2Config c) {
            layer = child("layer", new ModuleList<>());
            for (int i = 0; i < c.numHiddenLayers; i++) {
                layer.add(new Dinov2Layer(c));
            }
        }

        /** Fills {@code hiddenStates} with the embeddings and every layer's output. */
        Tensor forward(Tensor h, List<Tensor> hiddenStates, List<Tensor> attentions) {
            hiddenStates.add(h);
            for (Dinov2Layer l : layer.items()) {
                boolean keep = attentions != null;
                Tensor[] r = h.ops().scope(new Tensor[] {h}, in -> {
                    Tensor[] o = l.forwardWithAttention(in[0], keep);
                    return new Tensor[] {o[0], keep ? o[1] : null};
                });
                h = r[0];
                hiddenStates.add(h);
                if (attentions != null) {
                    attentions.add(r[1]);
                }
            }
            return h;
        }
    }

    /**
     * transformers' {@code Dinov2Backbone}: the stages named in out_features (stem = embeddings), each
     * through the final LayerNorm when {@code apply_layernorm}, as tokens with CLS or, with
     * {@code reshape_hidden_states}, as [B, C, H/p, W/p] maps.
     */
    public static final class Dinov2Backbone extends HfBlock implements Backbone {
        final Dinov2Embeddings embeddings;
        final Dinov2Encoder encoder;
        final LayerNorm layernorm;
        final Dinov2Config config;

        public Dinov2Backbone(Dinov2Config c) {
            this.config = c;
            embeddings = child("embeddings", new Dinov2Embeddings(c));
            encoder = child("encoder", new Dinov2Encoder(c));
            layernorm = child("layernorm", new LayerNorm(c.hiddenSize, c.layerNormEps));
        }

        @Override
        public List<Tensor> featureMaps(Tensor pixelValues, ForwardContext ctx, List<Tensor> hiddenStates, List<Tensor> attentions) {
            DPTModeling.checkPixelValues(pixelValues, config.numChannels, config.patchSize);
            List<Tensor> all = new ArrayList<>();
            encoder.forward(embeddings.forward(pixelValues), all, attentions);
            hiddenStates.addAll(all);
            List<Tensor> maps = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                if (!config.selectsStage(i)) {
                    continue;
                }
                Tensor h = all.get(i);
                if (config.applyLayernorm) {
                    h = layernorm.forward(h);
                }
                if (config.reshapeHiddenStates) {
                    // transformers' order (height // p, width // p), which it notes is a bug kept from the original
                    h = h.slice(1, 1, Long.MAX_VALUE).reshape(pixelValues.dim(0), pixelValues.dim(2).div(config.patchSize),
                            pixelValues.dim(3).div(config.patchSize), h.dim(2)).transpose(0, 3, 1, 2);
                }
                maps.add(h);
            }
            return maps;
        }
    }
}
