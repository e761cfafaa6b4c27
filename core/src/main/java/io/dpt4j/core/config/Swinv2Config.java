package io.dpt4j.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpt4j.core.nn.F;
import java.util.List;

/** transformers' {@code Swinv2Config} as a backbone config (DPT 3.1's Swinv2), with transformers' defaults. */
public final class Swinv2Config extends BackboneConfig {
    /** (height, width). */
    public final int[] imageSize;
    public final int patchSize;
    public final int numChannels;
    public final int embedDim;
    public final List<Integer> depths;
    public final List<Integer> numHeads;
    public final int windowSize;
    public final List<Integer> pretrainedWindowSizes;
    public final double mlpRatio;
    public final boolean qkvBias;
    public final String hiddenAct;
    public final boolean useAbsoluteEmbeddings;
    public final double layerNormEps;
    /** embed_dim * 2^(stages - 1), computed as transformers does (a "hidden_size" key is ignored). */
    public final int hiddenSize;

    Swinv2Config(ObjectNode node, String where) {
        super(node);
        JsonFields f = new JsonFields(node, where);
        imageSize = imageSize(f, 224);
        patchSize = f.positive("patch_size", 4);
        numChannels = f.positive("num_channels", 3);
        embedDim = f.positive("embed_dim", 96);
        depths = f.intList("depths", List.of(2, 2, 6, 2));
        numHeads = f.intList("num_heads", List.of(3, 6, 12, 24));
        windowSize = f.positive("window_size", 7);
        pretrainedWindowSizes = f.intList("pretrained_window_sizes", List.of(0, 0, 0, 0));
        mlpRatio = f.number("mlp_ratio", 4.0);
        qkvBias = f.bool("qkv_bias", true);
        hiddenAct = f.string("hidden_act", "gelu");
        if (!F.isKnownActivation(hiddenAct)) {
            throw f.error("hidden_act", "a known activation such as \"gelu\"");
        }
        useAbsoluteEmbeddings = f.bool("use_absolute_embeddings", false);
        layerNormEps = f.number("layer_norm_eps", 1e-5);
        if (depths.isEmpty() || depths.stream().anyMatch(d -> d <= 0)) {
            throw f.error("depths", "a non-empty list of positive integers");
        }
        if (numHeads.size() < depths.size() || numHeads.stream().anyMatch(h -> h <= 0)) {
            throw new ConfigException(where + ": \"num_heads\" needs one positive entry per stage of \"depths\" (" + depths.size()
                    + "), got " + numHeads);
        }
        if (pretrainedWindowSizes.size() < depths.size()) {
            throw new ConfigException(where + ": \"pretrained_window_sizes\" needs one entry per stage of \"depths\" ("
                    + depths.size() + "), got " + pretrainedWindowSizes);
        }
        for (int i = 0; i < depths.size(); i++) {
            long dim = stageDim(i);
            if (dim % numHeads.get(i) != 0) {
                throw new ConfigException(where + ": stage " + (i + 1) + " has width " + dim + " (embed_dim * 2^" + i
                        + "), not a multiple of its num_heads " + numHeads.get(i));
            }
        }
        hiddenSize = stageDim(depths.size() - 1);
        alignOutputs(f, depths.size());
    }

    /** The token width of stage {@code i} (0-based): embed_dim * 2^i. */
    public int stageDim(int i) {
        return embedDim << i;
    }

    @Override
    public String modelType() {
        return "swinv2";
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
    public String toString() {
        return "Swinv2Config(embed_dim=" + embedDim + ", depths=" + depths + ", heads=" + numHeads + ", window=" + windowSize
                + ", patch=" + patchSize + ", image_size=" + imageSize[0] + "x" + imageSize[1] + ", out_features=" + outFeatures + ")";
    }
}
