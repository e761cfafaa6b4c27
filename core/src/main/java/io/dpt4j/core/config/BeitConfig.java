package io.dpt4j.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpt4j.core.nn.F;

/** transformers' {@code BeitConfig} as a backbone config (DPT 3.1's BEiT), with transformers' defaults. */
public final class BeitConfig extends BackboneConfig {
    public final int hiddenSize;
    public final int numHiddenLayers;
    public final int numAttentionHeads;
    public final int intermediateSize;
    public final String hiddenAct;
    public final double layerNormEps;
    /** (height, width). */
    public final int[] imageSize;
    public final int patchSize;
    public final int numChannels;
    public final boolean useMaskToken;
    public final boolean useAbsolutePositionEmbeddings;
    public final boolean useRelativePositionBias;
    public final boolean useSharedRelativePositionBias;
    public final double layerScaleInitValue;
    public final boolean useMeanPooling;
    public final boolean addFpn;
    public final boolean reshapeHiddenStates;

    BeitConfig(ObjectNode node, String where) {
        super(node);
        JsonFields f = new JsonFields(node, where);
        hiddenSize = f.positive("hidden_size", 768);
        numHiddenLayers = f.positive("num_hidden_layers", 12);
        numAttentionHeads = f.positive("num_attention_heads", 12);
        intermediateSize = f.positive("intermediate_size", 3072);
        hiddenAct = f.string("hidden_act", "gelu");
        if (!F.isKnownActivation(hiddenAct)) {
            throw f.error("hidden_act", "a known activation such as \"gelu\"");
        }
        layerNormEps = f.number("layer_norm_eps", 1e-12);
        imageSize = imageSize(f, 224);
        patchSize = f.positive("patch_size", 16);
        numChannels = f.positive("num_channels", 3);
        useMaskToken = f.bool("use_mask_token", false);
        useAbsolutePositionEmbeddings = f.bool("use_absolute_position_embeddings", false);
        useRelativePositionBias = f.bool("use_relative_position_bias", false);
        useSharedRelativePositionBias = f.bool("use_shared_relative_position_bias", false);
        layerScaleInitValue = f.number("layer_scale_init_value", 0.1);
        useMeanPooling = f.bool("use_mean_pooling", true);
        addFpn = f.bool("add_fpn", false);
        reshapeHiddenStates = f.bool("reshape_hidden_states", true);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new ConfigException(ConfigException.Kind.INCONSISTENT_VALUES,
                    where + ": \"hidden_size\" (" + hiddenSize + ") must be a multiple of \"num_attention_heads\" ("
                    + numAttentionHeads + ")");
        }
        if (addFpn) {
            throw new ConfigException(ConfigException.Kind.UNSUPPORTED,
                    where + ": \"add_fpn\": true (BEiT's FPN for detection) is not supported; DPT uses \"add_fpn\": false");
        }
        alignOutputs(f, numHiddenLayers);
    }

    /** The patch grid of the configured image size (BEiT's {@code patch_shape}, the bias tables' window). */
    public int[] patchShape() {
        return new int[] {imageSize[0] / patchSize, imageSize[1] / patchSize};
    }

    @Override
    public int[] imageSize() {
        return imageSize.clone();
    }

    @Override
    public String modelType() {
        return "beit";
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
        return "BeitConfig(hidden_size=" + hiddenSize + ", layers=" + numHiddenLayers + ", heads=" + numAttentionHeads
                + ", patch=" + patchSize + ", image_size=" + imageSize[0] + "x" + imageSize[1] + ", out_features=" + outFeatures
                + (useRelativePositionBias ? ", relative_position_bias" : "")
                + (useSharedRelativePositionBias ? ", shared_relative_position_bias" : "")
                + (useAbsolutePositionEmbeddings ? ", absolute_position_embeddings" : "") + ")";
    }
}
