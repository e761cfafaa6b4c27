package io.dpt4j.core.djl;

import ai.djl.repository.zoo.Criteria;
import io.dpt4j.core.CoreConstants;
import io.dpt4j.core.DptEngine;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.ModelFiles;
import java.io.IOException;
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
 * It points DJL's PyTorch engine at the directory; {@link DptBlockFactory} builds the block and loads the
 * model (with the options as DJL arguments: {@link LoadOptions#toArguments}), {@link DptTranslatorFactory}
 * builds the translator. Further {@code optArgument}s on the returned builder (e.g. {@code engine}) reach both.
 * {@code options.dtype(InferenceDtype.INT8)} (the {@code dtype} argument) makes the predictors run int8 on
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
        Path dir = ModelFiles.resolve(idOrPath, options);
        Criteria.Builder<I, O> b = Criteria.builder()
                .setTypes(input, output)
                .optEngine(DptEngine.ENGINE)
                .optModelPath(dir)
                .optArgument(CoreConstants.ARG_DJL_BLOCK_FACTORY, new DptBlockFactory())
                .optTranslatorFactory(new DptTranslatorFactory());
        options.toArguments().forEach(b::optArgument);
        if (DjlModelFormat.isDjlFormat(dir)) {
            // DJL's format: the block factory builds the graph from config.json, DJL reads the .params file into it.
            return b.optModelName(DjlModelFormat.savedModelName(dir));
        }
        // A Hugging Face directory: no DJL parameter file; the block factory loads the weights.
        return b.optOption("hasParameter", "false");
    }
}
