package io.dpt4j.core.outputs;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The output of {@code DPTModel}. */
public final class BaseModelOutputWithPoolingAndIntermediateActivations extends ModelOutput {
    public final NDArray lastHiddenState;
    public final NDArray poolerOutput;
    public final List<NDArray> hiddenStates;
    public final List<NDArray> attentions;
    public final List<NDArray> intermediateActivations;

    public BaseModelOutputWithPoolingAndIntermediateActivations(NDArray lastHiddenState, NDArray poolerOutput,
            List<NDArray> hiddenStates, List<NDArray> attentions, List<NDArray> intermediateActivations) {
        this.lastHiddenState = lastHiddenState;
        this.poolerOutput = poolerOutput;
        this.hiddenStates = hiddenStates;
        this.attentions = attentions;
        this.intermediateActivations = intermediateActivations;
    }

    @Override
    public Map<String, NDArray> toMap() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        put(m, "last_hidden_state", lastHiddenState);
        put(m, "pooler_output", poolerOutput);
        putAll(m, "hidden_states", hiddenStates);
        putAll(m, "attentions", attentions);
        putAll(m, "intermediate_activations", intermediateActivations);
        return m;
    }
}
