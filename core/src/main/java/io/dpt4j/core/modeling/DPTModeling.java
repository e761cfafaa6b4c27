package io.dpt4j.core.modeling;

import ai.djl.nn.Parameter;
import io.dpt4j.core.config.BitConfig;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.nn.Dim;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.nn.Layers.BatchNorm2d;
import io.dpt4j.core.nn.Layers.Conv2d;
import io.dpt4j.core.nn.Layers.ConvTranspose2d;
import io.dpt4j.core.nn.Layers.Identity;
import io.dpt4j.core.nn.Layers.LayerNorm;
import io.dpt4j.core.nn.Layers.Linear;
import io.dpt4j.core.nn.Layers.ModuleList;
import io.dpt4j.core.nn.Ops;
import io.dpt4j.core.nn.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * transformers' modeling_dpt, module for module, written once for both engines (see
 * {@link io.dpt4j.core.nn}). Class and attribute names are transformers' own, so the parameter paths
 * built here are the checkpoint keys.
 */
public final class DPTModeling {
    private DPTModeling() {}

    /**
     * Bilinear (align_corners=False) resize of a [1, 1 + g*g, C] position embedding's grid part to
     * gh x gw, keeping the leading CLS entry: {@code _resize_pos_embed}.
     */
    static Tensor resizePosEmbed(Tensor posemb, Dim gh, Dim gw) {
        long c = posemb.dim(2).value();
        long n = posemb.dim(1).value() - 1;
        long old = (long) Math.floor(Math.sqrt(n));
        if (old * old != n) {
            throw new IllegalStateException("position_embeddings has " + n + " grid entries, not a square number");
        }
        Tensor tok = posemb.slice(1, 0, 1);
        Tensor grid = posemb.slice(1, 1, Long.MAX_VALUE).reshape(1, old, old, c).transpose(0, 3, 1, 2);
        grid = grid.interpolateBilinear(gh, gw, false);
        grid = grid.transpose(0, 2, 3, 1).reshape(1, gh.times(gw), c);
        return posemb.ops().concat(1, tok, grid);
    }

    /** The input checks of every DPT trunk: [batch, channels, height, width], at least one patch. */
    static void checkPixelValues(Tensor px, long channels, long patchSize) {
        Dim[] s = px.dims();
        if (s.length != 4 || !s[1].equals(Dim.of(channels))) {
            throw new IllegalArgumentException("pixel_values must have shape [batch, " + channels
                    + ", height, width], got " + Arrays.toString(s));
        }
        if (s[2].isKnown() && s[2].value() < patchSize || s[3].isKnown() && s[3].value() < patchSize) {
            throw new IllegalArgumentException("pixel_values " + Arrays.toString(s) + " is smaller than one "
                    + patchSize + "x" + patchSize + " patch");
        }
    }

    // ------------------------------------------------------------------ embeddings

    public static final class DPTViTPatchEmbeddings extends HfBlock {
        final Conv2d projection;

        DPTViTPatchEmbeddings(DPTConfig c) {
            projection = child("projection", new Conv2d(c.numChannels, c.hiddenSize, c.patchSize, c.patchSize, 0, true));
        }

        @Override
        public Tensor forward(Tensor x) {
            return projection.forward(x).flattenToTokens();
        }
    }

    /** Patch embeddings + CLS + position embeddings resized to the input's token grid. */
    public static final class DPTViTEmbeddings extends HfBlock {
        final Parameter clsToken;
        final Parameter positionEmbeddings;
        final DPTViTPatchEmbeddings patchEmbeddings;
        final DPTConfig config;

        DPTViTEmbeddings(DPTConfig c) {
            this.config = c;
            clsToken = param("cls_token", 1, 1, c.hiddenSize);
            long numPatches = (long) (c.imageSize[0] / c.patchSize) * (c.imageSize[1] / c.patchSize);
            positionEmbeddings = param("position_embeddings", 1, numPatches + 1, c.hiddenSize);
            patchEmbeddings = child("patch_embeddings", new DPTViTPatchEmbeddings(c));
        }

