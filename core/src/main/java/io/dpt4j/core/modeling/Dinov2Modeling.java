package io.dpt4j.core.modeling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.dpt4j.core.config.Dinov2Config;
import io.dpt4j.core.nn.F;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.nn.Scope;
import io.dpt4j.core.nn.Layers.Conv2d;
import io.dpt4j.core.nn.Layers.LayerNorm;
import io.dpt4j.core.nn.Layers.Linear;
import io.dpt4j.core.nn.Layers.ModuleList;
import java.util.ArrayList;
import java.util.List;

/** transformers' modeling_dinov2 ({@code Dinov2Backbone}), module for module, with its parameter names. */
public final class Dinov2Modeling {
    private Dinov2Modeling() {}

    public static final class Dinov2PatchEmbeddings extends HfBlock {
        final Conv2d projection;

        Dinov2PatchEmbeddings(Dinov2Config c) {
            projection = child("projection", new Conv2d(c.numChannels, c.hiddenSize, c.patchSize, c.patchSize, 0, true));
        }

        @Override
        public NDArray forward(NDArray x) {
            NDArray e = projection.forward(x);
            Shape s = e.getShape();
            return e.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1);
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
         */
        NDArray positions(long numPatches, long height, long width, NDManager m) {
            NDArray pos = DPTModeling.local(v(positionEmbeddings), m);
            if (numPatches == numPositions && height == width) {
                return pos;
            }
            long dim = config.hiddenSize;
            long gh = height / config.patchSize;
            long gw = width / config.patchSize;
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
            NDArray cls = pos.get(new NDIndex(":, :1, :"));
            NDArray grid = pos.get(new NDIndex("0, 1:, :")).reshape(1, side, side, dim).transpose(0, 3, 1, 2);
            grid = F.interpolateBicubic(grid, gh, gw, false);
            grid = grid.transpose(0, 2, 3, 1).reshape(1, gh * gw, dim);
            return NDArrays.concat(new NDList(cls, grid), 1);
        }

        @Override
        public NDArray forward(NDArray pixelValues) {
            Shape s = pixelValues.getShape();
            NDManager m = pixelValues.getManager();
            NDArray emb = patchEmbeddings.forward(pixelValues);
            NDArray cls = DPTModeling.local(v(clsToken), m).broadcast(new Shape(s.get(0), 1, config.hiddenSize));
            NDArray tokens = NDArrays.concat(new NDList(cls, emb), 1);
            return tokens.add(positions(emb.getShape().get(1), s.get(2), s.get(3), m));
        }
    }

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

        private NDArray split(NDArray x) {
            Shape s = x.getShape();
            return x.reshape(s.get(0), s.get(1), heads, headSize).transpose(0, 2, 1, 3);
        }

        /** Returns {context, attention probabilities}. */
        NDArray[] forwardWithAttention(NDArray h) {
            NDArray q = split(query.forward(h));
            NDArray k = split(key.forward(h));
            NDArray v = split(value.forward(h));
            NDArray probs = F.matmul(q, k.transpose(0, 1, 3, 2)).mul((float) Math.pow(headSize, -0.5)).softmax(-1);
            Shape s = h.getShape();
            NDArray ctx = F.matmul(probs, v).transpose(0, 2, 1, 3).reshape(s.get(0), s.get(1), (long) heads * headSize);
            return new NDArray[] {ctx, probs};
        }
    }

    public static final class Dinov2SelfOutput extends HfBlock {
        final Linear dense;

        Dinov2SelfOutput(Dinov2Config c) {
            dense = child("dense", new Linear(c.hiddenSize, c.hiddenSize, true));
        }

        @Override
        public NDArray forward(NDArray x) {
            return dense.forward(x);
        }
    }

    public static final class Dinov2Attention extends HfBlock {
        final Dinov2SelfAttention attention;
        final Dinov2SelfOutput output;

        Dinov2Attention(Dinov2Config c) {
            attention = child("attention", new Dinov2SelfAttention(c));
            output = child("output", new Dinov2SelfOutput(c));
        }

        NDArray[] forwardWithAttention(NDArray h) {
            NDArray[] a = attention.forwardWithAttention(h);
            return new NDArray[] {output.forward(a[0]), a[1]};
        }
    }

    /** Per-channel scale of a residual branch ({@code lambda1}). */
    public static final class Dinov2LayerScale extends HfBlock {
        final Parameter lambda1;

        Dinov2LayerScale(Dinov2Config c) {
            lambda1 = param("lambda1", c.hiddenSize);
        }

        @Override
        public NDArray forward(NDArray x) {
            return x.mul(v(lambda1));
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
        public NDArray forward(NDArray x) {
            return fc2.forward(F.act(act, fc1.forward(x)));
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
        public NDArray forward(NDArray x) {
            NDList halves = weightsIn.forward(x).split(2, -1);
            return weightsOut.forward(F.act("silu", halves.get(0)).mul(halves.get(1)));
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

        NDArray[] forwardWithAttention(NDArray h) {
            NDArray[] a = attention.forwardWithAttention(norm1.forward(h));
            NDArray h1 = layerScale1.forward(a[0]).add(h);
            NDArray out = layerScale2.forward(mlp.forward(norm2.forward(h1))).add(h1);
            return new NDArray[] {out, a[1]};
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
        NDArray forward(NDArray h, List<NDArray> hiddenStates, List<NDArray> attentions) {
            hiddenStates.add(h);
            for (Dinov2Layer l : layer.items()) {
                boolean keep = attentions != null;
                NDArray[] r = Scope.runAll(new NDArray[] {h}, in -> {
                    NDArray[] o = l.forwardWithAttention(in[0]);
                    return new NDArray[] {o[0], keep ? o[1] : null};
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
            List<NDArray> all = new ArrayList<>();
            encoder.forward(embeddings.forward(pixelValues), all, attentions);
            hiddenStates.addAll(all);
            List<NDArray> maps = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                if (!config.selectsStage(i)) {
                    continue;
                }
                NDArray h = all.get(i);
                if (config.applyLayernorm) {
                    h = layernorm.forward(h);
                }
                if (config.reshapeHiddenStates) {
                    // transformers' order (height // p, width // p), which it notes is a bug kept from the original
                    long b = s.get(0);
                    h = h.get(new NDIndex(":, 1:, :")).reshape(b, s.get(2) / config.patchSize, s.get(3) / config.patchSize, -1)
                            .transpose(0, 3, 1, 2);
                }
                maps.add(h);
            }
            return maps;
        }
    }
}
