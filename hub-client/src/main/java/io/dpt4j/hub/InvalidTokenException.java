package io.dpt4j.hub;

/** The Hub rejected the token (HTTP 401). */
public class InvalidTokenException extends HubHttpException {
    public InvalidTokenException(String message, int statusCode, String errorCode) {
        super(message, statusCode, errorCode);
    }
}
