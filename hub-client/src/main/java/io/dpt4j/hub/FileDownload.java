package io.dpt4j.hub;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.Response;

/**
 * {@code hf_hub_download} into the shared cache (the Java counterpart of huggingface_hub's
 * {@code file_download.py}): a cached file costs no request when the revision is a commit hash, one HEAD
 * otherwise; a missing one is fetched, under huggingface_hub's lock {@code .locks/<repo folder>/<etag>.lock},
 * into huggingface_hub's {@code blobs/<etag>.incomplete} (resumed with {@code Range} after a dropped
 * connection, and across processes and clients), verified (size, and sha256 or git sha1) and atomically
 * renamed to {@code blobs/<etag>}.
 */
final class FileDownload {
    private static final System.Logger LOG = System.getLogger(FileDownload.class.getName());
    /**
     * The random part of process-unique temp files ({@code blobs/<etag>.<8 hex>.incomplete}): older DPT4J
     * versions and huggingface_hub since its PR 4228 name them so.
     */
    private static final Pattern UNIQUE_TEMP_INFIX = Pattern.compile("[0-9a-f]{8}");

    /** What a HEAD on {@code /resolve} tells about a file. */
    record Metadata(String commit, String etag, HttpUrl location, long size) {}

    /** A file in the cache: its snapshot path and the commit it belongs to. */
    record Result(Path pointer, String commit) {}

    /** A HEAD answer lacking a header that the cache needs (a proxy in the way, or not a Hub). */
    static final class FileMetadataException extends IOException {
        FileMetadataException(String m) {
            super(m);
        }
    }

    private final HubHttp http;
    /** One lock per blob path, so that threads of this process download a blob once. */
    private final ConcurrentHashMap<Path, Object> blobLocks = new ConcurrentHashMap<>();

    FileDownload(HubHttp http) {
        this.http = http;
    }

    /** HEAD {@code /resolve/...} once (no retry), following relative redirects only. */
    Metadata fetchMetadata(HttpUrl url, HubHttp.Ctx ctx) throws IOException {
        try (Response r = http.followRelative("HEAD", url, ctx)) {
            return parseMetadata(r, url);
        }
    }

    /** Reads commit, etag, download location and size from a HEAD answer (pure on the response headers). */
    static Metadata parseMetadata(Response r, HttpUrl url) throws FileMetadataException {
        String commit = r.header(HubConstants.HEADER_X_REPO_COMMIT);
        if (commit == null) {
            throw new FileMetadataException("no " + HubConstants.HEADER_X_REPO_COMMIT + " header from " + url.host()
                    + ": is HF_ENDPOINT a Hub (a proxy or firewall may be in the way)?");
        }
        if (!HubPaths.isCommitHash(commit)) {
            throw new FileMetadataException("invalid " + HubConstants.HEADER_X_REPO_COMMIT + " header from " + url.host()
                    + ": '" + HubHeaders.printable(commit) + "', expected a 40-character hexadecimal commit hash"
                    + " (is HF_ENDPOINT a Hub?)");
        }
        // The Hub's own X-Linked-Etag names LFS blobs; a CDN's ETag is never read (HEAD stops at the redirect).
        String linked = r.header(HubConstants.HEADER_X_LINKED_ETAG);
        String etag = HubHeaders.normalizeEtag(linked != null ? linked : r.header(HubConstants.HEADER_ETAG));
        if (etag == null) {
            throw new FileMetadataException("no ETag from " + url.host() + ": the file cannot be cached reproducibly");
        }
        OptionalLong size = HubHeaders.parseSize(r.header(HubConstants.HEADER_X_LINKED_SIZE));
        if (size.isEmpty() && !r.isRedirect()) {
            size = HubHeaders.parseSize(r.header(HubConstants.HEADER_CONTENT_LENGTH));
        }
        if (size.isEmpty()) {
            throw new FileMetadataException("no " + HubConstants.HEADER_X_LINKED_SIZE + " or Content-Length from " + url.host());
        }
        HttpUrl location = r.request().url();
        if (r.isRedirect() && r.header(HubConstants.HEADER_LOCATION) != null) {
            HttpUrl loc = r.request().url().resolve(r.header(HubConstants.HEADER_LOCATION));
            if (loc != null) {
                location = loc;
            }
        }
        if (etag.contains("/") || etag.equals(".") || etag.equals("..")) {
            throw new FileMetadataException("unusable ETag '" + etag + "' from " + url.host());
        }
        return new Metadata(commit, etag, location, size.getAsLong());
    }

