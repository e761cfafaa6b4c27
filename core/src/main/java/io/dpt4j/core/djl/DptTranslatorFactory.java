package io.dpt4j.core.djl;

import ai.djl.Model;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import io.dpt4j.core.AutoModel;
import io.dpt4j.core.DPTForSemanticSegmentation;
import io.dpt4j.core.InferenceDtype;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.PreTrainedModel;
import io.dpt4j.core.pipelines.DepthEstimationResult;
import io.dpt4j.core.pipelines.Pipelines;
import io.dpt4j.core.processing.DPTImageProcessor;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * DJL {@link TranslatorFactory} for DPT checkpoints: loads the Hugging Face model directory DJL was
 * pointed at ({@code config.json} + weights + {@code preprocessor_config.json}) into the
 * {@link PreTrainedModelBlock} and returns the matching translator. Supported types:
 * {@code (Image, DepthEstimationResult)} and {@code (Image, CategoryMask)}. Use {@link DptCriteria} to
 * build the Criteria. The Criteria argument {@code dtype} ({@code f32} or {@code int8}, set by
 * {@code DptCriteria.builder(..., LoadOptions.defaults().dtype(InferenceDtype.INT8))}) selects the
 * precision; int8 runs on ONNX Runtime.
 */
public final class DptTranslatorFactory implements TranslatorFactory {
    private static final Set<Pair<Type, Type>> SUPPORTED = Set.of(
            new Pair<>(Image.class, DepthEstimationResult.class),
            new Pair<>(Image.class, CategoryMask.class));

    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return SUPPORTED;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <I, O> Translator<I, O> newInstance(Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
            throws TranslateException {
        if (!isSupported(input, output)) {
            throw new IllegalArgumentException("DptTranslatorFactory supports (Image, DepthEstimationResult) and (Image, CategoryMask), not ("
                    + input.getSimpleName() + ", " + output.getSimpleName() + ")");
        }
        if (!(model.getBlock() instanceof PreTrainedModelBlock)) {
            throw new IllegalArgumentException("the Criteria needs optBlock(new PreTrainedModelBlock()) and optOption(\"hasParameter\", \"false\"); "
                    + "DptCriteria.builder(...) sets both");
        }
        Path dir = model.getModelPath();
        try {
            PreTrainedModelBlock block = (PreTrainedModelBlock) model.getBlock();
            if (block.getModel() == null) {
                block.setModel(AutoModel.fromPretrained(dir, LoadOptions.defaults()));
            }
            PreTrainedModel<?, ?> m = block.getModel();
            // Freed with the DJL model (ZooModel.close closes its manager), ONNX Runtime sessions first:
            // in DJL's own format the weights live on that manager. Closing twice is harmless.
            model.getNDManager().attachInternal("dpt4j-" + System.identityHashCode(m), m);
            DPTImageProcessor processor = DPTImageProcessor.forModel(dir);
            Object dtype = arguments.get("dtype");
            if (dtype != null && InferenceDtype.parse(dtype.toString()) == InferenceDtype.INT8) {
                // int8 selects ONNX Runtime whatever the processor does.
                m.setDtype(InferenceDtype.INT8);
            } else {
                // As the pipelines: ONNX Runtime for fixed-size inputs where the family has a graph.
                m.setDtype(InferenceDtype.FLOAT32);
                m.setEngine(Pipelines.defaultEngine(processor));
            }
            if (output == CategoryMask.class) {
                if (!(m instanceof DPTForSemanticSegmentation)) {
                    throw new IllegalArgumentException(dir + " holds a " + m.getClass().getSimpleName() + "; CategoryMask needs a segmentation model");
                }
                return (Translator<I, O>) new SemanticSegmentationTranslator(processor, ((DPTForSemanticSegmentation) m).getConfig().id2label);
            }
            if (m instanceof DPTForSemanticSegmentation) {
                throw new IllegalArgumentException(dir + " holds a segmentation model; ask for CategoryMask");
            }
            return (Translator<I, O>) new DepthEstimationTranslator(processor);
        } catch (java.io.IOException e) {
            throw new TranslateException("cannot load the DPT model from " + dir + ": " + e.getMessage(), e);
        }
    }
}
