package io.dpt4j.hub;

/** A downloaded file had the wrong size or hash; what was downloaded has been deleted. */
public class FileIntegrityException extends HfHubException {
    public FileIntegrityException(String message) {
        super(message);
    }
}
