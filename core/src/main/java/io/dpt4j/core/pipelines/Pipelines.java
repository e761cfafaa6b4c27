package io.dpt4j.core.pipelines;

import io.dpt4j.core.AutoModel;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.PreTrainedModel;
import io.dpt4j.core.processing.DPTImageProcessor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Shared loading of a processor + model pair from a model directory or hub id. */
final class Pipelines {
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

    /** The model, on ONNX Runtime where its family has a graph unless the options name an engine. */
    static PreTrainedModel<?, ?> model(Path dir, LoadOptions options) throws IOException {
        PreTrainedModel<?, ?> m = AutoModel.fromPretrained(dir, options);
        if (options.engine() == null) {
            m.setEngine(io.dpt4j.core.ExecutionEngine.AUTO);
        }
        return m;
    }
}
