package io.dpt4j.hub;

/**
 * A file (or snapshot) is not in the cache and cannot be fetched: offline mode, {@code localFilesOnly},
 * or the Hub could not be reached. The cause, when present, is the network error.
 */
public class LocalEntryNotFoundException extends HfHubException {
    public LocalEntryNotFoundException(String message) {
        super(message);
    }

    public LocalEntryNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
