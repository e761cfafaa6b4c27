package io.dpt4j.core;

import ai.djl.ndarray.NDArray;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.modeling.DPTModeling.DPTModelBlock;
import io.dpt4j.core.modeling.DPTModeling.DPTModelResult;
import io.dpt4j.core.modeling.ForwardContext;
import io.dpt4j.core.nn.Tensor;
import io.dpt4j.core.outputs.BaseModelOutputWithPoolingAndIntermediateActivations;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

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
    protected int numChannels() {
        return config.numChannels;
    }

    @Override
    protected Map<String, Tensor> forward(Tensor pixelValues, ForwardContext ctx) {
        DPTModelResult r = ((DPTModelBlock) block).forward(pixelValues, ctx, true);
        ctx.stage("backbone");
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("last_hidden_state", r.lastHiddenState);
        if (r.poolerOutput != null) {
            out.put("pooler_output", r.poolerOutput);
        }
        putAll(out, "hidden_states", ctx.outputHiddenStates ? r.hiddenStates : null);
        putAll(out, "attentions", r.attentions);
        putAll(out, "intermediate_activations", r.intermediateActivations);
        return out;
    }

    @Override
    protected BaseModelOutputWithPoolingAndIntermediateActivations output(Map<String, NDArray> named) {
        return new BaseModelOutputWithPoolingAndIntermediateActivations(named.get("last_hidden_state"), named.get("pooler_output"),
                listOf(named, "hidden_states"), listOf(named, "attentions"), listOf(named, "intermediate_activations"));
    }
}
