package io.dpt4j.core;

import io.dpt4j.hub.HfHub;
import io.dpt4j.hub.HubDownloadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resolves the model argument of {@code fromPretrained}, the pipelines and {@code DptCriteria}: a local
 * directory, or a hub id (with the revision, token, cache and offline settings of the load options).
 */
public final class ModelFiles {
    private ModelFiles() {}

    public static Path resolve(String idOrPath, LoadOptions options) throws IOException {
        Path p = Path.of(idOrPath);
        if (Files.isDirectory(p)) {
            return p;
        }
        if (Files.exists(p)) {
            throw new IllegalArgumentException(idOrPath + " is a file; fromPretrained expects a model directory (config.json + weights) or a hub id");
        }
        // Fetches config.json, preprocessor_config.json and the weights only (or finds them in the cache).
        return HfHub.resolveModelDirectory(idOrPath, hubOptions(options));
    }

    public static HubDownloadOptions hubOptions(LoadOptions o) {
        HubDownloadOptions h = HubDownloadOptions.defaults()
                .withRevision(o.revision())
                .withToken(o.token())
                .withLocalFilesOnly(o.localFilesOnly())
                .withForceDownload(o.forceDownload());
        return o.cacheDir() == null ? h : h.withCacheDir(o.cacheDir());
    }
}
