package io.dpt4j.core;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Options of {@code fromPretrained}. Hub options (revision, token, cache dir, local-files-only) apply
 * when the model is given as a hub id.
 */
public final class LoadOptions {
    boolean allowMissingKeys;
    String revision;
    String token;
    Path cacheDir;
    boolean localFilesOnly;
    boolean forceDownload;
    ExecutionEngine engine;
    InferenceDtype dtype;

    public static LoadOptions defaults() {
        return new LoadOptions();
    }

    /**
     * Options from string-keyed arguments, e.g. DJL's {@code Criteria} arguments or {@code serving.properties}:
     * {@value CoreConstants#ARG_ENGINE} ({@link ExecutionEngine#parse}), {@value CoreConstants#ARG_DTYPE},
     * {@value CoreConstants#ARG_ALLOW_MISSING_KEYS}. Keys this class does not know are left alone (DJL puts its
     * own there); a known key with a bad value is an {@link IllegalArgumentException} naming both.
     */
    public static LoadOptions fromArguments(Map<String, ?> arguments) {
        LoadOptions o = defaults();
        if (arguments != null) {
            arguments.forEach(o::argument);
        }
        return o;
    }

    /** Applies one argument of {@link #fromArguments} (unknown keys are ignored). */
    public LoadOptions argument(String key, Object value) {
        if (value == null) {
            return this;
        }
        String v = value.toString().trim();
        try {
            switch (key) {
                case CoreConstants.ARG_ENGINE:
                    return engine(ExecutionEngine.parse(v));
                case CoreConstants.ARG_DTYPE:
                    return dtype(InferenceDtype.parse(v));
                case CoreConstants.ARG_ALLOW_MISSING_KEYS:
                    return allowMissingKeys(parseBoolean(v));
                default:
                    return this;
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("argument " + key + "=" + v + ": " + e.getMessage(), e);
        }
    }

    /** The options {@link #fromArguments} reads, as arguments (hub options are not: they only resolve the model). */
    public Map<String, String> toArguments() {
        Map<String, String> m = new LinkedHashMap<>();
        if (engine != null) {
            m.put(CoreConstants.ARG_ENGINE, engine.name().toLowerCase(Locale.ROOT));
        }
        if (dtype != null) {
            m.put(CoreConstants.ARG_DTYPE, dtype.shortName());
        }
        if (allowMissingKeys) {
            m.put(CoreConstants.ARG_ALLOW_MISSING_KEYS, "true");
        }
        return m;
    }

    private static boolean parseBoolean(String v) {
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException("expected true or false");
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

    public LoadOptions cacheDir(Path cacheDir) {
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

    public Path cacheDir() {
        return cacheDir;
    }

    public boolean localFilesOnly() {
        return localFilesOnly;
    }

    public boolean forceDownload() {
        return forceDownload;
    }
}
