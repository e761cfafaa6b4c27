package io.dpt4j.core;

import ai.djl.ndarray.NDArray;
import io.dpt4j.core.config.DepthAnythingConfig;
import io.dpt4j.core.modeling.Backbone;
import io.dpt4j.core.modeling.Backbones;
import io.dpt4j.core.modeling.DepthAnythingModeling.DepthAnythingDepthEstimationHead;
import io.dpt4j.core.modeling.DepthAnythingModeling.DepthAnythingNeck;
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
 * Depth Anything (V1 and V2, relative and metric): a backbone (DINOv2 on the hub), the Depth Anything
 * neck and head; {@code predicted_depth} [batch, patch_h * patch_size, patch_w * patch_size]. Keys are
 * {@code backbone.*}, {@code neck.*}, {@code head.*}.
 */
public final class DepthAnythingForDepthEstimation extends PreTrainedModel<DepthAnythingConfig, DepthEstimatorOutput> {

    /** The module tree: {@code backbone}, {@code neck}, {@code head}. */
    public static final class Block extends HfBlock {
        final HfBlock backbone;
        final DepthAnythingNeck neck;
        final DepthAnythingDepthEstimationHead head;

        Block(DepthAnythingConfig c) {
            backbone = child("backbone", Backbones.create(c.backboneConfig));
            neck = child("neck", new DepthAnythingNeck(c));
            head = child("head", new DepthAnythingDepthEstimationHead(c));
        }
    }

    public DepthAnythingForDepthEstimation(DepthAnythingConfig config) {
        super(config, new Block(config));
    }

    public static DepthAnythingForDepthEstimation fromPretrained(Path dir) throws IOException {
        return fromPretrained(dir, LoadOptions.defaults());
    }

    public static DepthAnythingForDepthEstimation fromPretrained(Path dir, LoadOptions options) throws IOException {
        return load(new DepthAnythingForDepthEstimation(checkedAgainstCheckpoint(DepthAnythingConfig.fromPretrained(dir), dir, options)), dir, options);
    }

    /** A hub id (e.g. "depth-anything/Depth-Anything-V2-Small-hf") or a local directory. */
    public static DepthAnythingForDepthEstimation fromPretrained(String idOrPath, LoadOptions options) throws IOException {
        return fromPretrained(ModelFiles.resolve(idOrPath, options), options);
    }

    @Override
    protected String baseModelPrefix() {
        return "depth_anything";
    }

    @Override
    protected int numChannels() {
        return config.backboneConfig.numChannels();
    }

    @Override
    public boolean supportsOnnx() {
        return ((Backbone) ((Block) block).backbone).supportsGraph();
    }

    @Override
    protected Map<String, Tensor> forward(Tensor pixelValues, ForwardContext ctx) {
        Block b = (Block) block;
        List<Tensor> hiddenStates = new ArrayList<>();
        List<Tensor> attentions = ctx.outputAttentions ? new ArrayList<>() : null;
        List<Tensor> maps = ((Backbone) b.backbone).featureMaps(pixelValues, ctx, hiddenStates, attentions);
        for (int i = 0; i < maps.size(); i++) {
            ctx.capture("debug.backbone.feature_maps." + i, maps.get(i));
        }
        ctx.stage("backbone");
        Dim patchHeight = pixelValues.dim(2).div(config.patchSize);
        Dim patchWidth = pixelValues.dim(3).div(config.patchSize);
        List<Tensor> fused = b.neck.forward(maps, patchHeight, patchWidth, ctx);
        ctx.stage("neck");
        Tensor depth = b.head.forward(fused, patchHeight, patchWidth);
        ctx.stage("head");
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("predicted_depth", depth);
        putAll(out, "hidden_states", ctx.outputHiddenStates ? hiddenStates : null);
        putAll(out, "attentions", attentions);
        return out;
    }

    @Override
    protected DepthEstimatorOutput output(Map<String, NDArray> named) {
        return new DepthEstimatorOutput(named.get("predicted_depth"), listOf(named, "hidden_states"), listOf(named, "attentions"));
    }
}
