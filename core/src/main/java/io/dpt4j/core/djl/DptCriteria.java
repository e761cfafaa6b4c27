package io.dpt4j.core.djl;

import ai.djl.repository.zoo.Criteria;
import io.dpt4j.core.DptEngine;
import io.dpt4j.core.InferenceDtype;
import io.dpt4j.core.LoadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * DJL {@link Criteria} for a DPT checkpoint (a local Hugging Face directory or a hub id):
 *
 * <pre>{@code
 * Criteria<Image, DepthEstimationResult> c = DptCriteria.builder(Image.class, DepthEstimationResult.class, "Intel/dpt-large").build();
 * try (ZooModel<Image, DepthEstimationResult> model = c.loadModel();
 *      Predictor<Image, DepthEstimationResult> p = model.newPredictor()) {
 *     DepthEstimationResult r = p.predict(ImageFactory.getInstance().fromFile(path));
 * }
 * }</pre>
 *
 * It points DJL's PyTorch engine at the directory with a {@link PreTrainedModelBlock} and no DJL
 * parameter file ({@code hasParameter=false}); {@link DptTranslatorFactory} loads the Hugging Face
 * weights into the block. {@code options.dtype(InferenceDtype.INT8)} makes the predictors run int8 on
 * ONNX Runtime.
 */
public final class DptCriteria {
    private DptCriteria() {}

    public static <I, O> Criteria.Builder<I, O> builder(Class<I> input, Class<O> output, String idOrPath) throws IOException {
        return builder(input, output, idOrPath, LoadOptions.defaults());
    }

    public static <I, O> Criteria.Builder<I, O> builder(Class<I> input, Class<O> output, String idOrPath, LoadOptions options)
            throws IOException {
        DptEngine.get();
        Path dir = io.dpt4j.core.ModelFiles.resolve(idOrPath, options);
        String dtype = (options.dtype() == null ? InferenceDtype.FLOAT32 : options.dtype()).shortName();
        if (DjlModelFormat.isDjlFormat(dir)) {
            // DJL's format: rebuild the graph from config.json, DJL reads the .params file into it.
            PreTrainedModelBlock block = new PreTrainedModelBlock(io.dpt4j.core.AutoModel.fromConfig(dir.resolve("config.json")));
            return Criteria.builder()
                    .setTypes(input, output)
                    .optEngine(DptEngine.ENGINE)
                    .optModelPath(dir)
                    .optModelName(DjlModelFormat.savedModelName(dir))
                    .optBlock(block)
                    .optArgument("dtype", dtype)
                    .optTranslatorFactory(new DptTranslatorFactory());
        }
        return Criteria.builder()
                .setTypes(input, output)
                .optEngine(DptEngine.ENGINE)
                .optModelPath(dir)
                .optBlock(new PreTrainedModelBlock())
                .optOption("hasParameter", "false")
                .optArgument("dtype", dtype)
                .optTranslatorFactory(new DptTranslatorFactory());
    }
}
