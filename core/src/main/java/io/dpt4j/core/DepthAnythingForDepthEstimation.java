package io.dpt4j.core;

import ai.djl.ndarray.NDArray;
import io.dpt4j.core.config.DepthAnythingConfig;
import io.dpt4j.core.modeling.Backbone;
import io.dpt4j.core.modeling.Backbones;
import io.dpt4j.core.modeling.DepthAnythingModeling.DepthAnythingDepthEstimationHead;
import io.dpt4j.core.modeling.DepthAnythingModeling.DepthAnythingNeck;
import io.dpt4j.core.modeling.Dinov2Modeling;
import io.dpt4j.core.modeling.ForwardContext;
import io.dpt4j.core.modeling.OnnxExport;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.outputs.DepthEstimatorOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
    public boolean supportsOnnx() {
        return config.backboneConfig.modelType().equals("dinov2");
    }

    @Override
    protected Map<String, OnnxExport.V> exportOnnx(OnnxExport x,
            OnnxExport.V pixels) {
        Block b = (Block) block;
        List<OnnxExport.V> maps =
                x.dinov2FeatureMaps((Dinov2Modeling.Dinov2Backbone) b.backbone, pixels);
        long ph = pixels.shape()[2] / config.patchSize;
        long pw = pixels.shape()[3] / config.patchSize;
        return Map.of("predicted_depth", x.depthAnything(b.neck, b.head, maps, ph, pw));
    }

    @Override
    protected DepthEstimatorOutput outputFromOnnx(Map<String, NDArray> outputs) {
        return new DepthEstimatorOutput(outputs.get("predicted_depth"), null, null);
    }

    @Override
    protected DepthEstimatorOutput forwardImpl(NDArray pixelValues, ForwardContext ctx) {
        Block b = (Block) block;
        List<NDArray> hiddenStates = new ArrayList<>();
        List<NDArray> attentions = ctx.outputAttentions ? new ArrayList<>() : null;
        List<NDArray> maps = ((Backbone) b.backbone).featureMaps(pixelValues, ctx, hiddenStates, attentions);
        for (int i = 0; i < maps.size(); i++) {
            ctx.capture("debug.backbone.feature_maps." + i, maps.get(i));
        }
        ctx.stage("backbone");
        long patchHeight = pixelValues.getShape().get(2) / config.patchSize;
        long patchWidth = pixelValues.getShape().get(3) / config.patchSize;
        List<NDArray> fused = b.neck.forward(maps, patchHeight, patchWidth, ctx);
        ctx.stage("neck");
        NDArray depth = b.head.forward(fused, patchHeight, patchWidth);
        ctx.stage("head");
        return new DepthEstimatorOutput(depth, ctx.outputHiddenStates ? hiddenStates : null, attentions);
    }
}
