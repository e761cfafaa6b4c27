package io.dpt4j.core.modeling;

import ai.djl.nn.Parameter;
import io.dpt4j.core.config.BeitConfig;
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
 * transformers' modeling_beit ({@code BeitBackbone}, as DPT 3.1 uses it), module for module, with its
 * parameter names, written once for both engines (see {@link io.dpt4j.core.nn}).
 *
 * <p>What depends on the input size is computed from {@link Dim}s, so the ONNX graph keeps batch,
 * height and width symbolic: the relative position bias tables are resized bilinearly to the input's
 * window and the relative position index of the input's token grid is built in the graph.
 */
public final class BeitModeling {
    private BeitModeling() {}

    /**
     * The patch projection; absolute position embeddings (when configured) are resized bicubically to the
     * patch grid and added here, before the CLS token is prepended.
     */
    public static final class BeitPatchEmbeddings extends HfBlock {
        final Conv2d projection;
        final int[] patchShape;
        final long hiddenSize;

        BeitPatchEmbeddings(BeitConfig c) {
            patchShape = c.patchShape();
            hiddenSize = c.hiddenSize;
            projection = child("projection", new Conv2d(c.numChannels, c.hiddenSize, c.patchSize, c.patchSize, 0, true));
        }

        /** Tokens [B, h*w, C]; {@code positionEmbedding} is the [1, N, C] patch part of the table, or null. */
        Tensor forward(Tensor pixelValues, Tensor positionEmbedding) {
            Tensor e = projection.forward(pixelValues);
            if (positionEmbedding != null) {
                // F.interpolate(..., mode="bicubic"): align_corners=False; at the table's own size the taps are exact
                Tensor pos = positionEmbedding.reshape(1, patchShape[0], patchShape[1], hiddenSize).transpose(0, 3, 1, 2)
                        .interpolateBicubic(e.dim(2), e.dim(3), false);
                e = e.add(pos);
            }
            return e.flattenToTokens();
        }
    }

    /** CLS + patch tokens (no mask token: DPT never passes bool_masked_pos). */
    public static final class BeitEmbeddings extends HfBlock {
        final Parameter clsToken;
        final Parameter maskToken;
        final Parameter positionEmbeddings;
        final BeitPatchEmbeddings patchEmbeddings;
        final BeitConfig config;

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
        public Tensor forward(Tensor pixelValues) {
            Ops o = pixelValues.ops();
            Tensor pos = w(o, positionEmbeddings);
            Tensor e = patchEmbeddings.forward(pixelValues, pos == null ? null : pos.slice(1, 1, Long.MAX_VALUE));
            Tensor cls = w(o, clsToken).expand(pixelValues.dim(0), 1, config.hiddenSize);
            if (pos != null) {
                // interpolate_pos_encoding is False under DPT: the CLS entry as stored
                cls = cls.add(pos.slice(1, 0, 1));
            }
            return o.concat(1, cls, e);
        }
    }

    /**
     * A relative position bias table for the configured window (the patch grid of {@code image_size}) plus
     * three CLS entries; for another window its (2*Wh-1) x (2*Ww-1) part is resized bilinearly
     * (align_corners=False) and the CLS rows are kept, as MiDaS 3.1 does for arbitrary input sizes.
     */
    public static final class BeitRelativePositionBias extends HfBlock {
        final Parameter relativePositionBiasTable;
        final int[] windowSize;
        final long numRelativeDistance;
        final long heads;

        BeitRelativePositionBias(BeitConfig c, int[] windowSize) {
            this.windowSize = windowSize;
            heads = c.numAttentionHeads;
            numRelativeDistance = (long) (2 * windowSize[0] - 1) * (2 * windowSize[1] - 1) + 3;
            relativePositionBiasTable = param("relative_position_bias_table", numRelativeDistance, c.numAttentionHeads);
        }

