package io.dpt4j.core.config;

/** A config.json that cannot be used: the message names the file, the key and what was expected. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
