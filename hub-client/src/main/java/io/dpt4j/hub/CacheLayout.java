package io.dpt4j.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The huggingface_hub cache layout of one repo ({@code <cache>/models--org--name/}): {@code blobs/<etag>},
 * {@code snapshots/<commit>/<path>} as relative symlinks to the blobs, {@code refs/<revision>} holding the
 * commit (no newline), {@code .no_exist/<commit>/<path>} markers and {@code trees/<commit>.json}.
 * Every write is atomic (temp file + rename) so a reader, Java or Python, never sees half a file.
 */
final class CacheLayout {
    private static final SecureRandom RANDOM = new SecureRandom();

    final Path cacheDir;
    final Path storage;

    CacheLayout(Path cacheDir, String repoId) {
        this.cacheDir = cacheDir.toAbsolutePath().normalize();
        this.storage = this.cacheDir.resolve(HubPaths.repoFolderName(repoId, HubConstants.REPO_TYPE_MODEL));
    }

    Path blob(String etag) {
        return storage.resolve(HubConstants.BLOBS_DIR).resolve(etag);
    }

    /** {@code blobs/<etag>.incomplete}: a download in progress, or interrupted (resumed by either client). */
    Path incomplete(String etag) {
        return storage.resolve(HubConstants.BLOBS_DIR).resolve(etag + HubConstants.INCOMPLETE_SUFFIX);
    }

    /** {@code <cache>/.locks/<repo folder>/<etag>.lock}, huggingface_hub's lock around a blob's download. */
    Path lock(String etag) {
        return cacheDir.resolve(HubConstants.LOCKS_DIR).resolve(storage.getFileName()).resolve(etag + HubConstants.LOCK_SUFFIX);
    }

    Path snapshot(String commit) {
        return storage.resolve(HubConstants.SNAPSHOTS_DIR).resolve(commit);
    }

    /** {@code snapshots/<commit>/<path>}, checked to stay inside the snapshot folder. */
    Path pointer(String commit, String relativePath) {
        Path snap = snapshot(commit);
        Path p = snap.resolve(relativePath).normalize();
        if (!p.startsWith(snap) || p.equals(snap)) {
            throw new IllegalArgumentException("invalid file name '" + relativePath + "': escapes the snapshot folder");
        }
        return p;
    }

    Path noExist(String commit, String relativePath) {
        return storage.resolve(HubConstants.NO_EXIST_DIR).resolve(commit).resolve(relativePath);
    }

    Path ref(String revision) {
        return storage.resolve(HubConstants.REFS_DIR).resolve(revision);
    }

    /** The commit stored for {@code revision} (a branch, tag or {@code refs/pr/N}), or null. */
    String readRef(String revision) {
        try {
            String s = Files.readString(ref(revision), StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? null : s;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Records {@code revision -> commit} unless the revision is the commit itself or the ref already says
     * so (a read-only cache that is up to date is never written). Also creates {@code snapshots/<commit>/}
     * so that no ref ever points at a missing snapshot (Python's cache scanner reports that as corrupt).
     */
    void writeRef(String revision, String commit) throws IOException {
        if (revision.equals(commit)) {
            return;
        }
        if (commit.equals(readRef(revision))) {
            return;
        }
        Files.createDirectories(snapshot(commit));
        Path ref = ref(revision);
        Files.createDirectories(ref.getParent());
        Path tmp = ref.resolveSibling(ref.getFileName() + "." + randomHex(4) + ".tmp");
        try {
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            Files.move(tmp, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Marks {@code path} as absent at {@code commit} (an empty file, as huggingface_hub does). */
    void markNoExist(String commit, String relativePath) {
        try {
            Path p = noExist(commit, relativePath);
            Files.createDirectories(p.getParent());
            if (!Files.exists(p)) {
                Files.createFile(p);
            }
        } catch (IOException e) {
            // Only an optimisation: ignore (read-only cache, race with another process).
        }
    }

    /**
     * Writes {@code CACHEDIR.TAG} at the cache root when missing (huggingface_hub does the same). Created
     * in place with CREATE_NEW rather than via a temp file, so that nothing else ever appears at the root.
     */
    void ensureCachedirTag() {
        Path tag = cacheDir.resolve(HubConstants.CACHEDIR_TAG);
        if (Files.exists(tag)) {
            return;
        }
        try {
            Files.writeString(tag, HubConstants.CACHEDIR_TAG_CONTENT, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            // best effort (exists already, or a read-only cache)
        }
    }

    /**
     * Makes {@code pointer} a relative symlink to {@code blob} ({@code ../../blobs/<etag>}, one more
     * {@code ../} per subfolder). An existing correct link is kept; a wrong or dangling one is replaced.
     */
    void link(Path blob, Path pointer) throws IOException {
        Files.createDirectories(pointer.getParent());
        Path target = pointer.getParent().relativize(blob);
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Files.createSymbolicLink(pointer, target);
                return;
            } catch (FileAlreadyExistsException e) {
                if (Files.isSymbolicLink(pointer) && pointsTo(pointer, blob)) {
                    return; // created concurrently by another download of the same file
                }
                Files.deleteIfExists(pointer);
            }
        }
        throw new IOException("cannot create symlink " + pointer + " -> " + target);
    }

    private static boolean pointsTo(Path link, Path blob) {
        try {
            return Files.exists(link) && link.toRealPath().equals(blob.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