        /**
         * {@code generate_relative_position_index} for a wh x ww token grid: int64 [N+1, N+1] (N = wh*ww), entry
         * (i+1, j+1) = (y_i - y_j + wh - 1) * (2*ww - 1) + (x_i - x_j + ww - 1); row 0 = cls->token,
         * column 0 = token->cls, (0, 0) = cls->cls, R = (2*wh-1)*(2*ww-1) + 3. Built from Dims, so
         * the graph computes it for the input's grid.
         */
        public static Tensor relativePositionIndex(Ops o, Dim wh, Dim ww) {
            Dim area = wh.times(ww);
            Dim rowLength = ww.times(2).minus(1);
            Dim numRelativeDistance = wh.times(2).minus(1).times(rowLength).plus(3);
            // torch.meshgrid(arange(wh), arange(ww), indexing="ij"), flattened: each token's row and column
            Tensor ys = o.arange(wh).reshape(wh, 1).expand(wh, ww).reshape(area);
            Tensor xs = o.arange(ww).reshape(1, ww).expand(wh, ww).reshape(area);
            Tensor dy = ys.reshape(area, 1).sub(ys.reshape(1, area)).add(o.sizes(wh.minus(1))).mul(o.sizes(rowLength));
            Tensor dx = xs.reshape(area, 1).sub(xs.reshape(1, area)).add(o.sizes(ww.minus(1)));
            Tensor tokens = dy.add(dx);
            Tensor tokenToCls = o.sizes(numRelativeDistance.minus(2)).reshape(1, 1).expand(area, 1);
            Tensor clsRow = o.concat(0, o.sizes(numRelativeDistance.minus(1)), o.sizes(numRelativeDistance.minus(3)).expand(area));
            return o.concat(0, clsRow.reshape(1, area.plus(1)), o.concat(1, tokenToCls, tokens));
        }

        /**
         * The bias [1, heads, N+1, N+1] for a wh x ww token grid whose {@link #relativePositionIndex} is
         * {@code index}.
         */
        public Tensor forward(Dim wh, Dim ww, Tensor index) {
            Ops o = index.ops();
            Tensor table = w(o, relativePositionBiasTable);
            long oldHeight = 2L * windowSize[0] - 1;
            long oldWidth = 2L * windowSize[1] - 1;
            Dim newHeight = wh.times(2).minus(1);
            Dim newWidth = ww.times(2).minus(1);
            long grid = numRelativeDistance - 3;
            // transformers views the table as (old_width, old_height) and resizes it to (new_height, new_width)
            Tensor oldSubTable = table.slice(0, 0, grid).reshape(1, oldWidth, oldHeight, heads).transpose(0, 3, 1, 2);
            Tensor newSubTable = oldSubTable.interpolateBilinear(newHeight, newWidth, false)
                    .transpose(0, 2, 3, 1).reshape(newHeight.times(newWidth), heads);
            Tensor newTable = o.concat(0, newSubTable, table.slice(0, grid, numRelativeDistance));
            // new_table[index].view(N+1, N+1, -1).permute(2, 0, 1): gathering whole rows of heads and then
            // transposing is ~8x cheaper in ONNX Runtime than gathering single elements from the transposed table
            return newTable.gather(0, index).transpose(2, 0, 1).unsqueeze(0);
        }
    }

    /**
     * The grid the relative position biases are computed for ({@code window_size}: the input's height and
     * width floor-divided by the patch size) and its relative position index, built once per forward pass
     * (transformers caches it per window size).
     */
    record Window(Dim height, Dim width, Tensor index) {}

    public static final class BeitSelfAttention extends HfBlock {
        final Linear query;
        final Linear key;
        final Linear value;
        final BeitRelativePositionBias relativePositionBias;
        final int heads;
        final int headSize;

        BeitSelfAttention(BeitConfig c, int[] windowSize) {
            heads = c.numAttentionHeads;
            headSize = c.hiddenSize / c.numAttentionHeads;
            long all = (long) heads * headSize;
            query = child("query", new Linear(c.hiddenSize, all, true));
            key = child("key", new Linear(c.hiddenSize, all, false));
            value = child("value", new Linear(c.hiddenSize, all, true));
            relativePositionBias = windowSize != null ? child("relative_position_bias", new BeitRelativePositionBias(c, windowSize)) : null;
        }

