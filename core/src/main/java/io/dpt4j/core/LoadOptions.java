package io.dpt4j.core;

/**
 * Options of {@code fromPretrained}. Hub options (revision, token, cache dir, local-files-only) apply
 * when the model is given as a hub id.
 */
public final class LoadOptions {
    boolean allowMissingKeys;
    String revision;
    String token;
    java.nio.file.Path cacheDir;
    boolean localFilesOnly;
    boolean forceDownload;
    ExecutionEngine engine;
    InferenceDtype dtype;

    public static LoadOptions defaults() {
        return new LoadOptions();
    }

    /** Load even when the checkpoint lacks weights the model needs (they stay unset; using them fails). */
    public LoadOptions allowMissingKeys(boolean allow) {
        this.allowMissingKeys = allow;
        return this;
    }

    public LoadOptions revision(String revision) {
        this.revision = revision;
        return this;
    }

    public LoadOptions token(String token) {
        this.token = token;
        return this;
    }

    public LoadOptions cacheDir(java.nio.file.Path cacheDir) {
        this.cacheDir = cacheDir;
        return this;
    }

    public LoadOptions localFilesOnly(boolean localFilesOnly) {
        this.localFilesOnly = localFilesOnly;
        return this;
    }

    public LoadOptions forceDownload(boolean forceDownload) {
        this.forceDownload = forceDownload;
        return this;
    }

    /** The engine of the loaded model's forward passes (default PyTorch; pipelines default to AUTO). */
    public LoadOptions engine(ExecutionEngine engine) {
        this.engine = engine;
        return this;
    }

    public ExecutionEngine engine() {
        return engine;
    }

    /**
     * The precision of the loaded model's forward passes (default float32). {@link InferenceDtype#INT8}
     * runs on ONNX Runtime: it selects that engine (an explicit PyTorch engine is refused).
     */
    public LoadOptions dtype(InferenceDtype dtype) {
        this.dtype = dtype;
        return this;
    }

    public InferenceDtype dtype() {
        return dtype;
    }

    public boolean allowMissingKeys() {
        return allowMissingKeys;
    }

    public String revision() {
        return revision;
    }

    public String token() {
        return token;
    }

    public java.nio.file.Path cacheDir() {
        return cacheDir;
    }

    public boolean localFilesOnly() {
        return localFilesOnly;
    }

    public boolean forceDownload() {
        return forceDownload;
    }
}
