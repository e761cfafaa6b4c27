package io.dpt4j.core;

import ai.djl.ndarray.NDArray;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.modeling.Backbone;
import io.dpt4j.core.modeling.Backbones;
import io.dpt4j.core.modeling.DPTModeling.DPTDepthEstimationHead;
import io.dpt4j.core.modeling.DPTModeling.DPTModelBlock;
import io.dpt4j.core.modeling.DPTModeling.DPTModelResult;
import io.dpt4j.core.modeling.DPTModeling.DPTNeck;
import io.dpt4j.core.modeling.DPTModeling;
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
    protected DepthEstimatorOutput forwardImpl(NDArray pixelValues, ForwardContext ctx) {
        Block b = (Block) block;
        Features f = features(config, b.dpt, b.backbone, pixelValues, ctx);
        ctx.stage("backbone");
        List<NDArray> fused = b.neck.forward(f.maps, f.patchHeight, f.patchWidth, ctx);
        ctx.stage("neck");
        NDArray depth = b.head.forward(fused);
        ctx.stage("head");
        return new DepthEstimatorOutput(depth, ctx.outputHiddenStates ? f.hiddenStates : null, f.attentions);
    }

    @Override
    public boolean supportsOnnx() {
        return !config.usesAutoBackbone() || config.backboneConfig.modelType().equals("dinov2");
    }

    @Override
    protected Map<String, OnnxExport.V> exportOnnx(OnnxExport x, OnnxExport.V pixels) {
        Block b = (Block) block;
        OnnxFeatures f = onnxFeatures(config, x, b.dpt, b.backbone, pixels);
        List<OnnxExport.V> fused = x.dptNeck(b.neck, f.maps, f.patchHeight, f.patchWidth);
        return Map.of("predicted_depth", x.depthHead(b.head, fused));
    }

    @Override
    protected DepthEstimatorOutput outputFromOnnx(Map<String, NDArray> outputs) {
        return new DepthEstimatorOutput(outputs.get("predicted_depth"), null, null);
    }

    static final class OnnxFeatures {
        List<OnnxExport.V> maps = new ArrayList<>();
        Long patchHeight;
        Long patchWidth;
    }

    /** {@link #features}, as an ONNX graph. */
    static OnnxFeatures onnxFeatures(DPTConfig config, OnnxExport x, DPTModelBlock dpt, HfBlock backbone, OnnxExport.V pixels) {
        OnnxFeatures f = new OnnxFeatures();
        if (backbone != null) {
            f.maps = x.dinov2FeatureMaps((Dinov2Modeling.Dinov2Backbone) backbone, pixels);
            long patch = config.backboneConfig.patchSize();
            f.patchHeight = pixels.shape()[2] / patch;
            f.patchWidth = pixels.shape()[3] / patch;
            return f;
        }
        List<OnnxExport.V> intermediate = new ArrayList<>();
        List<OnnxExport.V> hs = x.dptModel(dpt, pixels, intermediate);
        f.maps = neckInputs(config, hs, intermediate);
        return f;
    }

    /**
     * transformers' choice of the neck's inputs from DPT's own trunk, for either engine: the encoder
     * layers named by backbone_out_indices, in layer order (filtered by membership); for hybrids the
     * two BiT maps first, then the layers named by backbone_out_indices[2:].
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
        for (int i = 0; i < layers.size(); i++) {
            if (wanted.contains(i)) {
                maps.add(layers.get(i));
            }
        }
        return maps;
    }

    /** The neck's inputs and what the trunk returns alongside them. */
    static final class Features {
        List<NDArray> maps;
        List<NDArray> hiddenStates;
        List<NDArray> attentions;
        Long patchHeight;
        Long patchWidth;
    }

    /** transformers' feature selection of DPTForDepthEstimation / DPTForSemanticSegmentation. */
    static Features features(DPTConfig config, DPTModelBlock dpt, HfBlock backbone, NDArray pixelValues, ForwardContext ctx) {
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
                f.patchHeight = pixelValues.getShape().get(2) / patch;
                f.patchWidth = pixelValues.getShape().get(3) / patch;
            }
            return f;
        }
        DPTModelResult r = dpt.forward(pixelValues, ctx, ctx.capturing());
        f.hiddenStates = r.hiddenStates;
        f.attentions = r.attentions;
        List<NDArray> maps = neckInputs(config, r.hiddenStates, r.intermediateActivations);
        f.maps = maps;
        return f;
    }
}