        @Override
        public Tensor forward(Tensor pixelValues) {
            Ops o = pixelValues.ops();
            Tensor pos = resizePosEmbed(w(o, positionEmbeddings), pixelValues.dim(2).div(config.patchSize),
                    pixelValues.dim(3).div(config.patchSize));
            Tensor emb = patchEmbeddings.forward(pixelValues);
            Tensor cls = w(o, clsToken).expand(pixelValues.dim(0), 1, config.hiddenSize);
            return o.concat(1, cls, emb).add(pos);
        }
    }

    /** DPT-Hybrid: BiT feature maps, a 1x1 projection of the last one into tokens, CLS, positions. */
    public static final class DPTViTHybridEmbeddings extends HfBlock {
        final BitModeling.BitBackbone backbone;
        final Conv2d projection;
        final Parameter clsToken;
        final Parameter positionEmbeddings;
        final DPTConfig config;

        DPTViTHybridEmbeddings(DPTConfig c) {
            this.config = c;
            backbone = child("backbone", new BitModeling.BitBackbone((BitConfig) c.backboneConfig));
            if (backbone.channels().size() != 3) {
                throw new ConfigException("DPT-Hybrid expects a BiT backbone with 3 output stages, got "
                        + backbone.channels().size() + " (backbone_config.out_features)");
            }
            long featureDim = c.backboneFeatmapShape.get(1);
            long numPatches = (long) c.backboneFeatmapShape.get(2) * c.backboneFeatmapShape.get(3);
            projection = child("projection", new Conv2d(featureDim, c.hiddenSize, 1, 1, 0, true));
            clsToken = param("cls_token", 1, 1, c.hiddenSize);
            positionEmbeddings = param("position_embeddings", 1, numPatches + 1, c.hiddenSize);
        }

        /** Returns the token embeddings; the first two BiT maps go to {@code intermediate}. */
        public Tensor forward(Tensor pixelValues, List<Tensor> intermediate, ForwardContext ctx) {
            Dim h = pixelValues.dim(2);
            Dim wd = pixelValues.dim(3);
            if (!h.equals(Dim.of(config.imageSize[0])) || !wd.equals(Dim.of(config.imageSize[1]))) {
                throw new IllegalArgumentException("Input image size (" + h + "*" + wd
                        + ") doesn't match model (" + config.imageSize[0] + "*" + config.imageSize[1]
                        + "): DPT-Hybrid only accepts its configured image_size");
            }
            Ops o = pixelValues.ops();
            Tensor pos = resizePosEmbed(w(o, positionEmbeddings), h.div(config.patchSize), wd.div(config.patchSize));
            List<Tensor> maps = backbone.featureMaps(pixelValues, ctx, "debug.dpt.embeddings.backbone.");
            for (int i = 0; i < maps.size(); i++) {
                ctx.capture("debug.dpt.embeddings.backbone.feature_maps." + i, maps.get(i));
            }
            intermediate.add(maps.get(0));
            intermediate.add(maps.get(1));
            Tensor e = projection.forward(maps.get(maps.size() - 1)).flattenToTokens();
            Tensor cls = w(o, clsToken).expand(pixelValues.dim(0), 1, config.hiddenSize);
            return o.concat(1, cls, e).add(pos);
        }
    }

    // ------------------------------------------------------------------ encoder

