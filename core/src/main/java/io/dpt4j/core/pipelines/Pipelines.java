package io.dpt4j.core.pipelines;

import io.dpt4j.core.AutoModel;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.PreTrainedModel;
import io.dpt4j.core.processing.DPTImageProcessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Shared loading of a processor + model pair from a model directory or hub id. */
public final class Pipelines {
    private Pipelines() {}

    static Path resolve(String idOrPath, LoadOptions options) throws IOException {
        Path p = Path.of(idOrPath);
        if (Files.isDirectory(p)) {
            return p;
        }
        return io.dpt4j.hub.HfHub.resolveModelDirectory(idOrPath, hubOptions(options));
    }

    static io.dpt4j.hub.HubDownloadOptions hubOptions(LoadOptions o) {
        io.dpt4j.hub.HubDownloadOptions h = io.dpt4j.hub.HubDownloadOptions.defaults()
                .withRevision(o.revision()).withToken(o.token())
                .withLocalFilesOnly(o.localFilesOnly()).withForceDownload(o.forceDownload());
        return o.cacheDir() == null ? h : h.withCacheDir(o.cacheDir());
    }

    /** The directory's preprocessor_config.json, or transformers' DPTImageProcessor defaults without one. */
    static DPTImageProcessor processor(Path dir) throws IOException {
        Path cfg = dir.resolve("preprocessor_config.json");
        return Files.isRegularFile(cfg) ? DPTImageProcessor.fromPretrained(cfg) : DPTImageProcessor.defaults();
    }

    /**
     * The model. Unless the options name an engine: ONNX Runtime (where the family has a graph) when
     * the processor gives every image the same size, PyTorch when sizes vary with the photo (keep
     * aspect ratio, no resize, padding), since ONNX Runtime builds a session per input size.
     */
    static PreTrainedModel<?, ?> model(Path dir, LoadOptions options, DPTImageProcessor processor) throws IOException {
        PreTrainedModel<?, ?> m = AutoModel.fromPretrained(dir, options);
        if (options.engine() == null) {
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
