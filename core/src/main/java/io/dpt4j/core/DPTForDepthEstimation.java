package io.dpt4j.core;

import ai.djl.ndarray.NDArray;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.modeling.Backbone;
import io.dpt4j.core.modeling.Backbones;
import io.dpt4j.core.modeling.DPTModeling.DPTDepthEstimationHead;
import io.dpt4j.core.modeling.DPTModeling.DPTModelBlock;
import io.dpt4j.core.modeling.DPTModeling.DPTModelResult;
import io.dpt4j.core.modeling.DPTModeling.DPTNeck;
import io.dpt4j.core.modeling.DPTModeling;
import io.dpt4j.core.modeling.ForwardContext;
import io.dpt4j.core.nn.Dim;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.nn.Tensor;
import io.dpt4j.core.outputs.DepthEstimatorOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DPT with the depth head: {@code predicted_depth} [batch, height, width]. The trunk is DPT's own ViT
 * ({@code dpt.*}), the hybrid ViT, or a separate backbone ({@code backbone.*}: DINOv2, BEiT, Swinv2).
 */
public final class DPTForDepthEstimation extends PreTrainedModel<DPTConfig, DepthEstimatorOutput> {

    /** The module tree: {@code dpt} or {@code backbone}, {@code neck}, {@code head}. */
    public static final class Block extends HfBlock {
        final DPTModelBlock dpt;
        final HfBlock backbone;
        final DPTNeck neck;
        final DPTDepthEstimationHead head;

        Block(DPTConfig c) {
            c.validateNeckAndHead();
            if (c.usesAutoBackbone()) {
                dpt = null;
                backbone = child("backbone", Backbones.create(c.backboneConfig));
            } else {
                dpt = child("dpt", new DPTModelBlock(c, false));
                backbone = null;
            }
            neck = child("neck", new DPTNeck(c));
            head = child("head", DPTModeling.depthHead(c));
        }
    }

    public DPTForDepthEstimation(DPTConfig config) {
        super(config, new Block(config));
    }

    public static DPTForDepthEstimation fromPretrained(Path dir) throws IOException {
        return fromPretrained(dir, LoadOptions.defaults());
    }

    public static DPTForDepthEstimation fromPretrained(Path dir, LoadOptions options) throws IOException {
        return load(new DPTForDepthEstimation(checkedAgainstCheckpoint(DPTConfig.fromPretrained(dir), dir, options)), dir, options);
    }

    /** A hub id (e.g. "Intel/dpt-large") or a local directory. */
    public static DPTForDepthEstimation fromPretrained(String idOrPath, LoadOptions options) throws IOException {
        return fromPretrained(ModelFiles.resolve(idOrPath, options), options);
    }

    @Override
    protected int numChannels() {
        return config.usesAutoBackbone() ? config.backboneConfig.numChannels() : config.numChannels;
    }

    @Override
    public boolean supportsOnnx() {
        Block b = (Block) block;
        return b.backbone == null || ((Backbone) b.backbone).supportsGraph();
    }

    @Override
    protected Map<String, Tensor> forward(Tensor pixelValues, ForwardContext ctx) {
        Block b = (Block) block;
        Features f = features(config, b.dpt, b.backbone, pixelValues, ctx);
        ctx.stage("backbone");
        List<Tensor> fused = b.neck.forward(f.maps, f.patchHeight, f.patchWidth, ctx);
        ctx.stage("neck");
        Tensor depth = b.head.forward(fused);
        ctx.stage("head");
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("predicted_depth", depth);
        putAll(out, "hidden_states", ctx.outputHiddenStates ? f.hiddenStates : null);
        putAll(out, "attentions", f.attentions);
        return out;
    }

    @Override
    protected DepthEstimatorOutput output(Map<String, NDArray> named) {
        return new DepthEstimatorOutput(named.get("predicted_depth"), listOf(named, "hidden_states"), listOf(named, "attentions"));
    }

    /**
     * transformers' choice of the neck's inputs from DPT's own trunk: the encoder layers named by
     * backbone_out_indices, in layer order (filtered by membership); for hybrids the two BiT maps
     * first, then the layers named by backbone_out_indices[2:].
     *
     * @param hiddenStates the embeddings followed by every layer's output
     */
    static <T> List<T> neckInputs(DPTConfig config, List<T> hiddenStates, List<T> intermediate) {
        List<T> layers = hiddenStates.subList(1, hiddenStates.size());
        List<T> maps = new ArrayList<>();
        List<Integer> wanted = config.backboneOutIndices;
        if (config.isHybrid) {
            maps.addAll(intermediate);
            wanted = wanted.subList(Math.min(2, wanted.size()), wanted.size());
        }
        for (int i : wanted) {
            if (i < 0 || i >= layers.size()) {
                // transformers selects by membership, so such an index silently selects nothing and its
                // neck then fails on the count; name the cause instead
                throw new ConfigException("backbone_out_indices " + config.backboneOutIndices + " names layer " + i
                        + ", but the encoder has layers 0.." + (layers.size() - 1) + " (num_hidden_layers " + layers.size()
                        + "): the neck needs one existing layer per neck_hidden_sizes entry");
            }
        }
        for (int i = 0; i < layers.size(); i++) {
            if (wanted.contains(i)) {
                maps.add(layers.get(i));
            }
        }
        return maps;
    }

    /** The neck's inputs and what the trunk returns alongside them. */
    static final class Features {
        List<Tensor> maps;
        List<Tensor> hiddenStates;
        List<Tensor> attentions;
        Dim patchHeight;
        Dim patchWidth;
    }

    /** transformers' feature selection of DPTForDepthEstimation / DPTForSemanticSegmentation. */
    static Features features(DPTConfig config, DPTModelBlock dpt, HfBlock backbone, Tensor pixelValues, ForwardContext ctx) {
        Features f = new Features();
        if (backbone != null) {
            f.hiddenStates = new ArrayList<>();
            f.attentions = ctx.outputAttentions ? new ArrayList<>() : null;
            f.maps = ((Backbone) backbone).featureMaps(pixelValues, ctx, f.hiddenStates, f.attentions);
            for (int i = 0; i < f.maps.size(); i++) {
                ctx.capture("debug.backbone.feature_maps." + i, f.maps.get(i));
            }
            long patch = config.backboneConfig.modelType().equals("swinv2") ? 0 : config.backboneConfig.patchSize();
            if (patch > 0) {
                f.patchHeight = pixelValues.dim(2).div(patch);
                f.patchWidth = pixelValues.dim(3).div(patch);
            }
            return f;
        }
        DPTModelResult r = dpt.forward(pixelValues, ctx, ctx.capturing());
        f.hiddenStates = r.hiddenStates;
        f.attentions = r.attentions;
        f.maps = neckInputs(config, r.hiddenStates, r.intermediateActivations);
        return f;
    }
}
