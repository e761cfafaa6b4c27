package io.dpt4j.converters;

import java.nio.file.Path;

/**
 * A pickle asked for something a state dict never needs (a global outside the allow-list, an
 * object-building opcode): it is refused before anything runs.
 */
public final class UnsafePickleException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    private final String offending;

    UnsafePickleException(Path file, String entry, String offending, String problem) {
        super(Kind.UNSAFE_PICKLE, file, "entry", entry, problem, null);
        this.offending = offending;
    }

    /** The refused global ({@code module.name}) or opcode name. */
    public String offending() {
        return offending;
    }
}
