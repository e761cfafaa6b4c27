package io.dpt4j.core.pipelines;

import io.dpt4j.core.AutoModel;
import io.dpt4j.core.InferenceDtype;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.PreTrainedModel;
import io.dpt4j.core.processing.DPTImageProcessor;
import java.io.IOException;
import java.nio.file.Path;

/** The model half of a pipeline, and the engine policy pipelines and DJL predictors share. */
public final class Pipelines {
    private Pipelines() {}

    /**
     * The model. Unless the options name an engine: ONNX Runtime (where the family has a graph) when
     * the processor gives every image the same size, PyTorch when sizes vary with the photo (keep
     * aspect ratio, no resize, padding), since ONNX Runtime builds a session per input size. An int8
     * model runs on ONNX Runtime whatever the processor does (a session, with its quantization, per
     * input size).
     */
    static PreTrainedModel<?, ?> model(Path dir, LoadOptions options, DPTImageProcessor processor) throws IOException {
        PreTrainedModel<?, ?> m = AutoModel.fromPretrained(dir, options);
        if (options.engine() == null && options.dtype() != InferenceDtype.INT8) {
            m.setEngine(defaultEngine(processor));
        }
        return m;
    }

    /** The engine policy above, for pipelines and DJL predictors. */
    public static io.dpt4j.core.ExecutionEngine defaultEngine(DPTImageProcessor processor) {
        boolean fixedSize = processor.doResize() && !processor.keepAspectRatio() && !processor.doPad()
                && processor.sizeHeight() > 0 && processor.sizeWidth() > 0;
        return fixedSize ? io.dpt4j.core.ExecutionEngine.AUTO : io.dpt4j.core.ExecutionEngine.PYTORCH;
    }
}
