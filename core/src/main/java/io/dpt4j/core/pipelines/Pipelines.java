package io.dpt4j.core.pipelines;

import io.dpt4j.core.AutoModel;
import io.dpt4j.core.ExecutionEngine;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.PreTrainedModel;
import io.dpt4j.core.processing.DPTImageProcessor;
import java.io.IOException;
import java.nio.file.Path;

/** The model half of a pipeline, and the engine policy pipelines and DJL predictors share. */
public final class Pipelines {
    private Pipelines() {}

    /**
     * The model, on the options' engine or else {@link ExecutionEngine#AUTO}: ONNX Runtime wherever the
     * model has a graph, for every processor (its one session serves every input size). An int8
     * model runs on ONNX Runtime whatever the options say about the engine.
     */
    public static PreTrainedModel<?, ?> model(Path dir, LoadOptions options, DPTImageProcessor processor) throws IOException {
        PreTrainedModel<?, ?> m = AutoModel.fromPretrained(dir, options);
        if (options.engine() == null && (options.dtype() == null || !options.dtype().isInt8())) {
            m.setEngine(defaultEngine(processor));
        }
        return m;
    }

    /** The engine policy above, for pipelines and DJL predictors: AUTO whatever the processor. */
    public static ExecutionEngine defaultEngine(DPTImageProcessor processor) {
        return ExecutionEngine.AUTO;
    }
}
