package io.dpt4j.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resolves the model argument of {@code fromPretrained}: a local directory, or a hub id. */
final class ModelFiles {
    private ModelFiles() {}

    static Path resolve(String idOrPath, LoadOptions options) throws IOException {
        Path p = Path.of(idOrPath);
        if (Files.isDirectory(p)) {
            return p;
        }
        if (Files.exists(p)) {
            throw new IllegalArgumentException(idOrPath + " is a file; fromPretrained expects a model directory (config.json + weights) or a hub id");
        }
        throw new IllegalArgumentException("no such model directory: " + idOrPath
                + " (hub ids such as Intel/dpt-large need the hub client, which is not wired in yet)");
    }
}