    /**
     * Downloads (or finds in the cache) {@code path} of {@code repoId} at {@code revision}.
     *
     * @param path the file path in the repo (subfolder already joined)
     */
    Result download(String repoId, String path, String revision, Path cacheDir, String token, String endpoint,
            boolean localFilesOnly, boolean force, ProgressListener progress) {
        HubPaths.validateRepoId(repoId);
        HubPaths.validateRelativeFilename(path);
        HubPaths.validateRevision(revision);
        CacheLayout layout = new CacheLayout(cacheDir, repoId);
        HubHttp.Ctx ctx = new HubHttp.Ctx(repoId, path, revision, endpoint, token);

        if (HubPaths.isCommitHash(revision)) {
            Path pointer = layout.pointer(revision, path);
            if (Files.exists(pointer) && !force) {
                return new Result(pointer, revision);
            }
        }

        boolean localOnly = localFilesOnly || http.offline();
        HttpUrl url = HubHttp.parse(HubPaths.resolveUrl(endpoint, repoId, revision, path));
        Metadata md = null;
        Exception headError = null;
        if (localOnly) {
            headError = new HubHttp.OfflineException();
        } else {
            try {
                md = fetchMetadataMarkingMissing(url, ctx, layout, revision, path);
            } catch (EntryNotFoundException | RevisionNotFoundException e) {
                throw e;
            } catch (HubHttpException | IOException e) {
                headError = e;
            }
        }

        if (headError != null) {
            if (!force) {
                String commit = HubPaths.isCommitHash(revision) ? revision : layout.readRef(revision);
                if (commit != null) {
                    Path pointer = layout.pointer(commit, path);
                    if (Files.exists(pointer)) {
                        if (!localOnly) {
                            LOG.log(System.Logger.Level.DEBUG, "Hub unavailable (" + headError + "): using cached " + pointer);
                        }
                        return new Result(pointer, commit);
                    }
                }
                if (isRetryable(headError)) {
                    try {
                        md = http.withRetries(() -> fetchMetadataMarkingMissing(url, ctx, layout, revision, path), ctx,
                                "get the metadata");
                        headError = null;
                    } catch (EntryNotFoundException | RevisionNotFoundException e) {
                        throw e;
                    } catch (HfHubException e) {
                        headError = e;
                    }
                }
            }
            if (headError != null) {
                throw raiseOnHeadError(headError, ctx, layout, force, localOnly);
            }
        }

        Path blob = layout.blob(md.etag());
        Path pointer = layout.pointer(md.commit(), path);
        try {
            if (!force && Files.exists(pointer)) {
                try {
                    layout.writeRef(revision, md.commit());
                } catch (IOException e) {
                    // read-only cache: the file is there, that is what matters
                }
                return new Result(pointer, md.commit());
            }
            Files.createDirectories(blob.getParent());
            Files.createDirectories(pointer.getParent());
            layout.ensureCachedirTag();
            layout.writeRef(revision, md.commit());
            Object lock = blobLocks.computeIfAbsent(blob, k -> new Object());
            synchronized (lock) {
                // huggingface_hub's lock: neither client writes blobs/<etag>.incomplete while the other does.
                try (BlobLock held = BlobLock.acquire(layout.lock(md.etag()))) {
                    Path incomplete = layout.incomplete(md.etag());
                    adoptLeftOverTempFiles(blob, incomplete);
                    if (force || !Files.exists(blob)) {
                        downloadToIncompleteAndMove(md, blob, incomplete, force, ctx, progress);
                    } else {
                        // The blob came another way (e.g. huggingface_hub, which no longer resumes it): the partial
                        // download is of no use now.
                        Files.deleteIfExists(incomplete);
                    }
                    layout.link(blob, pointer);
                }
            }
            return new Result(pointer, md.commit());
        } catch (IOException e) {
            throw new HfHubException("Cannot write " + HfHubException.where(repoId, path, revision) + " into the cache "
                    + cacheDir + ": " + e.getClass().getSimpleName() + ": " + e.getMessage()
                    + "; check that the cache folder is writable and has free space (or pass another cache dir)", e);
        }
    }

