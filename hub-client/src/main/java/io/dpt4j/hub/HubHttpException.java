package io.dpt4j.hub;

/** An HTTP error answer from the Hub (or its CDN) that no more specific exception describes. */
public class HubHttpException extends HfHubException {
    private final int statusCode;
    private final String errorCode;

    public HubHttpException(String message, int statusCode, String errorCode) {
        super(message);
        this.statusCode = statusCode;
        this.errorCode = errorCode;
    }

    /** The HTTP status code. */
    public int statusCode() {
        return statusCode;
    }

    /** The {@code X-Error-Code} header, or null. */
    public String errorCode() {
        return errorCode;
    }
}
