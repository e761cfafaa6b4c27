package io.dpt4j.core.modeling;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * transformers' backbone API ({@code load_backbone}): the feature maps selected by
 * {@code out_features}/{@code out_indices}. ViT-like backbones return token sequences with the CLS
 * token first ([B, 1 + N, C]); hierarchical ones (Swinv2) return [B, C, H, W] maps.
 */
public interface Backbone {
    /**
     * @param hiddenStates receives the backbone's hidden states (embeddings first) when requested
     * @param attentions receives attention probabilities, or is null when not requested
     */
    List<NDArray> featureMaps(NDArray pixelValues, ForwardContext ctx, List<NDArray> hiddenStates, List<NDArray> attentions);
}
