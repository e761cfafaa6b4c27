package io.dpt4j.hub;

/** The repository is gated: access must be requested on its model page (X-Error-Code GatedRepo). */
public class GatedRepoException extends HubHttpException {
    public GatedRepoException(String message, int statusCode, String errorCode) {
        super(message, statusCode, errorCode);
    }
}