    /**
     * Multi-head self-attention of ViT-like encoders (DPT-ViT, DINOv2, BEiT): {@code softmax(q k^T * scale
     * + biases) v} with {@code scale} multiplied (DINOv2) or {@code sqrt(head_size)} divided (ViT, BEiT), as
     * each transformers module writes it; {@code scoreBiases} (BEiT's relative position biases, null ones
     * skipped) are added in order. Returns {context [B, S, heads*head_size], probabilities}.
     */
    static Tensor[] selfAttention(Linear query, Linear key, Linear value, int heads, int headSize, Tensor h, boolean multiply,
            boolean keepProbs, Tensor... scoreBiases) {
        Dim b = h.dim(0);
        Dim s = h.dim(1);
        Tensor qp = query.forward(h);
        Tensor kp = key.forward(h);
        Tensor vp = value.forward(h);
        if (!keepProbs && Arrays.stream(scoreBiases).allMatch(Objects::isNull)) {
            Tensor ctx = h.ops().fusedAttention(qp, kp, vp, heads, (float) Math.pow(headSize, -0.5));
            if (ctx != null) {
                return new Tensor[] {ctx, null};
            }
        }
        Tensor q = qp.reshape(b, s, heads, headSize).transpose(0, 2, 1, 3);
        Tensor kT = kp.reshape(b, s, heads, headSize).transpose(0, 2, 3, 1);
        Tensor v = vp.reshape(b, s, heads, headSize).transpose(0, 2, 1, 3);
        Tensor scores = q.matmul(kT);
        scores = multiply ? scores.mul((float) Math.pow(headSize, -0.5)) : scores.div((float) Math.sqrt(headSize));
        for (Tensor bias : scoreBiases) {
            if (bias != null) {
                scores = scores.add(bias);
            }
        }
        Tensor probs = scores.softmax(-1);
        Tensor ctx = probs.matmul(v).transpose(0, 2, 1, 3).reshape(b, s, (long) heads * headSize);
        return new Tensor[] {ctx, probs};
    }

    public static final class DPTViTSelfAttention extends HfBlock {
        final Linear query;
        final Linear key;
        final Linear value;
        final int heads;
        final int headSize;

        DPTViTSelfAttention(DPTConfig c) {
            heads = c.numAttentionHeads;
            headSize = c.hiddenSize / c.numAttentionHeads;
            query = child("query", new Linear(c.hiddenSize, (long) heads * headSize, c.qkvBias));
            key = child("key", new Linear(c.hiddenSize, (long) heads * headSize, c.qkvBias));
            value = child("value", new Linear(c.hiddenSize, (long) heads * headSize, c.qkvBias));
        }

        /** Returns {context, attention probabilities (null unless {@code keepProbs})}. */
        public Tensor[] forwardWithAttention(Tensor h, boolean keepProbs) {
            return selfAttention(query, key, value, heads, headSize, h, false, keepProbs);
        }
    }

    public static final class DPTViTSelfOutput extends HfBlock {
        final Linear dense;

        DPTViTSelfOutput(DPTConfig c) {
            dense = child("dense", new Linear(c.hiddenSize, c.hiddenSize, true));
        }

        @Override
        public Tensor forward(Tensor x) {
            return dense.forward(x);
        }
    }

    public static final class DPTViTAttention extends HfBlock {
        final DPTViTSelfAttention attention;
        final DPTViTSelfOutput output;

        DPTViTAttention(DPTConfig c) {
            attention = child("attention", new DPTViTSelfAttention(c));
            output = child("output", new DPTViTSelfOutput(c));
        }

        public Tensor[] forwardWithAttention(Tensor h, boolean keepProbs) {
            Tensor[] a = attention.forwardWithAttention(h, keepProbs);
            return new Tensor[] {output.forward(a[0]), a[1]};
        }
    }

    public static final class DPTViTIntermediate extends HfBlock {
        final Linear dense;
        final String act;

        DPTViTIntermediate(DPTConfig c) {
            dense = child("dense", new Linear(c.hiddenSize, c.intermediateSize, true));
            act = c.hiddenAct;
        }

        @Override
        public Tensor forward(Tensor x) {
            return dense.forward(x).act(act);
        }
    }

    public static final class DPTViTOutput extends HfBlock {
        final Linear dense;

        DPTViTOutput(DPTConfig c) {
            dense = child("dense", new Linear(c.intermediateSize, c.hiddenSize, true));
        }