    private Metadata fetchMetadataMarkingMissing(HttpUrl url, HubHttp.Ctx ctx, CacheLayout layout, String revision,
            String path) throws IOException {
        try {
            return fetchMetadata(url, ctx);
        } catch (EntryNotFoundException e) {
            String commit = e.repoCommit();
            if (commit != null && HubPaths.isCommitHash(commit)) {
                layout.markNoExist(commit, path);
                try {
                    layout.writeRef(revision, commit);
                } catch (IOException ignored) {
                    // best effort
                }
            }
            throw e;
        }
    }

    static boolean isRetryable(Exception e) {
        if (e instanceof HubHttp.OfflineException || e instanceof FileMetadataException || HubHttp.isUnreachable(e)) {
            return false;
        }
        if (e instanceof HubHttp.RetryableStatusException) {
            return true;
        }
        return e instanceof IOException;
    }

    private static HfHubException raiseOnHeadError(Exception e, HubHttp.Ctx ctx, CacheLayout layout, boolean force,
            boolean localOnly) {
        String where = HfHubException.where(ctx.repoId(), ctx.filename(), ctx.revision());
        if (force && localOnly) {
            return new LocalEntryNotFoundException("Cannot force the download of " + where
                    + " in offline mode (HF_HUB_OFFLINE or local files only): drop --force-download or go online");
        }
        if (localOnly) {
            return new LocalEntryNotFoundException("Cannot find " + where + " in the cache " + layout.cacheDir
                    + " and outgoing traffic is disabled (HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE or local files only):"
                    + " download it once online, or unset HF_HUB_OFFLINE", e);
        }
        if (e instanceof HubHttp.RetryableStatusException rs) {
            e = rs.mapped;
        }
        if (e instanceof RepositoryNotFoundException || e instanceof GatedRepoException
                || e instanceof InvalidTokenException) {
            return (HfHubException) e;
        }
        String cause = e instanceof IOException io ? HubHttp.describe(io) : e.getMessage();
        return new LocalEntryNotFoundException("Cannot get " + where + " from " + ctx.endpoint() + " (" + cause
                + ") and it is not in the cache " + layout.cacheDir
                + ": check your connection or HF_ENDPOINT and try again", e);
    }

    /** Verifies size and content hash while the bytes stream to disk. */
    static final class Verifier {
        private final String etag;
        private final long size;
        private MessageDigest sha256;
        private MessageDigest gitSha1;
        private MessageDigest sha1;

        Verifier(String etag, long size) {
            this.etag = etag;
            this.size = size;
            reset();
        }

