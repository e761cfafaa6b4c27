package io.dpt4j.hub;

/** The branch, tag, commit or pull-request ref does not exist (X-Error-Code RevisionNotFound). */
public class RevisionNotFoundException extends HubHttpException {
    public RevisionNotFoundException(String message, int statusCode, String errorCode) {
        super(message, statusCode, errorCode);
    }
}
