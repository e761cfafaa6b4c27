package io.dpt4j.core.outputs;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The output of depth models: {@code predicted_depth} [batch, height, width]. */
public final class DepthEstimatorOutput extends ModelOutput {
    public final NDArray predictedDepth;
    public final List<NDArray> hiddenStates;
    public final List<NDArray> attentions;

    public DepthEstimatorOutput(NDArray predictedDepth, List<NDArray> hiddenStates, List<NDArray> attentions) {
        this.predictedDepth = predictedDepth;
        this.hiddenStates = hiddenStates;
        this.attentions = attentions;
    }

    @Override
    public Map<String, NDArray> toMap() {
        Map<String, NDArray> m = new LinkedHashMap<>();
        put(m, "predicted_depth", predictedDepth);
        putAll(m, "hidden_states", hiddenStates);
        putAll(m, "attentions", attentions);
        return m;
    }
}
