package io.dpt4j.hub;

import java.io.PrintStream;

/**
 * Receives the progress of file downloads (one call sequence per file that is actually transferred;
 * cached files produce no calls). Implementations must be thread-safe: snapshot downloads may report
 * from several threads. Totals are -1 when unknown.
 */
public interface ProgressListener {
    /** A transfer of {@code filename} starts; {@code alreadyDone} bytes are already on disk (resume). */
    default void onStart(String repoId, String filename, long totalBytes, long alreadyDone) {}

    /** {@code bytesDone} of {@code totalBytes} are on disk (may go back to 0 when a server ignores a Range). */
    default void onProgress(String filename, long bytesDone, long totalBytes) {}

    /** The file is verified and in the cache. */
    default void onComplete(String filename, long totalBytes) {}

    /** The transfer failed; what was downloaded has been deleted. */
    default void onFailure(String filename, Throwable error) {}

    /** Reports nothing. */
    ProgressListener NONE = new ProgressListener() {};

    /**
     * The default: nothing when {@code HF_HUB_DISABLE_PROGRESS_BARS} is true, a redrawn bar (bytes, rate,
     * ETA) when stderr is a terminal, otherwise one line per file on stderr.
     */
    static ProgressListener console(HubEnvironment env) {
        if (env.progressBarsDisabled()) {
            return NONE;
        }
        return new ConsoleProgress(System.err, ConsoleProgress.stderrIsTerminal(), System::nanoTime);
    }

    /** A console listener on {@code out}: a bar when {@code terminal}, lines otherwise. */
    static ProgressListener console(PrintStream out, boolean terminal) {
        return new ConsoleProgress(out, terminal, System::nanoTime);
    }
}
