package io.dpt4j.core;

import ai.djl.ndarray.NDArray;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.modeling.DPTModeling.DPTModelBlock;
import io.dpt4j.core.modeling.DPTModeling.DPTModelResult;
import io.dpt4j.core.modeling.ForwardContext;
import io.dpt4j.core.outputs.BaseModelOutputWithPoolingAndIntermediateActivations;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The bare DPT ViT (or ViT-hybrid) encoder: {@code last_hidden_state} after the final LayerNorm,
 * {@code pooler_output}, hidden states, attentions and, for hybrids, the BiT intermediate activations.
 * Accepts non-square inputs (position embeddings are resized to the token grid).
 */
public final class DPTModel extends PreTrainedModel<DPTConfig, BaseModelOutputWithPoolingAndIntermediateActivations> {

    public DPTModel(DPTConfig config) {
        this(config, true);
    }

    public DPTModel(DPTConfig config, boolean addPoolingLayer) {
        super(check(config), new DPTModelBlock(config, addPoolingLayer));
    }

    private static DPTConfig check(DPTConfig c) {
        if (c.usesAutoBackbone()) {
            throw new ConfigException(ConfigException.Kind.UNSUPPORTED, "DPTModel is the DPT-ViT encoder; this config uses a " + c.backboneConfig.modelType()
                    + " backbone_config, which only DPTForDepthEstimation runs (as transformers does)");
        }
        return c;
    }

    public static DPTModel fromPretrained(Path dir) throws IOException {
        return fromPretrained(dir, LoadOptions.defaults());
    }

    /**
     * Loads the encoder. A checkpoint without pooler weights (any head model's) gives a model without
     * pooler ({@code pooler_output} null) instead of transformers' randomly initialised one.
     */
    public static DPTModel fromPretrained(Path dir, LoadOptions options) throws IOException {
        DPTConfig config = DPTConfig.fromPretrained(dir);
        boolean hasPooler;
        try (TensorReader r = Checkpoints.open(dir)) {
            hasPooler = r.names().stream().anyMatch(k -> k.equals("pooler.dense.weight") || k.equals("dpt.pooler.dense.weight"));
        }
        checkedAgainstCheckpoint(config, dir, options);
        return load(new DPTModel(config, hasPooler), dir, options);
    }

    /** A hub id (e.g. "Intel/dpt-large") or a local directory. */
    public static DPTModel fromPretrained(String idOrPath, LoadOptions options) throws IOException {
        Path dir = ModelFiles.resolve(idOrPath, options);
        return fromPretrained(dir, options);
    }

    @Override
    protected String baseModelPrefix() {
        return "dpt";
    }

    @Override
    protected BaseModelOutputWithPoolingAndIntermediateActivations forwardImpl(NDArray pixelValues, ForwardContext ctx) {
        DPTModelResult r = ((DPTModelBlock) block).forward(pixelValues, ctx, true);
        ctx.stage("backbone");
        return new BaseModelOutputWithPoolingAndIntermediateActivations(r.lastHiddenState, r.poolerOutput,
                ctx.outputHiddenStates ? r.hiddenStates : null, r.attentions, r.intermediateActivations);
    }
}
