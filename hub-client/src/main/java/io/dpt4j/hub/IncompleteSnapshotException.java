package io.dpt4j.hub;

import java.nio.file.Path;

/** A cached snapshot misses files its commit's listing names, and the Hub cannot be used to complete it. */
public class IncompleteSnapshotException extends LocalEntryNotFoundException {
    private final transient Path snapshotPath;

    public IncompleteSnapshotException(String message, Path snapshotPath, Throwable cause) {
        super(message, cause);
        this.snapshotPath = snapshotPath;
    }

    /** The partial snapshot folder. */
    public Path snapshotPath() {
        return snapshotPath;
    }
}
