package io.dpt4j.core.modeling;

import io.dpt4j.core.nn.Tensor;
import java.util.List;

/**
 * transformers' backbone API ({@code load_backbone}): the feature maps selected by
 * {@code out_features}/{@code out_indices}. ViT-like backbones return token sequences with the CLS
 * token first ([B, 1 + N, C]); hierarchical ones (Swinv2) return [B, C, H, W] maps.
 */
public interface Backbone {
    /**
     * @param hiddenStates receives the backbone's hidden states (embeddings first)
     * @param attentions receives attention probabilities, or is null when not requested
     */
    List<Tensor> featureMaps(Tensor pixelValues, ForwardContext ctx, List<Tensor> hiddenStates, List<Tensor> attentions);

    /** Whether this backbone can be written as an ONNX graph (with this config). */
    default boolean supportsGraph() {
        return true;
    }
}
