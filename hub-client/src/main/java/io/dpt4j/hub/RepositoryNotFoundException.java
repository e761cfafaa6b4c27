package io.dpt4j.hub;

/** The repository does not exist, or is private and no token with access to it was sent (X-Error-Code RepoNotFound). */
public class RepositoryNotFoundException extends HubHttpException {
    public RepositoryNotFoundException(String message, int statusCode, String errorCode) {
        super(message, statusCode, errorCode);
    }
}
