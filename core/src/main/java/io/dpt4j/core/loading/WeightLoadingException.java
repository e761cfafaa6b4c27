package io.dpt4j.core.loading;

/** A checkpoint that does not fit the model: names the keys and what was expected. */
public class WeightLoadingException extends RuntimeException {
    public WeightLoadingException(String message) {
        super(message);
    }

    public WeightLoadingException(String message, Throwable cause) {
        super(message, cause);
    }
}