        void reset() {
            try {
                sha256 = HubPaths.isSha256(etag) ? MessageDigest.getInstance("SHA-256") : null;
                if (HubPaths.isSha1(etag)) {
                    gitSha1 = MessageDigest.getInstance("SHA-1");
                    gitSha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
                    sha1 = MessageDigest.getInstance("SHA-1");
                } else {
                    gitSha1 = null;
                    sha1 = null;
                }
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void update(byte[] b, int off, int len) {
            if (sha256 != null) {
                sha256.update(b, off, len);
            }
            if (gitSha1 != null) {
                gitSha1.update(b, off, len);
                sha1.update(b, off, len);
            }
        }

        /** Null when the content matches the etag, else what is wrong. */
        String mismatch(long actualSize) {
            if (actualSize != size) {
                return "size " + actualSize + " instead of " + size;
            }
            HexFormat hex = HexFormat.of();
            if (sha256 != null) {
                String got = hex.formatHex(sha256.digest());
                return got.equals(etag) ? null : "sha256 " + got + " instead of " + etag;
            }
            if (gitSha1 != null) {
                // Small files are named after their git blob id; a plain sha1 is accepted too (some mirrors).
                String git = hex.formatHex(gitSha1.digest());
                String plain = hex.formatHex(sha1.digest());
                return git.equals(etag) || plain.equals(etag) ? null : "git blob sha1 " + git + " instead of " + etag;
            }
            return null; // an etag that is no known hash: only the size can be checked
        }
    }

    /**
     * Handles {@code blobs/<etag>.<8 hex>.incomplete} files left by a dead process: older DPT4J versions
     * and huggingface_hub since it moved to process-unique temp files (both delete theirs on a normal
     * failure, so one that is left was killed). Called under the blob's lock, so no well-behaved client is
     * writing one. Those untouched for {@link HubConstants#LEFT_OVER_TEMP_FILE_MILLIS} are a prefix of the
     * blob: the largest is adopted as {@code incomplete} (when it holds more) so that the download resumes
     * from it, and the others are deleted. The content is verified at the end like any download.
     */
    static void adoptLeftOverTempFiles(Path blob, Path incomplete) {
        String prefix = blob.getFileName() + ".";
        long cutoff = System.currentTimeMillis() - HubConstants.LEFT_OVER_TEMP_FILE_MILLIS;
        List<Path> leftOver = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(blob.getParent(), prefix + "*" + HubConstants.INCOMPLETE_SUFFIX)) {
            for (Path p : ds) {
                String middle = p.getFileName().toString();
                middle = middle.substring(prefix.length(), middle.length() - HubConstants.INCOMPLETE_SUFFIX.length());
                if (UNIQUE_TEMP_INFIX.matcher(middle).matches() && Files.getLastModifiedTime(p).toMillis() < cutoff) {
                    leftOver.add(p);
                }
            }
            Path largest = null;
            long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
            for (Path p : leftOver) {
                long size = Files.size(p);
                if (size > have) {
                    largest = p;
                    have = size;
                }
            }
            if (largest != null) {
                Files.move(largest, incomplete, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Path adopted = largest;
                LOG.log(System.Logger.Level.DEBUG, () -> "resuming from the left-over " + adopted);
            }
            for (Path p : leftOver) {
                if (!p.equals(largest)) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            // best effort: a left-over file costs only disk space
        }
    }

    /**
     * Downloads {@code md.location} into {@code incomplete} (huggingface_hub's {@code blobs/<etag>.incomplete},
     * resumed with {@code Range} when a previous run, of either client, left part of it), verifies it and
     * renames it to {@code blob}. The caller holds the blob's lock. A transfer that fails after receiving
     * bytes leaves the file for the next run to resume; corrupt content is deleted.
     */
    private void downloadToIncompleteAndMove(Metadata md, Path blob, Path incomplete, boolean force, HubHttp.Ctx ctx,
            ProgressListener progress) throws IOException {
        if (force) {
            Files.deleteIfExists(incomplete);
        }
        String name = ctx.filename();
        Verifier verifier = new Verifier(md.etag(), md.size());
        boolean keep = false;
        try (FileChannel ch = FileChannel.open(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ)) {
            long resume = resumeFrom(ch, verifier, md.size());
            if (resume > 0) {
                LOG.log(System.Logger.Level.DEBUG, () -> "resuming " + incomplete + " from byte " + resume);
            }
            progress.onStart(ctx.repoId(), name, md.size(), resume);
            long done;
            try {
                done = transfer(md, ch, resume, verifier, ctx, progress);
            } catch (HfHubException e) {
                keep = !(e instanceof FileIntegrityException) && ch.size() > 0;
                throw e;
            }
            String bad = verifier.mismatch(done);
            if (bad != null) {
                throw new FileIntegrityException("Downloaded " + HfHubException.where(ctx.repoId(), name, ctx.revision())
                        + " is corrupt (" + bad + "); it was deleted and nothing was cached: retry the download, and if it"
                        + " fails again the Hub or a proxy (HF_ENDPOINT) is serving bad data");
            }
            ch.force(false);
            keep = true;
        } catch (RuntimeException | IOException e) {
            progress.onFailure(name, e);
            if (!keep) {
                Files.deleteIfExists(incomplete);
            }
            throw e;
        }
        Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        progress.onComplete(name, md.size());
    }

    /**
     * The size of a partial download to resume, its bytes fed to the verifier; 0 (and an emptied file)
     * when it is larger than the file (not ours to trust).
     */
    private static long resumeFrom(FileChannel ch, Verifier verifier, long size) throws IOException {
        long have = ch.size();
        if (have == 0) {
            return 0;
        }
        if (have > size) {
            ch.truncate(0);
            return 0;
        }
        ByteBuffer bb = ByteBuffer.allocate(64 * 1024);
        long pos = 0;
        while (pos < have) {
            bb.clear();
            int n = ch.read(bb, pos);
            if (n <= 0) {
                break;
            }
            verifier.update(bb.array(), 0, n);
            pos += n;
        }
        ch.position(pos);
        return pos;
    }

    /**
     * Streams the body into {@code ch} from byte {@code start}, resuming with Range after dropped transfers;
     * returns the bytes in the file. Retries are bounded twice over: the failure count is reset only by
     * bytes beyond the furthest point reached so far, and all attempts together may receive at most
     * {@link HubConstants#MAX_DOWNLOAD_BYTES_FACTOR} times the file (a server that ignores Range and drops
     * every transfer cannot make it loop). Refused connections and unknown hosts are not retried.
     */
    private long transfer(Metadata md, FileChannel ch, long start, Verifier verifier, HubHttp.Ctx ctx,
            ProgressListener progress) {
        long offset = start;
        long furthest = start;
        long received = 0;
        long budget = HubConstants.MAX_DOWNLOAD_BYTES_FACTOR * md.size() + HubConstants.DOWNLOAD_CHUNK_SIZE;
        int failures = 0;
        int attempts = 0;
        byte[] buf = new byte[64 * 1024];
        while (true) {
            try {
                if (offset == md.size() && md.size() > 0) {
                    return offset;
                }
                attempts++;
                try (Response r = http.getFollowingAll(md.location(), ctx, offset > 0 ? HubHeaders.rangeFrom(offset) : null)) {
                    if (r.code() == 416 || (offset > 0 && r.code() == 200)) {
                        // The server ignored or refused our Range: start over from the first byte.
                        ch.truncate(0);
                        ch.position(0);
                        verifier.reset();
                        offset = 0;
                        progress.onProgress(ctx.filename(), 0, md.size());
                        if (r.code() == 416) {
                            throw new IOException("HTTP 416 to a Range request");
                        }
                    } else if (r.code() == 206) {
                        HubHeaders.ContentRange cr = HubHeaders.parseContentRange(r.header(HubConstants.HEADER_CONTENT_RANGE));
                        if (cr == null || cr.start() != offset) {
                            ch.truncate(0);
                            ch.position(0);
                            verifier.reset();
                            offset = 0;
                            throw new IOException("unexpected Content-Range '" + r.header(HubConstants.HEADER_CONTENT_RANGE) + "'");
                        }
                    } else if (r.code() != 200) {
                        throw new IOException("unexpected HTTP " + r.code() + " for a download");
                    }
                    InputStream in = r.body().byteStream();
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        if (offset + n > md.size()) {
                            throw new FileIntegrityException("Downloaded " + HfHubException.where(ctx.repoId(), ctx.filename(),
                                    ctx.revision()) + " is larger than the " + md.size() + " bytes the Hub announced; it was"
                                    + " deleted and nothing was cached: retry, and check HF_ENDPOINT if it happens again");
                        }
                        ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                        while (bb.hasRemaining()) {
                            ch.write(bb);
                        }
                        verifier.update(buf, 0, n);
                        offset += n;
                        received += n;
                        progress.onProgress(ctx.filename(), offset, md.size());
                    }
                }
                if (offset < md.size()) {
                    throw new IOException("connection closed after " + offset + " of " + md.size() + " bytes");
                }
                return offset;
            } catch (HubHttp.OfflineException e) {
                throw new LocalEntryNotFoundException("Offline mode: cannot download " + HfHubException.where(ctx.repoId(),
                        ctx.filename(), ctx.revision()), e);
            } catch (IOException e) {
                if (HubHttp.isUnreachable(e)) {
                    throw HubHttp.giveUp(e, ctx, "download the file", attempts);
                }
                if (offset > furthest) {
                    furthest = offset;
                    failures = 0; // new bytes: the budget is per stall, as in huggingface_hub
                }
                failures++;
                if (failures > http.settings.maxRetries() && received <= budget
                        && e instanceof HubHttp.RetryableStatusException) {
                    throw HubHttp.giveUp(e, ctx, "download the file", attempts);
                }
                if (failures > http.settings.maxRetries() || received > budget) {
                    throw new HubConnectionException("Cannot download " + HfHubException.where(ctx.repoId(), ctx.filename(),
                            ctx.revision()) + " from " + md.location().host() + ": the transfer failed " + attempts
                            + " time(s) (" + received + " bytes received for a file of " + md.size() + "; last: "
                            + HubHttp.describe(e) + ")" + (received > md.size() ? ", and the server does not resume (it ignores Range)" : "")
                            + "; try again later, or check HF_ENDPOINT", e);
                }
                Duration retryAfter = e instanceof HubHttp.RetryableStatusException rs ? rs.retryAfter : null;
                Duration wait = HubHeaders.backoff(failures, http.settings.baseBackoff(), http.settings.maxBackoff(),
                        retryAfter, http.settings.maxRetryAfter());
                int f = failures;
                long at = offset;
                LOG.log(System.Logger.Level.DEBUG, () -> "download of " + ctx.filename() + " interrupted at " + at
                        + " bytes (" + HubHttp.describe(e) + "); retry " + f + " in " + wait);
                http.sleep(wait);
            }
        }
    }
}