        public Tensor forward(Tensor x, Tensor residual) {
            return dense.forward(x).add(residual);
        }
    }

    /** Pre-LN transformer block. */
    public static final class DPTViTLayer extends HfBlock {
        final DPTViTAttention attention;
        final DPTViTIntermediate intermediate;
        final DPTViTOutput output;
        final LayerNorm layernormBefore;
        final LayerNorm layernormAfter;

        DPTViTLayer(DPTConfig c) {
            attention = child("attention", new DPTViTAttention(c));
            intermediate = child("intermediate", new DPTViTIntermediate(c));
            output = child("output", new DPTViTOutput(c));
            layernormBefore = child("layernorm_before", new LayerNorm(c.hiddenSize, c.layerNormEps));
            layernormAfter = child("layernorm_after", new LayerNorm(c.hiddenSize, c.layerNormEps));
        }

        /** Returns {layer output, attention probabilities (null unless {@code keepProbs})}. */
        public Tensor[] forwardWithAttention(Tensor input, boolean keepProbs) {
            return input.ops().scope(new Tensor[] {input}, in -> {
                Tensor h = in[0];
                Tensor[] a = attention.forwardWithAttention(layernormBefore.forward(h), keepProbs);
                Tensor h1 = a[0].add(h);
                Tensor out = output.forward(intermediate.forward(layernormAfter.forward(h1)), h1);
                return new Tensor[] {out, keepProbs ? a[1] : null};
            });
        }
    }

    public static final class DPTViTEncoder extends HfBlock {
        final ModuleList<DPTViTLayer> layer;

        DPTViTEncoder(DPTConfig c) {
            layer = child("layer", new ModuleList<>());
            for (int i = 0; i < c.numHiddenLayers; i++) {
                layer.add(new DPTViTLayer(c));
            }
        }

        /**
         * Runs every layer; {@code hiddenStates} receives the embeddings and each layer's output
         * (always, since the neck needs them), {@code attentions} each layer's probabilities if non-null.
         */
        public Tensor forward(Tensor h, List<Tensor> hiddenStates, List<Tensor> attentions) {
            for (DPTViTLayer l : layer.items()) {
                hiddenStates.add(h);
                Tensor[] r = l.forwardWithAttention(h, attentions != null);
                h = r[0];
                if (attentions != null) {
                    attentions.add(r[1]);
                }
            }
            hiddenStates.add(h);
            return h;
        }
    }

    public static final class DPTViTPooler extends HfBlock {
        final Linear dense;
        final String act;

        DPTViTPooler(DPTConfig c) {
            dense = child("dense", new Linear(c.hiddenSize, c.poolerOutputSize, true));
            act = c.poolerAct;
        }

        @Override
        public Tensor forward(Tensor lastHidden) {
            return dense.forward(lastHidden.select(1, 0)).act(act);
        }
    }

    /** The result of {@link DPTModelBlock#forward}. */
    public static final class DPTModelResult {
        public Tensor lastHiddenState;
        public Tensor poolerOutput;
        public List<Tensor> hiddenStates = new ArrayList<>();
        public List<Tensor> attentions;
        public List<Tensor> intermediateActivations;
    }

    /** transformers' DPTModel: embeddings, ViT encoder, final LayerNorm, optional pooler. */
    public static final class DPTModelBlock extends HfBlock {
        final HfBlock embeddings;
        final DPTViTEncoder encoder;
        final LayerNorm layernorm;
        final DPTViTPooler pooler;
        final DPTConfig config;

        public DPTModelBlock(DPTConfig c, boolean addPoolingLayer) {
            this.config = c;
            embeddings = child("embeddings", c.isHybrid ? new DPTViTHybridEmbeddings(c) : new DPTViTEmbeddings(c));
            encoder = child("encoder", new DPTViTEncoder(c));
            layernorm = child("layernorm", new LayerNorm(c.hiddenSize, c.layerNormEps));
            pooler = addPoolingLayer ? child("pooler", new DPTViTPooler(c)) : null;
        }

