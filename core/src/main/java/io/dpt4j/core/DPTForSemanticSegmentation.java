package io.dpt4j.core;

import ai.djl.ndarray.NDArray;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.modeling.DPTModeling.DPTAuxiliaryHead;
import io.dpt4j.core.modeling.DPTModeling.DPTModelBlock;
import io.dpt4j.core.modeling.DPTModeling.DPTNeck;
import io.dpt4j.core.modeling.DPTModeling.DPTSemanticSegmentationHead;
import io.dpt4j.core.modeling.DPTModeling;
import io.dpt4j.core.modeling.ForwardContext;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.nn.Tensor;
import io.dpt4j.core.outputs.SemanticSegmenterOutput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DPT with the semantic segmentation head: {@code logits} [batch, num_labels, height, width] at twice
 * the last fused map's resolution, plus the auxiliary head's {@code auxiliary_logits} when the config
 * has one.
 */
public final class DPTForSemanticSegmentation extends PreTrainedModel<DPTConfig, SemanticSegmenterOutput> {

    /** The module tree: {@code dpt}, {@code neck}, {@code head}, {@code auxiliary_head}. */
    public static final class Block extends HfBlock {
        final DPTModelBlock dpt;
        final DPTNeck neck;
        final DPTSemanticSegmentationHead head;
        final DPTAuxiliaryHead auxiliaryHead;

        Block(DPTConfig c) {
            if (c.usesAutoBackbone()) {
                throw new ConfigException(ConfigException.Kind.UNSUPPORTED,
                        "DPTForSemanticSegmentation runs DPT's own ViT (as in transformers); this config has a "
                        + c.backboneConfig.modelType() + " backbone_config");
            }
            c.validateNeckAndHead();
            dpt = child("dpt", new DPTModelBlock(c, false));
            neck = child("neck", new DPTNeck(c));
            head = child("head", DPTModeling.segmentationHead(c));
            auxiliaryHead = c.useAuxiliaryHead ? child("auxiliary_head", DPTModeling.auxiliaryHead(c)) : null;
        }
    }

    public DPTForSemanticSegmentation(DPTConfig config) {
        super(config, new Block(config));
    }

    public static DPTForSemanticSegmentation fromPretrained(Path dir) throws IOException {
        return fromPretrained(dir, LoadOptions.defaults());
    }

    public static DPTForSemanticSegmentation fromPretrained(Path dir, LoadOptions options) throws IOException {
        return load(new DPTForSemanticSegmentation(checkedAgainstCheckpoint(DPTConfig.fromPretrained(dir), dir, options)), dir, options);
    }

    /** A hub id (e.g. "Intel/dpt-large-ade") or a local directory. */
    public static DPTForSemanticSegmentation fromPretrained(String idOrPath, LoadOptions options) throws IOException {
        return fromPretrained(ModelFiles.resolve(idOrPath, options), options);
    }

    /** The label of a class index (id2label). */
    public String label(int classIndex) {
        return config.id2label.getOrDefault(classIndex, "LABEL_" + classIndex);
    }

    @Override
    protected int numChannels() {
        return config.numChannels;
    }

    @Override
    protected Map<String, Tensor> forward(Tensor pixelValues, ForwardContext ctx) {
        Block b = (Block) block;
        DPTForDepthEstimation.Features f = DPTForDepthEstimation.features(config, b.dpt, null, pixelValues, ctx);
        ctx.stage("backbone");
        List<Tensor> fused = b.neck.forward(f.maps, null, null, ctx);
        ctx.stage("neck");
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("logits", b.head.forward(fused));
        if (b.auxiliaryHead != null) {
            out.put("auxiliary_logits", b.auxiliaryHead.forward(fused.get(fused.size() - 1)));
        }
        ctx.stage("head");
        putAll(out, "hidden_states", ctx.outputHiddenStates ? f.hiddenStates : null);
        putAll(out, "attentions", f.attentions);
        return out;
    }

    @Override
    protected SemanticSegmenterOutput output(Map<String, NDArray> named) {
        return new SemanticSegmenterOutput(named.get("logits"), named.get("auxiliary_logits"), listOf(named, "hidden_states"),
                listOf(named, "attentions"));
    }
}
