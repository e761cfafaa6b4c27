package io.dpt4j.core.modeling;

import ai.djl.ndarray.NDArray;
import io.dpt4j.core.nn.EagerOps;
import io.dpt4j.core.nn.Tensor;
import java.util.ArrayList;
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

    /** A backbone still written on NDArrays: it runs on libtorch only and has no graph. */
    interface EagerOnly extends Backbone {
        List<NDArray> featureMaps(NDArray pixelValues, ForwardContext ctx, List<NDArray> hiddenStates, List<NDArray> attentions);

        @Override
        default List<Tensor> featureMaps(Tensor pixelValues, ForwardContext ctx, List<Tensor> hiddenStates, List<Tensor> attentions) {
            if (!pixelValues.ops().eager()) {
                throw new UnsupportedOperationException(getClass().getSimpleName() + " has no ONNX graph yet");
            }
            EagerOps ops = (EagerOps) pixelValues.ops();
            List<NDArray> hs = new ArrayList<>();
            List<NDArray> at = attentions == null ? null : new ArrayList<>();
            List<NDArray> maps = featureMaps(pixelValues.nd(), ctx, hs, at);
            hs.forEach(a -> hiddenStates.add(ops.wrap(a)));
            if (at != null) {
                at.forEach(a -> attentions.add(ops.wrap(a)));
            }
            List<Tensor> out = new ArrayList<>();
            maps.forEach(a -> out.add(ops.wrap(a)));
            return out;
        }

        @Override
        default boolean supportsGraph() {
            return false;
        }
    }
}