        public DPTModelResult forward(Tensor pixelValues, ForwardContext ctx, boolean needLastHidden) {
            checkPixelValues(pixelValues, config.numChannels, config.patchSize);
            DPTModelResult r = new DPTModelResult();
            Tensor emb;
            if (embeddings instanceof DPTViTHybridEmbeddings) {
                r.intermediateActivations = new ArrayList<>();
                emb = ((DPTViTHybridEmbeddings) embeddings).forward(pixelValues, r.intermediateActivations, ctx);
                for (int i = 0; i < r.intermediateActivations.size(); i++) {
                    ctx.capture("debug.dpt.intermediate_activations." + i, r.intermediateActivations.get(i));
                }
            } else {
                emb = embeddings.forward(pixelValues);
            }
            r.attentions = ctx.outputAttentions ? new ArrayList<>() : null;
            Tensor last = encoder.forward(emb, r.hiddenStates, r.attentions);
            if (needLastHidden || pooler != null) {
                r.lastHiddenState = layernorm.forward(last);
                ctx.capture("debug.dpt.last_hidden_state", r.lastHiddenState);
                if (pooler != null) {
                    r.poolerOutput = pooler.forward(r.lastHiddenState);
                }
            }
            return r;
        }
    }

    // ------------------------------------------------------------------ neck

    /**
     * The up/down-sampling of a reassemble stage (shared with Depth Anything): ConvTranspose with
     * kernel = stride = factor above 1, none at 1, a 3x3 conv of stride int(1/factor) below.
     */
    static HfBlock resizeFor(int channels, double factor) {
        if (factor > 1) {
            return new ConvTranspose2d(channels, channels, (int) factor);
        }
        return factor == 1 ? null : new Conv2d(channels, channels, 3, (int) (1 / factor), 1, true);
    }

    /** Projection to the stage's channels, then the resize by the stage's factor. */
    public static final class DPTReassembleLayer extends HfBlock {
        final Conv2d projection;
        final HfBlock resize;

        DPTReassembleLayer(DPTConfig c, int channels, double factor) {
            projection = child("projection", new Conv2d(c.backboneHiddenSize(), channels, 1, 1, 0, true));
            HfBlock r = resizeFor(channels, factor);
            resize = r == null ? null : child("resize", r);
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = projection.forward(x);
            return resize == null ? h : resize.forward(h);
        }
    }

    /** A Linear + activation (the {@code readout_projects.i} Sequential). */
    public static final class ReadoutProject extends HfBlock {
        final Linear linear;
        final String act;

        ReadoutProject(int hidden, String act) {
            linear = child("0", new Linear(2L * hidden, hidden, true));
            this.act = act;
        }

        @Override
        public Tensor forward(Tensor x) {
            return linear.forward(x).act(act);
        }
    }

    /** Token sequences to image-like feature maps at the configured resolutions. */
    public static final class DPTReassembleStage extends HfBlock {
        final ModuleList<HfBlock> layers;
        final ModuleList<HfBlock> readoutProjects;
        final DPTConfig config;

        DPTReassembleStage(DPTConfig c) {
            this.config = c;
            int n = c.neckHiddenSizes.size();
            layers = child("layers", new ModuleList<>());
            int hidden = c.backboneHiddenSize();
            if (c.isHybrid) {
                for (int i = 0; i < n; i++) {
                    layers.add(i <= 1 ? new Identity() : new DPTReassembleLayer(c, c.neckHiddenSizes.get(i), c.reassembleFactors.get(i)));
                }
                readoutProjects = child("readout_projects", new ModuleList<>());
                for (int i = 0; i < n; i++) {
                    readoutProjects.add(i <= 1 ? new Identity() : new ReadoutProject(hidden, c.hiddenAct));
                }
            } else {
                for (int i = 0; i < n; i++) {
                    layers.add(new DPTReassembleLayer(c, c.neckHiddenSizes.get(i), c.reassembleFactors.get(i)));
                }
                if (c.readoutType.equals("project")) {
                    readoutProjects = child("readout_projects", new ModuleList<>());
                    for (int i = 0; i < n; i++) {
                        readoutProjects.add(new ReadoutProject(hidden, c.hiddenAct));
                    }
                } else {
                    readoutProjects = null;
                }
            }
        }

