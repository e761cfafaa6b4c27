package io.dpt4j.core.processing;

import java.io.IOException;

/** An image file or byte array could not be decoded; the message names the source and the reason. */
public class ImageLoadException extends IOException {
    private static final long serialVersionUID = 1L;

    public ImageLoadException(String message) {
        super(message);
    }

    public ImageLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
