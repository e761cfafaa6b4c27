package io.dpt4j.core.processing;

/**
 * A {@code preprocessor_config.json} (or a call override) holds a value of the wrong type or range.
 * The message names the source, the key, what was expected and what was found.
 */
public class PreprocessorConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public PreprocessorConfigException(String message) {
        super(message);
    }

    public PreprocessorConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
