package io.dpt4j.core;

import io.dpt4j.core.config.ConfigException;
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

    /**
     * A local model directory for {@code idOrPath}: an existing directory with a config.json as is;
     * otherwise a hub id whose config, preprocessor config and weights are fetched (or found in the cache).
     *
     * @throws ConfigException ({@link ConfigException.Kind#MISSING_FILE}) for a directory without config.json
     * @throws IllegalArgumentException for a file, or a path-like argument ({@code ./x}, {@code /x},
     *     {@code a/b/c}) that does not exist (it cannot be a hub id)
     * @throws io.dpt4j.hub.HfHubException when the hub cannot provide the files
     */
    public static Path resolve(String idOrPath, LoadOptions options) throws IOException {
        Path p = Path.of(idOrPath);
        if (Files.isDirectory(p)) {
            if (!Files.isRegularFile(p.resolve(CoreConstants.CONFIG_FILE))) {
                throw new ConfigException(ConfigException.Kind.MISSING_FILE, idOrPath + ": the directory has no "
                        + CoreConstants.CONFIG_FILE + " (a model directory holds config.json and the weights)");
            }
            return p;
        }
        if (Files.exists(p)) {
            throw new IllegalArgumentException(idOrPath + " is a file, not a model directory (config.json + weights) or a hub id");
        }
        if (idOrPath.startsWith(".") || idOrPath.startsWith("/") || idOrPath.split("/").length > 2) {
            throw new IllegalArgumentException(idOrPath + ": no such directory (and not a hub id: those are NAME or OWNER/NAME)");
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
