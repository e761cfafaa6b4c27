package io.dpt4j.core.modeling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.dpt4j.core.config.BitConfig;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.nn.F;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.nn.Scope;
import io.dpt4j.core.nn.Layers.BatchNorm2d;
import io.dpt4j.core.nn.Layers.Conv2d;
import io.dpt4j.core.nn.Layers.ConvTranspose2d;
import io.dpt4j.core.nn.Layers.LayerNorm;
import io.dpt4j.core.nn.Layers.Linear;
import io.dpt4j.core.nn.Layers.ModuleList;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' modeling_dpt, module for module. Class and attribute names are transformers' own, so
 * the parameter paths built here are the checkpoint keys.
 */
public final class DPTModeling {
    private DPTModeling() {}

    /** A copy of a parameter owned by the activation's manager, so ops on it are freed with the pass. */
    public static NDArray local(NDArray param, NDManager m) {
        NDArray out = m.zeros(param.getShape(), param.getDataType());
        return out.addi(param);
    }

    /**
     * Bilinear (align_corners=False) resize of a [1, 1 + g*g, C] position embedding's grid part to
     * gh x gw, keeping the leading CLS entry: {@code _resize_pos_embed}.
     */
    static NDArray resizePosEmbed(NDArray posemb, long gh, long gw, NDManager m) {
        NDArray pos = local(posemb, m);
        long c = pos.getShape().get(2);
        long n = pos.getShape().get(1) - 1;
        long old = (long) Math.floor(Math.sqrt(n));
        if (old * old != n) {
            throw new IllegalStateException("position_embeddings has " + n + " grid entries, not a square number");
        }
        NDArray tok = pos.get(new NDIndex(":, :1, :"));
        NDArray grid = pos.get(new NDIndex("0, 1:, :")).reshape(1, old, old, c).transpose(0, 3, 1, 2);
        grid = F.interpolateBilinear(grid, gh, gw, false);
        grid = grid.transpose(0, 2, 3, 1).reshape(1, gh * gw, c);
        return NDArrays.concat(new NDList(tok, grid), 1);
    }

    // ------------------------------------------------------------------ embeddings

    public static final class DPTViTPatchEmbeddings extends HfBlock {
        final Conv2d projection;

        DPTViTPatchEmbeddings(DPTConfig c) {
            projection = child("projection", new Conv2d(c.numChannels, c.hiddenSize, c.patchSize, c.patchSize, 0, true));
        }

        @Override
        public NDArray forward(NDArray x) {
            NDArray e = projection.forward(x);
            Shape s = e.getShape();
            return e.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1);
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
        public NDArray forward(NDArray pixelValues) {
            Shape s = pixelValues.getShape();
            NDManager m = pixelValues.getManager();
            long gh = s.get(2) / config.patchSize;
            long gw = s.get(3) / config.patchSize;
            NDArray pos = resizePosEmbed(v(positionEmbeddings), gh, gw, m);
            NDArray emb = patchEmbeddings.forward(pixelValues);
            NDArray cls = local(v(clsToken), m).broadcast(new Shape(s.get(0), 1, config.hiddenSize));
            return NDArrays.concat(new NDList(cls, emb), 1).add(pos);
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
        public NDArray forward(NDArray pixelValues, List<NDArray> intermediate, ForwardContext ctx) {
            Shape s = pixelValues.getShape();
            if (s.get(2) != config.imageSize[0] || s.get(3) != config.imageSize[1]) {
                throw new IllegalArgumentException("Input image size (" + s.get(2) + "*" + s.get(3)
                        + ") doesn't match model (" + config.imageSize[0] + "*" + config.imageSize[1]
                        + "): DPT-Hybrid only accepts its configured image_size");
            }
            NDManager m = pixelValues.getManager();
            NDArray pos = resizePosEmbed(v(positionEmbeddings), s.get(2) / config.patchSize, s.get(3) / config.patchSize, m);
            List<NDArray> maps = backbone.featureMaps(pixelValues, ctx, "debug.dpt.embeddings.backbone.");
            for (int i = 0; i < maps.size(); i++) {
                ctx.capture("debug.dpt.embeddings.backbone.feature_maps." + i, maps.get(i));
            }
            intermediate.add(maps.get(0));
            intermediate.add(maps.get(1));
            NDArray e = projection.forward(maps.get(maps.size() - 1));
            Shape es = e.getShape();
            e = e.reshape(es.get(0), es.get(1), es.get(2) * es.get(3)).transpose(0, 2, 1);
            NDArray cls = local(v(clsToken), m).broadcast(new Shape(s.get(0), 1, config.hiddenSize));
            return NDArrays.concat(new NDList(cls, e), 1).add(pos);
        }
    }

    // ------------------------------------------------------------------ encoder

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

        private NDArray split(NDArray x) {
            Shape s = x.getShape();
            return x.reshape(s.get(0), s.get(1), heads, headSize).transpose(0, 2, 1, 3);
        }

