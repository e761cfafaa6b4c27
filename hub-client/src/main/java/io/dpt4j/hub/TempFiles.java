package io.dpt4j.hub;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tracks this process's {@code *.incomplete} files so that none outlives the process: each is deleted
 * when its download ends (success or failure), and a shutdown hook deletes any left on exit or Ctrl-C.
 * Other processes' incomplete files are never touched.
 */
final class TempFiles {
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(TempFiles::deleteQuietly), "hub-temp-cleanup"));
    }

    private TempFiles() {}

    /** A new, empty, process-unique {@code <blob>.<random>.incomplete} beside {@code blob}. */
    static Path create(Path blob) throws IOException {
        Files.createDirectories(blob.getParent());
        while (true) {
            Path p = blob.resolveSibling(blob.getFileName() + "." + CacheLayout.randomHex(4) + HubConstants.INCOMPLETE_SUFFIX);
            LIVE.add(p);
            try {
                return Files.createFile(p);
            } catch (FileAlreadyExistsException e) {
                LIVE.remove(p);
            } catch (IOException e) {
                LIVE.remove(p);
                throw e;
            }
        }
    }

    /** Forgets {@code p} (after it was renamed into place). */
    static void release(Path p) {
        LIVE.remove(p);
    }

    /** Deletes {@code p} if it still exists and forgets it. */
    static void discard(Path p) {
        deleteQuietly(p);
        LIVE.remove(p);
    }

    /** The number of this process's live temp files (for tests). */
    static int liveCount() {
        return LIVE.size();
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
