package io.dpt4j.core.modeling;

import ai.djl.ndarray.NDArray;
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

    public ForwardContext(boolean outputHiddenStates, boolean outputAttentions, boolean captureIntermediates) {
        this.outputHiddenStates = outputHiddenStates;
        this.outputAttentions = outputAttentions;
        this.captured = captureIntermediates ? new LinkedHashMap<>() : null;
    }

    public static ForwardContext plain() {
        return new ForwardContext(false, false, false);
    }

    public boolean capturing() {
        return captured != null;
    }

    /** Records an intermediate under its reference name (no-op unless capturing). */
    public void capture(String name, NDArray value) {
        if (captured != null) {
            captured.put(name, value);
        }
    }

    public Map<String, NDArray> captured() {
        return captured == null ? Map.of() : captured;
    }
}
