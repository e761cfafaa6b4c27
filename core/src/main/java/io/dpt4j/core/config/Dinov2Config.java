package io.dpt4j.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpt4j.core.nn.F;

/** transformers' {@code Dinov2Config} as a backbone config, with transformers' defaults. */
public final class Dinov2Config extends BackboneConfig {
    public final int hiddenSize;
    public final int numHiddenLayers;
    public final int numAttentionHeads;
    public final double mlpRatio;
    public final String hiddenAct;
    public final double layerNormEps;
    /** (height, width). */
    public final int[] imageSize;
    public final int patchSize;
    public final int numChannels;
    public final boolean qkvBias;
    public final double layerscaleValue;
    public final boolean useSwigluFfn;
    public final boolean applyLayernorm;
    public final boolean reshapeHiddenStates;
    public final boolean useMaskToken;

    Dinov2Config(ObjectNode node, String where) {
        super(node);
        JsonFields f = new JsonFields(node, where);
        hiddenSize = f.positive("hidden_size", 768);
        numHiddenLayers = f.positive("num_hidden_layers", 12);
        numAttentionHeads = f.positive("num_attention_heads", 12);
        mlpRatio = f.number("mlp_ratio", 4);
        hiddenAct = f.string("hidden_act", "gelu");
        if (!F.isKnownActivation(hiddenAct)) {
            throw f.error("hidden_act", "a known activation such as \"gelu\"");
        }
        layerNormEps = f.number("layer_norm_eps", 1e-6);
        imageSize = imageSize(f, 224);
        patchSize = f.positive("patch_size", 14);
        numChannels = f.positive("num_channels", 3);
        qkvBias = f.bool("qkv_bias", true);
        layerscaleValue = f.number("layerscale_value", 1.0);
        useSwigluFfn = f.bool("use_swiglu_ffn", false);
        applyLayernorm = f.bool("apply_layernorm", true);
        reshapeHiddenStates = f.bool("reshape_hidden_states", true);
        useMaskToken = f.bool("use_mask_token", true);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new ConfigException(ConfigException.Kind.INCONSISTENT_VALUES,
                    where + ": \"hidden_size\" (" + hiddenSize + ") must be a multiple of \"num_attention_heads\" ("
                    + numAttentionHeads + ")");
        }
        if (!(mlpRatio > 0)) {
            throw f.error("mlp_ratio", "a positive number");
        }
        alignOutputs(f, numHiddenLayers);
    }

    /** The MLP width, {@code int(hidden_size * mlp_ratio)} as transformers computes it. */
    public int mlpHiddenSize() {
        return (int) (hiddenSize * mlpRatio);
    }

    /** The SwiGLU FFN's hidden width: rounded to a multiple of 8 after the 2/3 factor. */
    public int swigluHiddenSize() {
        int h = mlpHiddenSize();
        return ((int) (h * 2.0 / 3) + 7) / 8 * 8;
    }

    @Override
    public int[] imageSize() {
        return imageSize.clone();
    }

    @Override
    public String modelType() {
        return "dinov2";
    }

    @Override
    public int hiddenSize() {
        return hiddenSize;
    }

    @Override
    public int patchSize() {
        return patchSize;
    }

    @Override
    public boolean returnsTokenSequences() {
        return !reshapeHiddenStates;
    }

    @Override
    public String toString() {
        return "Dinov2Config(hidden_size=" + hiddenSize + ", layers=" + numHiddenLayers + ", heads=" + numAttentionHeads
                + ", patch=" + patchSize + ", image_size=" + imageSize[0] + "x" + imageSize[1] + ", out_features=" + outFeatures
                + (applyLayernorm ? ", apply_layernorm" : "") + (reshapeHiddenStates ? ", reshape_hidden_states" : "") + ")";
    }
}
