package io.dpt4j.core.djl;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.dpt4j.core.PreTrainedModel;
import io.dpt4j.core.outputs.DepthEstimatorOutput;
import io.dpt4j.core.outputs.ModelOutput;
import io.dpt4j.core.outputs.SemanticSegmenterOutput;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.Objects;

/**
 * The DJL {@code Block} a {@code Predictor} runs: it holds a DPT4J model (built and loaded by
 * {@link DptBlockFactory}; in DJL's own format DJL reads the weights into it) and returns its primary
 * output ({@code predicted_depth} or {@code logits}). Its module tree is the block's child, so DJL saves
 * and loads its weights.
 */
public final class PreTrainedModelBlock extends AbstractBlock {
    private final PreTrainedModel<?, ?> model;

    public PreTrainedModelBlock(PreTrainedModel<?, ?> model) {
        this.model = Objects.requireNonNull(model, "model");
        addChildBlock("model", model.block());
        // Any batch of images; the spatial size is the model's to check.
        inputShapes = new Shape[] {new Shape(-1, 3, -1, -1)};
        inputNames = List.of("pixel_values");
    }

    /** Initialised when it holds a model whose every weight is loaded. */
    @Override
    public boolean isInitialized() {
        return getParameters().values().stream().allMatch(Parameter::isInitialized);
    }

    @Override
    protected void saveMetadata(DataOutputStream os) {
        // the wrapped model's config.json travels beside the parameter file
    }

    @Override
    protected void loadMetadata(byte loadVersion, DataInputStream is) throws MalformedModelException {
        if (loadVersion != version) {
            throw new MalformedModelException("unsupported DPT4J block format version " + loadVersion);
        }
    }

    public PreTrainedModel<?, ?> getModel() {
        return model;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        ModelOutput out = model.forward(inputs.singletonOrThrow());
        if (out instanceof DepthEstimatorOutput) {
            return new NDList(((DepthEstimatorOutput) out).predictedDepth);
        }
        if (out instanceof SemanticSegmenterOutput) {
            return new NDList(((SemanticSegmenterOutput) out).logits);
        }
        throw new IllegalStateException(model.getClass().getSimpleName() + " has no depth or segmentation output");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException("output shapes depend on the model; run it");
    }
}
