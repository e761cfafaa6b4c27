package io.dpt4j.hub;

/** The Hub or its CDN could not be reached (or kept failing) after the bounded retries. */
public class HubConnectionException extends HfHubException {
    public HubConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
