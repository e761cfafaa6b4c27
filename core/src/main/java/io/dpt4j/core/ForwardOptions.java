package io.dpt4j.core;

import io.dpt4j.core.modeling.ForwardContext;

/** Like transformers' {@code output_hidden_states} / {@code output_attentions} forward arguments. */
public final class ForwardOptions {
    boolean outputHiddenStates;
    boolean outputAttentions;
    boolean captureIntermediates;
    boolean timeStages;

    public static ForwardOptions defaults() {
        return new ForwardOptions();
    }

    /** Hidden states, attentions and the named intermediates ({@code debug.*}), for parity checks. */
    public static ForwardOptions everything() {
        return new ForwardOptions().outputHiddenStates(true).outputAttentions(true).captureIntermediates(true);
    }

    public ForwardOptions outputHiddenStates(boolean v) {
        this.outputHiddenStates = v;
        return this;
    }

    public ForwardOptions outputAttentions(boolean v) {
        this.outputAttentions = v;
        return this;
    }

    /** Also return the neck/backbone intermediates under the reference data's {@code debug.*} names. */
    public ForwardOptions captureIntermediates(boolean v) {
        this.captureIntermediates = v;
        return this;
    }

    /** Record the wall time of each stage (backbone, neck, head) in {@code ModelOutput#stageSeconds()}. */
    public ForwardOptions timeStages(boolean v) {
        this.timeStages = v;
        return this;
    }

    ForwardContext toContext() {
        ForwardContext c =
                new ForwardContext(outputHiddenStates, outputAttentions, captureIntermediates);
        if (timeStages) {
            c.timeStages();
        }
        return c;
    }
}
