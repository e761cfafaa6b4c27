package io.dpt4j.core.djl;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import io.dpt4j.core.AutoModel;
import io.dpt4j.core.CoreConstants;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.PreTrainedModel;
import io.dpt4j.core.pipelines.Pipelines;
import io.dpt4j.core.processing.DPTImageProcessor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * DJL {@link BlockFactory} for DPT checkpoints: where a DJL {@code Model} gets its block, this builds the
 * {@link PreTrainedModelBlock} and loads the model, with the {@link LoadOptions} the DJL arguments describe
 * ({@link LoadOptions#fromArguments}: {@code engine}, {@code dtype}, {@code allowMissingKeys}).
 *
 * <ul>
 *   <li>a Hugging Face directory: the weights are loaded here (the Criteria says {@code hasParameter=false});
 *   <li>DJL's own format ({@link DjlModelFormat}): the graph is built from config.json without weights, and
 *       DJL's {@code Model.load} then reads the {@code .params} file into it.
 * </ul>
 *
 * Without an {@code engine} argument the pipelines' policy picks it ({@link Pipelines#defaultEngine}). The
 * model is closed with the DJL model. {@link DptCriteria} passes this factory; DJL Serving finds it through
 * {@code blockFactory=} in {@code serving.properties}.
 */
public final class DptBlockFactory implements BlockFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) throws IOException {
        LoadOptions options = LoadOptions.fromArguments(arguments);
        DPTImageProcessor processor = DPTImageProcessor.forModel(modelPath);
        PreTrainedModel<?, ?> m;
        if (DjlModelFormat.isDjlFormat(modelPath)) {
            m = AutoModel.fromConfig(modelPath.resolve(CoreConstants.CONFIG_FILE));
            m.setEngine(options.engine() != null ? options.engine() : Pipelines.defaultEngine(processor));
            if (options.dtype() != null) {
                m.setDtype(options.dtype());
            }
        } else {
            m = Pipelines.model(modelPath, options, processor);
        }
        // Freed with the DJL model (ZooModel.close closes its manager), ONNX Runtime sessions first:
        // in DJL's own format the weights live on that manager. Closing twice is harmless.
        model.getNDManager().attachInternal("dpt4j-" + System.identityHashCode(m), m);
        return new PreTrainedModelBlock(m);
    }
}