        /** Returns {context, attention probabilities}; {@code sharedBias} is the encoder's shared bias or null. */
        Tensor[] forwardWithAttention(Tensor h, Window window, Tensor sharedBias) {
            Tensor layerBias = relativePositionBias == null ? null
                    : relativePositionBias.forward(window.height(), window.width(), window.index());
            // probabilities kept: BEiT's relative position biases are added to the scores
            return DPTModeling.selfAttention(query, key, value, heads, headSize, h, false, true, layerBias, sharedBias);
        }
    }

    // Copied from transformers.models.dpt.modeling_dpt.DPTViTSelfOutput with DPTViT->Beit (the residual is added in BeitLayer)
    public static final class BeitSelfOutput extends HfBlock {
        final Linear dense;

        BeitSelfOutput(BeitConfig c) {
            dense = child("dense", new Linear(c.hiddenSize, c.hiddenSize, true));
        }

        @Override
        public Tensor forward(Tensor x) {
            return dense.forward(x);
        }
    }

    public static final class BeitAttention extends HfBlock {
        final BeitSelfAttention attention;
        final BeitSelfOutput output;

        BeitAttention(BeitConfig c, int[] windowSize) {
            attention = child("attention", new BeitSelfAttention(c, windowSize));
            output = child("output", new BeitSelfOutput(c));
        }

        Tensor[] forwardWithAttention(Tensor h, Window window, Tensor sharedBias) {
            Tensor[] a = attention.forwardWithAttention(h, window, sharedBias);
            return new Tensor[] {output.forward(a[0]), a[1]};
        }
    }

    // Copied from transformers.models.dpt.modeling_dpt.DPTViTIntermediate with DPTViT->Beit
    public static final class BeitIntermediate extends HfBlock {
        final Linear dense;
        final String act;

        BeitIntermediate(BeitConfig c) {
            dense = child("dense", new Linear(c.hiddenSize, c.intermediateSize, true));
            act = c.hiddenAct;
        }

        @Override
        public Tensor forward(Tensor x) {
            return dense.forward(x).act(act);
        }
    }

    /** The second MLP projection; unlike ViT's output it adds no residual (BeitLayer does, after layer scale). */
    public static final class BeitOutput extends HfBlock {
        final Linear dense;

        BeitOutput(BeitConfig c) {
            dense = child("dense", new Linear(c.intermediateSize, c.hiddenSize, true));
        }

        @Override
        public Tensor forward(Tensor x) {
            return dense.forward(x);
        }
    }

    /** Pre-LN block; with layer scale (lambda_1, lambda_2) on both residual branches when configured. */
    public static final class BeitLayer extends HfBlock {
        final BeitAttention attention;
        final BeitIntermediate intermediate;
        final BeitOutput output;
        final LayerNorm layernormBefore;
        final LayerNorm layernormAfter;
        final Parameter lambda1;
        final Parameter lambda2;

        BeitLayer(BeitConfig c, int[] windowSize) {
            attention = child("attention", new BeitAttention(c, windowSize));
            intermediate = child("intermediate", new BeitIntermediate(c));
            output = child("output", new BeitOutput(c));
            layernormBefore = child("layernorm_before", new LayerNorm(c.hiddenSize, c.layerNormEps));
            layernormAfter = child("layernorm_after", new LayerNorm(c.hiddenSize, c.layerNormEps));
            boolean scale = c.layerScaleInitValue > 0;
            lambda1 = scale ? param("lambda_1", c.hiddenSize) : null;
            lambda2 = scale ? param("lambda_2", c.hiddenSize) : null;
        }

