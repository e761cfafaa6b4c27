package io.dpt4j.core.config;

/**
 * A config.json that cannot be used: the message names the file, the key and what was expected, and
 * {@link #kind()} says which kind of problem it is (callers and tests match on the kind, not the text).
 */
public class ConfigException extends RuntimeException {
    /** What is wrong with the config, one constant per kind of failure. */
    public enum Kind {
        /** The file is not there (a model directory needs a config.json). */
        MISSING_FILE,
        /** The file is not JSON, or not a JSON object. */
        INVALID_JSON,
        /** A key has the wrong type, is missing where it is required, or its value is out of range. */
        INVALID_VALUE,
        /** Keys that contradict each other (e.g. hidden_size not a multiple of num_attention_heads). */
        INCONSISTENT_VALUES,
        /** {@code model_type} names another config class (e.g. a Depth Anything config read as a DPTConfig). */
        MODEL_TYPE_MISMATCH,
        /** A valid config this build does not run (architecture, backbone type, timm backbone, BEiT's FPN). */
        UNSUPPORTED
    }

    private final Kind kind;

    public ConfigException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ConfigException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** A problem with a key's value ({@link Kind#INVALID_VALUE}). */
    public ConfigException(String message) {
        this(Kind.INVALID_VALUE, message);
    }

    /** A problem with a key's value ({@link Kind#INVALID_VALUE}). */
    public ConfigException(String message, Throwable cause) {
        this(Kind.INVALID_VALUE, message, cause);
    }

    public Kind kind() {
        return kind;
    }
}
