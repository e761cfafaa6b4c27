package io.dpt4j.cli;

/**
 * The command line's own names and defaults. File names of a model directory are the library's
 * ({@link io.dpt4j.core.CoreConstants}); hub environment variables are the hub client's
 * ({@link io.dpt4j.hub.HubConstants}).
 */
public final class CliConstants {
    private CliConstants() {}

    /** Set to any value to print the stack trace of an error after its one-line message. */
    public static final String ENV_DEBUG = "DPT_DEBUG";
}
