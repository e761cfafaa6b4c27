package io.dpt4j.hub;

import java.nio.file.Path;
import java.util.List;

/**
 * Options of {@link HfHub#hfHubDownload}, {@link HfHub#snapshotDownload} and
 * {@link HfHub#resolveModelDirectory} (huggingface_hub's keyword arguments). Immutable; each
 * {@code withX} returns a copy. Null means "the default" everywhere.
 *
 * <pre>{@code
 * HubDownloadOptions o = HubDownloadOptions.defaults().withRevision("refs/pr/7").withToken(token);
 * }</pre>
 */
public final class HubDownloadOptions {
    private String revision;
    private String subfolder;
    private Path cacheDir;
    private String token;
    private boolean localFilesOnly;
    private boolean forceDownload;
    private List<String> allowPatterns;
    private List<String> ignorePatterns;
    private String endpoint;
    private ProgressListener progress;

    private HubDownloadOptions() {}

    /** Branch {@code main}, the cache and token of the environment, online, console progress. */
    public static HubDownloadOptions defaults() {
        return new HubDownloadOptions();
    }

    private HubDownloadOptions copy() {
        HubDownloadOptions o = new HubDownloadOptions();
        o.revision = revision;
        o.subfolder = subfolder;
        o.cacheDir = cacheDir;
        o.token = token;
        o.localFilesOnly = localFilesOnly;
        o.forceDownload = forceDownload;
        o.allowPatterns = allowPatterns;
        o.ignorePatterns = ignorePatterns;
        o.endpoint = endpoint;
        o.progress = progress;
        return o;
    }

    /** A branch, tag, full or short commit hash, or {@code refs/pr/N}; default {@code main}. */
    public HubDownloadOptions withRevision(String v) {
        HubDownloadOptions o = copy();
        o.revision = v;
        return o;
    }

    /** A folder inside the repo that file names are relative to. */
    public HubDownloadOptions withSubfolder(String v) {
        HubDownloadOptions o = copy();
        o.subfolder = v;
        return o;
    }

    /** The cache root (instead of {@code HF_HUB_CACHE} and friends). */
    public HubDownloadOptions withCacheDir(Path v) {
        HubDownloadOptions o = copy();
        o.cacheDir = v;
        return o;
    }

    /** A token; wins over {@code HF_TOKEN}, {@code HUGGING_FACE_HUB_TOKEN} and the token file. */
    public HubDownloadOptions withToken(String v) {
        HubDownloadOptions o = copy();
        o.token = v;
        return o;
    }

    /** No request at all: only the cache is used (like {@code HF_HUB_OFFLINE=1} for this call). */
    public HubDownloadOptions withLocalFilesOnly(boolean v) {
        HubDownloadOptions o = copy();
        o.localFilesOnly = v;
        return o;
    }

    /** Download again even when the file is cached. */
    public HubDownloadOptions withForceDownload(boolean v) {
        HubDownloadOptions o = copy();
        o.forceDownload = v;
        return o;
    }

    /** Snapshot downloads: only files matching one of these {@code fnmatch} patterns. */
    public HubDownloadOptions withAllowPatterns(List<String> v) {
        HubDownloadOptions o = copy();
        o.allowPatterns = v == null ? null : List.copyOf(v);
        return o;
    }

    /** Snapshot downloads: skip files matching one of these {@code fnmatch} patterns. */
    public HubDownloadOptions withIgnorePatterns(List<String> v) {
        HubDownloadOptions o = copy();
        o.ignorePatterns = v == null ? null : List.copyOf(v);
        return o;
    }

    /** The Hub base URL (instead of {@code HF_ENDPOINT}). */
    public HubDownloadOptions withEndpoint(String v) {
        HubDownloadOptions o = copy();
        o.endpoint = v;
        return o;
    }

    /** Where download progress goes; default: a console bar or lines on stderr (see {@link ProgressListener#console}). */
    public HubDownloadOptions withProgress(ProgressListener v) {
        HubDownloadOptions o = copy();
        o.progress = v;
        return o;
    }

    public String revision() {
        return revision;
    }

    public String subfolder() {
        return subfolder;
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /** The explicit token, if any. Never printed by {@link #toString()}. */
    public String token() {
        return token;
    }

    public boolean localFilesOnly() {
        return localFilesOnly;
    }

    public boolean forceDownload() {
        return forceDownload;
    }

    public List<String> allowPatterns() {
        return allowPatterns;
    }

    public List<String> ignorePatterns() {
        return ignorePatterns;
    }

    public String endpoint() {
        return endpoint;
    }

    public ProgressListener progress() {
        return progress;
    }

    @Override
    public String toString() {
        return "HubDownloadOptions{revision=" + revision + ", subfolder=" + subfolder + ", cacheDir=" + cacheDir
                + ", token=" + (token == null ? "none" : "***") + ", localFilesOnly=" + localFilesOnly
                + ", forceDownload=" + forceDownload + ", allow=" + allowPatterns + ", ignore=" + ignorePatterns
                + ", endpoint=" + endpoint + "}";
    }
}