        /** Returns {context, attention probabilities}. */
        public NDArray[] forwardWithAttention(NDArray h) {
            NDArray q = split(query.forward(h));
            NDArray k = split(key.forward(h));
            NDArray v = split(value.forward(h));
            NDArray scores = F.matmul(q, k.transpose(0, 1, 3, 2)).div((float) Math.sqrt(headSize));
            NDArray probs = scores.softmax(-1);
            NDArray ctx = F.matmul(probs, v).transpose(0, 2, 1, 3);
            Shape s = h.getShape();
            return new NDArray[] {ctx.reshape(s.get(0), s.get(1), (long) heads * headSize), probs};
        }
    }

    public static final class DPTViTSelfOutput extends HfBlock {
        final Linear dense;

        DPTViTSelfOutput(DPTConfig c) {
            dense = child("dense", new Linear(c.hiddenSize, c.hiddenSize, true));
        }

        @Override
        public NDArray forward(NDArray x) {
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

        public NDArray[] forwardWithAttention(NDArray h) {
            NDArray[] a = attention.forwardWithAttention(h);
            return new NDArray[] {output.forward(a[0]), a[1]};
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
        public NDArray forward(NDArray x) {
            return F.act(act, dense.forward(x));
        }
    }

    public static final class DPTViTOutput extends HfBlock {
        final Linear dense;

        DPTViTOutput(DPTConfig c) {
            dense = child("dense", new Linear(c.intermediateSize, c.hiddenSize, true));
        }

        public NDArray forward(NDArray x, NDArray residual) {
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
        public NDArray[] forwardWithAttention(NDArray input, boolean keepProbs) {
            return Scope.runAll(new NDArray[] {input}, in -> {
                NDArray h = in[0];
                NDArray[] a = attention.forwardWithAttention(layernormBefore.forward(h));
                NDArray h1 = a[0].add(h);
                NDArray out = output.forward(intermediate.forward(layernormAfter.forward(h1)), h1);
                return new NDArray[] {out, keepProbs ? a[1] : null};
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
        public NDArray forward(NDArray h, List<NDArray> hiddenStates, List<NDArray> attentions) {
            for (DPTViTLayer l : layer.items()) {
                hiddenStates.add(h);
                NDArray[] r = l.forwardWithAttention(h, attentions != null);
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
        public NDArray forward(NDArray lastHidden) {
            return F.act(act, dense.forward(lastHidden.get(new NDIndex(":, 0, :"))));
        }
    }

    /** The result of {@link DPTModelBlock#forward}. */
    public static final class DPTModelResult {
        public NDArray lastHiddenState;
        public NDArray poolerOutput;
        public List<NDArray> hiddenStates = new ArrayList<>();
        public List<NDArray> attentions;
        public List<NDArray> intermediateActivations;
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

        public DPTModelResult forward(NDArray pixelValues, ForwardContext ctx, boolean needLastHidden) {
            Shape s = pixelValues.getShape();
            if (s.dimension() != 4 || s.get(1) != config.numChannels) {
                throw new IllegalArgumentException("pixel_values must have shape [batch, " + config.numChannels
                        + ", height, width], got " + s);
            }
            if (s.get(2) < config.patchSize || s.get(3) < config.patchSize) {
                throw new IllegalArgumentException("pixel_values " + s + " is smaller than one " + config.patchSize
                        + "x" + config.patchSize + " patch");
            }
            DPTModelResult r = new DPTModelResult();
            NDArray emb;
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
            NDArray last = encoder.forward(emb, r.hiddenStates, r.attentions);
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

    /** Projection to the stage's channels, then the resize by the stage's factor. */
    public static final class DPTReassembleLayer extends HfBlock {
        final Conv2d projection;
        final HfBlock resize;

        DPTReassembleLayer(DPTConfig c, int channels, double factor) {
            projection = child("projection", new Conv2d(c.backboneHiddenSize(), channels, 1, 1, 0, true));
            HfBlock r = resizeFor(channels, factor);
            resize = r == null ? null : child("resize", r);
        }

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

        @Override
        public NDArray forward(NDArray x) {
            NDArray h = projection.forward(x);
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
        public NDArray forward(NDArray x) {
            return F.act(act, linear.forward(x));
        }
    }

    /** A stage that passes its input through (nn.Identity in ModuleLists). */
    public static final class Identity extends HfBlock {
        @Override
        public NDArray forward(NDArray x) {
            return x;
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

        public List<NDArray> forward(List<NDArray> hiddenStates, Long patchHeight, Long patchWidth) {
            List<NDArray> out = new ArrayList<>();
            for (int i = 0; i < hiddenStates.size(); i++) {
                NDArray hs = hiddenStates.get(i);
                if (config.neckIgnoreStages.contains(i)) {
                    out.add(hs);
                    continue;
                }
                final long[] grid = {patchHeight == null ? -1 : patchHeight, patchWidth == null ? -1 : patchWidth};
                final int stage = i;
                out.add(Scope.run(hs, x -> reassemble(x, stage, grid[0] < 0 ? null : grid[0], grid[1] < 0 ? null : grid[1])));
            }
            return out;
        }

        private NDArray reassemble(NDArray hs, int i, Long patchHeight, Long patchWidth) {
            {
                Shape s = hs.getShape();
                long b = s.get(0);
                long seq = s.get(1) - 1;
                long ch = s.get(2);
                NDArray cls = hs.get(new NDIndex(":, 0, :"));
                NDArray tokens = hs.get(new NDIndex(":, 1:, :"));
                long ph;
                long pw;
                if (patchHeight != null && patchWidth != null) {
                    ph = patchHeight;
                    pw = patchWidth;
                } else {
                    ph = (long) Math.floor(Math.sqrt(seq));
                    pw = ph;
                    if (ph * pw != seq) {
                        throw new IllegalArgumentException("DPT's neck reshapes the " + seq
                                + " patch tokens into a square grid (as transformers does), so head models need a square token grid: "
                                + "use an input whose height and width give the same number of patches (DPTModel accepts non-square input)");
                    }
                }
                NDArray h;
                switch (config.readoutType) {
                    case "project": {
                        NDArray readout = cls.expandDims(1).broadcast(new Shape(b, seq, ch));
                        h = readoutProjects.get(i).forward(NDArrays.concat(new NDList(tokens, readout), -1));
                        break;
                    }
                    case "add":
                        h = tokens.add(cls.expandDims(1));
                        break;
                    default:
                        h = tokens;
                }
                h = h.reshape(b, ph, pw, h.getShape().get(2)).transpose(0, 3, 1, 2);
                return layers.get(i).forward(h);
            }
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
        public NDArray forward(NDArray input) {
            return Scope.run(input, x -> {
                NDArray h = convolution1.forward(F.relu(x));
                if (batchNorm1 != null) {
                    h = batchNorm1.forward(h);
                }
                h = convolution2.forward(F.relu(h));
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

        public NDArray forward(NDArray hidden, NDArray residualIn) {
            return Scope.runAll(new NDArray[] {hidden, residualIn}, in -> {
                NDArray h = in[0];
                NDArray residual = in[1];
                if (residual != null) {
                    if (!h.getShape().equals(residual.getShape())) {
                        residual = F.interpolateBilinear(residual, h.getShape().get(2), h.getShape().get(3), false);
                    }
                    h = h.add(residualLayer1.forward(residual));
                }
                h = residualLayer2.forward(h);
                h = F.interpolateBilinear(h, h.getShape().get(2) * 2, h.getShape().get(3) * 2, true);
                return new NDArray[] {projection.forward(h)};
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

        public List<NDArray> forward(List<NDArray> features) {
            List<NDArray> fused = new ArrayList<>();
            NDArray h = null;
            for (int i = 0; i < features.size(); i++) {
                NDArray f = features.get(features.size() - 1 - i);
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

        public List<NDArray> forward(List<NDArray> hiddenStates, Long patchHeight, Long patchWidth, ForwardContext ctx) {
            if (hiddenStates.size() != config.neckHiddenSizes.size()) {
                throw new IllegalStateException("The neck got " + hiddenStates.size() + " feature maps but neck_hidden_sizes has "
                        + config.neckHiddenSizes.size() + " entries: backbone_out_indices / out_features and neck_hidden_sizes must have the same length");
            }
            List<NDArray> hs = hiddenStates;
            if (reassembleStage != null) {
                hs = reassembleStage.forward(hs, patchHeight, patchWidth);
                for (int i = 0; i < hs.size(); i++) {
                    ctx.capture("debug.neck.reassemble_stage." + i, hs.get(i));
                }
            }
            List<NDArray> features = new ArrayList<>();
            for (int i = 0; i < hs.size(); i++) {
                features.add(convs.get(i).forward(hs.get(i)));
                ctx.capture("debug.neck.convs." + i, features.get(i));
            }
            List<NDArray> fused = fusionStage.forward(features);
            for (int i = 0; i < fused.size(); i++) {
                ctx.capture("debug.neck.fusion_stage." + i, fused.get(i));
            }
            return fused;
        }
    }

    // ------------------------------------------------------------------ heads

    static int pick(List<NDArray> maps, int index) {
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

        public NDArray forward(List<NDArray> hiddenStates) {
            return Scope.run(hiddenStates.get(pick(hiddenStates, headInIndex)), x -> {
                NDArray h = x;
                if (projection != null) {
                    h = F.relu(projection.forward(h));
                }
                h = head.get(0).forward(h);
                h = F.interpolateBilinear(h, h.getShape().get(2) * 2, h.getShape().get(3) * 2, true);
                h = F.relu(head.get(1).forward(h));
                h = F.relu(head.get(2).forward(h));
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

        public NDArray forward(List<NDArray> hiddenStates) {
            return Scope.run(hiddenStates.get(pick(hiddenStates, headInIndex)), x -> {
                NDArray h = classifier.forward(F.relu(bn.forward(conv.forward(x))));
                return F.interpolateBilinear(h, h.getShape().get(2) * 2, h.getShape().get(3) * 2, true);
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
        public NDArray forward(NDArray lastFused) {
            return Scope.run(lastFused, x -> classifier.forward(F.relu(bn.forward(conv.forward(x)))));
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