        /** Returns {layer output, attention probabilities (null unless {@code keepProbs})}. */
        Tensor[] forwardWithAttention(Tensor input, Window window, Tensor sharedBias, boolean keepProbs) {
            return input.ops().scope(new Tensor[] {input}, in -> {
                Tensor h = in[0];
                Ops o = h.ops();
                Tensor[] a = attention.forwardWithAttention(layernormBefore.forward(h), window, sharedBias);
                Tensor att = lambda1 == null ? a[0] : w(o, lambda1).mul(a[0]);
                Tensor h1 = att.add(h);
                Tensor out = output.forward(intermediate.forward(layernormAfter.forward(h1)));
                if (lambda2 != null) {
                    out = w(o, lambda2).mul(out);
                }
                return new Tensor[] {out.add(h1), keepProbs ? a[1] : null};
            });
        }
    }

    public static final class BeitEncoder extends HfBlock {
        final BeitRelativePositionBias relativePositionBias;
        final ModuleList<BeitLayer> layer;
        final boolean anyBias;

        BeitEncoder(BeitConfig c) {
            int[] windowSize = c.patchShape();
            relativePositionBias = c.useSharedRelativePositionBias
                    ? child("relative_position_bias", new BeitRelativePositionBias(c, windowSize)) : null;
            layer = child("layer", new ModuleList<>());
            for (int i = 0; i < c.numHiddenLayers; i++) {
                layer.add(new BeitLayer(c, c.useRelativePositionBias ? windowSize : null));
            }
            anyBias = c.useSharedRelativePositionBias || c.useRelativePositionBias;
        }

        /**
         * Runs every layer on the tokens of a wh x ww patch grid; {@code hiddenStates} receives the embeddings
         * and each layer's output, {@code attentions} each layer's probabilities if non-null.
         */
        Tensor forward(Tensor h, Dim wh, Dim ww, List<Tensor> hiddenStates, List<Tensor> attentions) {
            Window window = new Window(wh, ww, anyBias ? BeitRelativePositionBias.relativePositionIndex(h.ops(), wh, ww) : null);
            // transformers recomputes the shared bias in every layer from the same table: the same values
            Tensor shared = relativePositionBias == null ? null : relativePositionBias.forward(wh, ww, window.index());
            hiddenStates.add(h);
            for (BeitLayer l : layer.items()) {
                Tensor[] r = l.forwardWithAttention(h, window, shared, attentions != null);
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
     * transformers' {@code BeitBackbone}: hidden_states[i] for the stages in out_features (0 = embeddings),
     * tokens with CLS, no final norm; [B, C, h, w] maps with {@code reshape_hidden_states}.
     */
    public static final class BeitBackbone extends HfBlock implements Backbone {
        final BeitEmbeddings embeddings;
        final BeitEncoder encoder;
        final BeitConfig config;

        public BeitBackbone(BeitConfig c) {
            this.config = c;
            embeddings = child("embeddings", new BeitEmbeddings(c));
            encoder = child("encoder", new BeitEncoder(c));
        }

        @Override
        public List<Tensor> featureMaps(Tensor pixelValues, ForwardContext ctx, List<Tensor> hiddenStates, List<Tensor> attentions) {
            DPTModeling.checkPixelValues(pixelValues, config.numChannels, config.patchSize);
            // window_size = (height // patch_size, width // patch_size), which is also the patch grid of the conv
            Dim patchHeight = pixelValues.dim(2).div(config.patchSize);
            Dim patchWidth = pixelValues.dim(3).div(config.patchSize);
            List<Tensor> all = new ArrayList<>();
            encoder.forward(embeddings.forward(pixelValues), patchHeight, patchWidth, all, attentions);
            hiddenStates.addAll(all);
            List<Tensor> maps = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                if (!config.selectsStage(i)) {
                    continue;
                }
                Tensor h = all.get(i);
                if (config.reshapeHiddenStates) {
                    h = h.slice(1, 1, Long.MAX_VALUE).transpose(0, 2, 1).reshape(pixelValues.dim(0), config.hiddenSize,
                            patchHeight, patchWidth);
                }
                maps.add(h);
            }
            return maps;
        }
    }
}