        /** @param patchHeight the token grid, or null to take the square root of the token count as transformers */
        public List<Tensor> forward(List<Tensor> hiddenStates, Dim patchHeight, Dim patchWidth) {
            List<Tensor> out = new ArrayList<>();
            for (int i = 0; i < hiddenStates.size(); i++) {
                Tensor hs = hiddenStates.get(i);
                if (config.neckIgnoreStages.contains(i)) {
                    out.add(hs);
                    continue;
                }
                final int stage = i;
                out.add(hs.scoped(x -> reassemble(x, stage, patchHeight, patchWidth)));
            }
            return out;
        }

        private Tensor reassemble(Tensor hs, int i, Dim patchHeight, Dim patchWidth) {
            Dim b = hs.dim(0);
            Dim seq = hs.dim(1).minus(1);
            Dim ch = hs.dim(2);
            Tensor cls = hs.slice(1, 0, 1);
            Tensor tokens = hs.slice(1, 1, Long.MAX_VALUE);
            Dim ph = patchHeight;
            Dim pw = patchWidth;
            if (ph == null || pw == null) {
                ph = seq.sqrtFloor();
                pw = ph;
                if (seq.isKnown() && ph.times(pw).value() != seq.value()) {
                    throw new IllegalArgumentException("DPT's neck reshapes the " + seq
                            + " patch tokens into a square grid (as transformers does), so head models need a square token grid: "
                            + "use an input whose height and width give the same number of patches (DPTModel accepts non-square input)");
                }
            }
            Tensor h;
            switch (config.readoutType) {
                case "project": {
                    Tensor readout = cls.expand(b, seq, ch);
                    h = readoutProjects.get(i).forward(hs.ops().concat(-1, tokens, readout));
                    break;
                }
                case "add":
                    h = tokens.add(cls);
                    break;
                default:
                    h = tokens;
            }
            h = h.reshape(b, ph, pw, h.dim(2)).transpose(0, 3, 1, 2);
            return layers.get(i).forward(h);
        }
    }

    public static final class DPTPreActResidualLayer extends HfBlock {
        final Conv2d convolution1;
        final Conv2d convolution2;
        final BatchNorm2d batchNorm1;
        final BatchNorm2d batchNorm2;

        DPTPreActResidualLayer(DPTConfig c) {
            boolean bn = c.useBatchNormInFusionResidual;
            boolean bias = c.effectiveUseBiasInFusionResidual();
            int f = c.fusionHiddenSize;
            convolution1 = child("convolution1", new Conv2d(f, f, 3, 1, 1, bias));
            convolution2 = child("convolution2", new Conv2d(f, f, 3, 1, 1, bias));
            batchNorm1 = bn ? child("batch_norm1", new BatchNorm2d(f)) : null;
            batchNorm2 = bn ? child("batch_norm2", new BatchNorm2d(f)) : null;
        }

        @Override
        public Tensor forward(Tensor input) {
            return input.scoped(x -> {
                Tensor h = convolution1.forward(x.relu());
                if (batchNorm1 != null) {
                    h = batchNorm1.forward(h);
                }
                h = convolution2.forward(h.relu());
                if (batchNorm2 != null) {
                    h = batchNorm2.forward(h);
                }
                return h.add(x);
            });
        }
    }

    public static final class DPTFeatureFusionLayer extends HfBlock {
        final Conv2d projection;
        final DPTPreActResidualLayer residualLayer1;
        final DPTPreActResidualLayer residualLayer2;

