package io.dpt4j.core.djl;

import ai.djl.Model;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import io.dpt4j.core.AutoModel;
import io.dpt4j.core.CoreConstants;
import io.dpt4j.core.DPTForSemanticSegmentation;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.pipelines.DepthEstimationResult;
import io.dpt4j.core.processing.DPTImageProcessor;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * DJL {@link TranslatorFactory} for DPT checkpoints: builds the translator for the model directory DJL was
 * pointed at from its {@code preprocessor_config.json} and {@code config.json} (labels) and the DJL
 * arguments, and nothing else: it loads no weights and picks no engine (the model's block does that:
 * {@link DptBlockFactory}). Arguments are parsed by {@link LoadOptions#fromArguments}, so a bad
 * {@code engine} or {@code dtype} fails here, naming the argument. Supported types:
 * {@code (Image, DepthEstimationResult)} and {@code (Image, CategoryMask)}. Use {@link DptCriteria} to
 * build the Criteria. The Criteria argument {@code dtype} ({@code f32}, {@code int8} or {@code int8-conv}, set by
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
        LoadOptions.fromArguments(arguments); // validates engine, dtype, ... (the block applies them)
        Path dir = model.getModelPath();
        try {
            DPTImageProcessor processor = DPTImageProcessor.forModel(dir);
            Path config = dir.resolve(CoreConstants.CONFIG_FILE);
            boolean segmentation = SEGMENTATION.equals(AutoModel.architectureOf(config));
            if (output == CategoryMask.class) {
                if (!segmentation) {
                    throw new IllegalArgumentException(dir + " holds a " + AutoModel.architectureOf(config)
                            + "; CategoryMask needs a " + SEGMENTATION);
                }
                return (Translator<I, O>) new SemanticSegmentationTranslator(processor, DPTConfig.fromPretrained(config).id2label);
            }
            if (segmentation) {
                throw new IllegalArgumentException(dir + " holds a segmentation model; ask for CategoryMask");
            }
            return (Translator<I, O>) new DepthEstimationTranslator(processor);
        } catch (IOException e) {
            throw new TranslateException("cannot read the DPT model's configuration in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static final String SEGMENTATION = DPTForSemanticSegmentation.class.getSimpleName();
}
