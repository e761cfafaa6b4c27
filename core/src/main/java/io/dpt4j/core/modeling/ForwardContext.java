package io.dpt4j.core.modeling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.dpt4j.core.nn.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one forward pass should return beyond its primary output: hidden states, attentions, and
 * optionally the named intermediate tensors ({@code debug.*}, as in the reference data) that localise a
 * mismatch.
 */
public final class ForwardContext {
    public final boolean outputHiddenStates;
    public final boolean outputAttentions;
    private final Map<String, NDArray> captured;
    private final Map<String, Tensor> capturedGraph = new LinkedHashMap<>();
    private Map<String, Double> stageSeconds;
    private NDManager keep;
    private long lastMark;

    public ForwardContext(boolean outputHiddenStates, boolean outputAttentions, boolean captureIntermediates) {
        this.outputHiddenStates = outputHiddenStates;
        this.outputAttentions = outputAttentions;
        this.captured = captureIntermediates ? new LinkedHashMap<>() : null;
    }

    /** Starts timing stages: each {@link #stage} records the seconds since the previous mark. */
    public void timeStages() {
        stageSeconds = new LinkedHashMap<>();
        lastMark = System.nanoTime();
    }

    /** Marks the end of a stage (libtorch CPU ops are synchronous, so wall time is the stage's time). */
    public void stage(String name) {
        if (stageSeconds != null) {
            long now = System.nanoTime();
            stageSeconds.merge(name, (now - lastMark) / 1e9, Double::sum);
            lastMark = now;
        }
    }

    public Map<String, Double> stageSeconds() {
        return stageSeconds == null ? Map.of() : stageSeconds;
    }

    public static ForwardContext plain() {
        return new ForwardContext(false, false, false);
    }

    public boolean capturing() {
        return captured != null;
    }

    /** Where tensors that must outlive a module's scope go (the forward pass's scratch manager). */
    public void keepOn(NDManager manager) {
        this.keep = manager;
    }

    /** Moves {@code a} to the pass's scratch manager so a module scope does not free it. */
    public NDArray keep(NDArray a) {
        if (keep != null && a != null) {
            a.attach(keep);
        }
        return a;
    }

    /** Records an intermediate under its reference name (no-op unless capturing). */
    public void capture(String name, NDArray value) {
        if (captured != null) {
            captured.put(name, keep(value));
        }
    }

    /**
     * Records an intermediate of either engine: on libtorch its value, in a graph the value to expose as
     * an extra output of that name (no-op unless capturing).
     */
    public void capture(String name, Tensor value) {
        if (captured != null && value != null) {
            if (value.ops().eager()) {
                capture(name, value.nd());
            } else {
                capturedGraph.put(name, value);
            }
        }
    }

    /** The graph values captured while writing a graph, by name. */
    public Map<String, Tensor> capturedGraph() {
        return capturedGraph;
    }

    public Map<String, NDArray> captured() {
        return captured == null ? Map.of() : captured;
    }
}