        DPTFeatureFusionLayer(DPTConfig c) {
            projection = child("projection", new Conv2d(c.fusionHiddenSize, c.fusionHiddenSize, 1, 1, 0, true));
            residualLayer1 = child("residual_layer1", new DPTPreActResidualLayer(c));
            residualLayer2 = child("residual_layer2", new DPTPreActResidualLayer(c));
        }

        public Tensor forward(Tensor hidden, Tensor residualIn) {
            return hidden.ops().scope(new Tensor[] {hidden, residualIn}, in -> {
                Tensor h = in[0];
                Tensor residual = in[1];
                if (residual != null) {
                    // resized when the shapes differ (interpolate is the identity when they match)
                    residual = residual.interpolateBilinear(h.dim(2), h.dim(3), false);
                    h = h.add(residualLayer1.forward(residual));
                }
                h = residualLayer2.forward(h);
                h = h.interpolateBilinear(h.dim(2).times(2), h.dim(3).times(2), true);
                return new Tensor[] {projection.forward(h)};
            })[0];
        }
    }

    /** Fuses the maps deepest first; element i of the result is the i-th fusion output. */
    public static final class DPTFeatureFusionStage extends HfBlock {
        final ModuleList<DPTFeatureFusionLayer> layers;

        DPTFeatureFusionStage(DPTConfig c) {
            layers = child("layers", new ModuleList<>());
            for (int i = 0; i < c.neckHiddenSizes.size(); i++) {
                layers.add(new DPTFeatureFusionLayer(c));
            }
        }

        public List<Tensor> forward(List<Tensor> features) {
            List<Tensor> fused = new ArrayList<>();
            Tensor h = null;
            for (int i = 0; i < features.size(); i++) {
                Tensor f = features.get(features.size() - 1 - i);
                h = h == null ? layers.get(i).forward(f, null) : layers.get(i).forward(h, f);
                fused.add(h);
            }
            return fused;
        }
    }

    public static final class DPTNeck extends HfBlock {
        final DPTReassembleStage reassembleStage;
        final ModuleList<Conv2d> convs;
        final DPTFeatureFusionStage fusionStage;
        final DPTConfig config;

        public DPTNeck(DPTConfig c) {
            this.config = c;
            boolean hierarchical = c.backboneConfig != null && c.backboneConfig.modelType().equals("swinv2");
            reassembleStage = hierarchical ? null : child("reassemble_stage", new DPTReassembleStage(c));
            convs = child("convs", new ModuleList<>());
            for (int ch : c.neckHiddenSizes) {
                convs.add(new Conv2d(ch, c.fusionHiddenSize, 3, 1, 1, false));
            }
            fusionStage = child("fusion_stage", new DPTFeatureFusionStage(c));
        }

        public List<Tensor> forward(List<Tensor> hiddenStates, Dim patchHeight, Dim patchWidth, ForwardContext ctx) {
            if (hiddenStates.size() != config.neckHiddenSizes.size()) {
                throw new IllegalStateException("The neck got " + hiddenStates.size() + " feature maps but neck_hidden_sizes has "
                        + config.neckHiddenSizes.size() + " entries: backbone_out_indices / out_features and neck_hidden_sizes must have the same length");
            }
            List<Tensor> hs = hiddenStates;
            if (reassembleStage != null) {
                hs = reassembleStage.forward(hs, patchHeight, patchWidth);
                for (int i = 0; i < hs.size(); i++) {
                    ctx.capture("debug.neck.reassemble_stage." + i, hs.get(i));
                }
            }
            List<Tensor> features = new ArrayList<>();
            for (int i = 0; i < hs.size(); i++) {
                features.add(convs.get(i).forward(hs.get(i)));
                ctx.capture("debug.neck.convs." + i, features.get(i));
            }
            List<Tensor> fused = fusionStage.forward(features);
            for (int i = 0; i < fused.size(); i++) {
                ctx.capture("debug.neck.fusion_stage." + i, fused.get(i));
            }
            return fused;
        }
    }

