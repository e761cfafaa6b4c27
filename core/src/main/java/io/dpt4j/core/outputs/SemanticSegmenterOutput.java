package io.dpt4j.core.outputs;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The output of segmentation models: {@code logits} [batch, num_labels, height, width], plus the
 * auxiliary head's {@code auxiliary_logits} (transformers computes but only uses them for the loss).
 */
public final class SemanticSegmenterOutput extends ModelOutput {
    public final NDArray logits;
    public final NDArray auxiliaryLogits;
    public final List<NDArray> hiddenStates;
    public final List<NDArray> attentions;

    public SemanticSegmenterOutput(NDArray logits, NDArray auxiliaryLogits, List<NDArray> hiddenStates,
            List<NDArray> attentions) {
        this.logits = logits;
        this.auxiliaryLogits = auxiliaryLogits;
        this.hiddenStates = hiddenStates;
        this.attentions = attentions;
    }

    @Override
    public Map<String, NDArray> toMap() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        put(m, "logits", logits);
        put(m, "auxiliary_logits", auxiliaryLogits);
        putAll(m, "hidden_states", hiddenStates);
        putAll(m, "attentions", attentions);
        return m;
    }
}
