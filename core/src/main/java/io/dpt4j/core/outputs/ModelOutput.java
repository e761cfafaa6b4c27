package io.dpt4j.core.outputs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the forward outputs, like transformers' {@code ModelOutput}: named fields, unset ones null,
 * tuples flattened as {@code name.<i>} by {@link #toMap()}. Closing an output frees its tensors.
 */
public abstract class ModelOutput implements AutoCloseable {
    private Map<String, NDArray> intermediates = Map.of();
    private Map<String, Double> stageSeconds = Map.of();

    /** Seconds per stage (backbone, neck, head) when the forward was asked to time them. */
    public Map<String, Double> stageSeconds() {
        return stageSeconds;
    }

    public void setStageSeconds(Map<String, Double> stageSeconds) {
        this.stageSeconds = stageSeconds;
    }

    /** The non-null fields in transformers' order, tuples flattened as {@code name.<i>}. */
    public abstract Map<String, NDArray> toMap();

    /** Named intermediate tensors ({@code debug.*}) when the forward was asked to capture them. */
    public Map<String, NDArray> intermediates() {
        return intermediates;
    }

    public void setIntermediates(Map<String, NDArray> intermediates) {
        this.intermediates = intermediates;
    }

    /** Every tensor: {@link #toMap()} followed by the intermediates. */
    public Map<String, NDArray> allTensors() {
        Map<String, NDArray> m = new LinkedHashMap<>(toMap());
        intermediates.forEach(m::putIfAbsent);
        return m;
    }

    /** Moves every tensor to {@code manager}, so it outlives the forward pass's scratch memory. */
    public void attach(NDManager manager) {
        allTensors().values().forEach(a -> a.attach(manager));
    }

    protected static void put(Map<String, NDArray> m, String name, NDArray a) {
        if (a != null) {
            m.put(name, a);
        }
    }

    protected static void putAll(Map<String, NDArray> m, String name, List<NDArray> list) {
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                m.put(name + "." + i, list.get(i));
            }
        }
    }

    @Override
    public void close() {
        allTensors().values().forEach(NDArray::close);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(');
        boolean first = true;
        for (Map.Entry<String, NDArray> e : toMap().entrySet()) {
            sb.append(first ? "" : ", ").append(e.getKey()).append('=').append(e.getValue().getShape());
            first = false;
        }
        return sb.append(')').toString();
    }
}