    // ------------------------------------------------------------------ heads

    static int pick(List<Tensor> maps, int index) {
        return index < 0 ? maps.size() + index : index;
    }

    /** The parameter-free gaps of an nn.Sequential (ReLU, Upsample, Dropout) are not children. */
    public static final class DPTDepthEstimationHead extends HfBlock {
        final Conv2d projection;
        final ModuleList<Conv2d> head;
        final int headInIndex;

        DPTDepthEstimationHead(DPTConfig c) {
            headInIndex = c.headInIndex;
            projection = c.addProjection ? child("projection", new Conv2d(256, 256, 3, 1, 1, true)) : null;
            int f = c.fusionHiddenSize;
            head = child("head", new ModuleList<>());
            head.addAt(0, new Conv2d(f, f / 2, 3, 1, 1, true));
            head.addAt(2, new Conv2d(f / 2, 32, 3, 1, 1, true));
            head.addAt(4, new Conv2d(32, 1, 1, 1, 0, true));
        }

        public Tensor forward(List<Tensor> hiddenStates) {
            return hiddenStates.get(pick(hiddenStates, headInIndex)).scoped(x -> {
                Tensor h = x;
                if (projection != null) {
                    h = projection.forward(h).relu();
                }
                h = head.get(0).forward(h);
                h = h.interpolateBilinear(h.dim(2).times(2), h.dim(3).times(2), true);
                h = head.get(1).forward(h).relu();
                h = head.get(2).forward(h).relu();
                return h.squeeze(1);
            });
        }
    }

    public static final class DPTSemanticSegmentationHead extends HfBlock {
        final Conv2d conv;
        final BatchNorm2d bn;
        final Conv2d classifier;
        final int headInIndex;

        DPTSemanticSegmentationHead(DPTConfig c) {
            headInIndex = c.headInIndex;
            int f = c.fusionHiddenSize;
            ModuleList<HfBlock> head = child("head", new ModuleList<>());
            conv = head.addAt(0, new Conv2d(f, f, 3, 1, 1, false));
            bn = head.addAt(1, new BatchNorm2d(f));
            classifier = head.addAt(4, new Conv2d(f, c.numLabels(), 1, 1, 0, true));
        }

        public Tensor forward(List<Tensor> hiddenStates) {
            return hiddenStates.get(pick(hiddenStates, headInIndex)).scoped(x -> {
                Tensor h = classifier.forward(bn.forward(conv.forward(x)).relu());
                return h.interpolateBilinear(h.dim(2).times(2), h.dim(3).times(2), true);
            });
        }
    }

    public static final class DPTAuxiliaryHead extends HfBlock {
        final Conv2d conv;
        final BatchNorm2d bn;
        final Conv2d classifier;

        DPTAuxiliaryHead(DPTConfig c) {
            int f = c.fusionHiddenSize;
            ModuleList<HfBlock> head = child("head", new ModuleList<>());
            conv = head.addAt(0, new Conv2d(f, f, 3, 1, 1, false));
            bn = head.addAt(1, new BatchNorm2d(f));
            classifier = head.addAt(4, new Conv2d(f, c.numLabels(), 1, 1, 0, true));
        }

        @Override
        public Tensor forward(Tensor lastFused) {
            return lastFused.scoped(x -> classifier.forward(bn.forward(conv.forward(x)).relu()));
        }
    }

    public static DPTDepthEstimationHead depthHead(DPTConfig c) {
        return new DPTDepthEstimationHead(c);
    }

    public static DPTSemanticSegmentationHead segmentationHead(DPTConfig c) {
        return new DPTSemanticSegmentationHead(c);
    }

    public static DPTAuxiliaryHead auxiliaryHead(DPTConfig c) {
        return new DPTAuxiliaryHead(c);
    }
}
