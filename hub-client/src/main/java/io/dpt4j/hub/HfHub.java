package io.dpt4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;

/**
 * A Hugging Face Hub client that behaves like Python's {@code huggingface_hub} and shares its cache: a file
 * downloaded by either client is used by the other without a request.
 *
 * <pre>{@code
 * HfHub hub = HfHub.create();                                   // settings from the environment
 * Path cfg = hub.hfHubDownload("Intel/dpt-large", "config.json", HubDownloadOptions.defaults());
 * Path dir = hub.snapshotDownload("Intel/dpt-large",
 *         HubDownloadOptions.defaults().withRevision("refs/pr/7").withAllowPatterns(List.of("*.json")));
 * Path model = HfHub.resolveModelDirectory("Intel/dpt-large", HubDownloadOptions.defaults());
 * }</pre>
 *
 * <p>Environment (read once, at creation): {@code HF_ENDPOINT}, {@code HF_HUB_CACHE} /
 * {@code HUGGINGFACE_HUB_CACHE} / {@code HF_HOME} / {@code XDG_CACHE_HOME}, {@code HF_TOKEN} /
 * {@code HUGGING_FACE_HUB_TOKEN} / {@code HF_TOKEN_PATH}, {@code HF_HUB_DISABLE_IMPLICIT_TOKEN},
 * {@code HF_HUB_OFFLINE} / {@code TRANSFORMERS_OFFLINE}, {@code HF_HUB_DISABLE_PROGRESS_BARS}; see
 * {@link HubConstants}. Every method throws {@link HfHubException} subclasses only. Thread-safe.
 */
public final class HfHub {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HubEnvironment env;
    private final HubHttp http;
    private final HubApi api;
    private final FileDownload files;
    private final SnapshotDownload snapshots;

    private HfHub(Builder b) {
        this.env = b.env;
        OkHttpClient client = new OkHttpClient.Builder()
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(false)
                .connectTimeout(b.connectTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(b.readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .writeTimeout(b.readTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .build();
        this.http = new HubHttp(client, new HubHttp.Settings(b.maxRetries, b.baseBackoff, b.maxBackoff, b.maxRetryAfter,
                b.sleeper), env.offline());
        this.api = new HubApi(http);
        this.files = new FileDownload(http);
        this.snapshots = new SnapshotDownload(http, api, files);
    }

    /** A client configured from the process environment. */
    public static HfHub create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a client; the defaults match huggingface_hub (5 retries, 1 s to 8 s backoff, 10 s timeouts). */
    public static final class Builder {
        private HubEnvironment env = HubEnvironment.system();
        private int maxRetries = HubConstants.DEFAULT_MAX_RETRIES;
        private Duration baseBackoff = Duration.ofMillis(HubConstants.DEFAULT_BASE_BACKOFF_MILLIS);
        private Duration maxBackoff = Duration.ofMillis(HubConstants.DEFAULT_MAX_BACKOFF_MILLIS);
        private Duration maxRetryAfter = Duration.ofMillis(HubConstants.DEFAULT_MAX_RETRY_AFTER_MILLIS);
        private Duration connectTimeout = Duration.ofMillis(HubConstants.DEFAULT_CONNECT_TIMEOUT_MILLIS);
        private Duration readTimeout = Duration.ofMillis(HubConstants.DEFAULT_READ_TIMEOUT_MILLIS);
        private HubHttp.Sleeper sleeper = d -> Thread.sleep(d.toMillis());

        private Builder() {}

        /** The environment to read settings from (default: the process environment). */
        public Builder environment(HubEnvironment e) {
            this.env = Objects.requireNonNull(e);
            return this;
        }

        /** Retries after the first failure of a request or transfer (default 5). */
        public Builder maxRetries(int n) {
            this.maxRetries = n;
            return this;
        }

        /** First backoff wait and its cap (waits double in between). */
        public Builder backoff(Duration base, Duration max) {
            this.baseBackoff = base;
            this.maxBackoff = max;
            return this;
        }

        /** The longest a server's {@code Retry-After} is honoured (default 60 s). */
        public Builder maxRetryAfter(Duration d) {
            this.maxRetryAfter = d;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = d;
            return this;
        }

        /** How long a response may stall before the transfer is resumed (default 10 s). */
        public Builder readTimeout(Duration d) {
            this.readTimeout = d;
            return this;
        }

        /** How waits between retries are spent (tests record them instead of sleeping). */
        public Builder sleeper(Consumer<Duration> s) {
            this.sleeper = s::accept;
            return this;
        }

        public HfHub build() {
            return new HfHub(this);
        }
    }

    /** The environment this client was configured from. */
    public HubEnvironment environment() {
        return env;
    }

    private String endpoint(HubDownloadOptions o) {
        return o.endpoint() != null ? HubPaths.stripSlash(o.endpoint()) : env.endpoint();
    }

    private Path cacheDir(HubDownloadOptions o) {
        return o.cacheDir() != null ? o.cacheDir() : env.hubCache();
    }

    private String revision(HubDownloadOptions o) {
        return o.revision() != null ? o.revision() : HubConstants.DEFAULT_REVISION;
    }

    private ProgressListener progress(HubDownloadOptions o) {
        return o.progress() != null ? o.progress() : ProgressListener.console(env);
    }

    /** {@code GET /api/models/{repoId}/revision/{revision}} (revision null: {@code main}), token from the environment. */
    public ModelInfo modelInfo(String repoId, String revision) {
        return modelInfo(repoId, HubDownloadOptions.defaults().withRevision(revision));
    }

    /** Model info with the revision, token and endpoint of {@code options}. */
    public ModelInfo modelInfo(String repoId, HubDownloadOptions options) {
        checkArgs(repoId, revision(options));
        HubHttp.Ctx ctx = new HubHttp.Ctx(repoId, null, revision(options), endpoint(options), env.token(options.token()));
        return wrapOffline(() -> api.modelInfo(repoId, revision(options), ctx, false), repoId, revision(options));
    }

    /** The paths of every file of the repo at {@code revision} (recursive tree listing). */
    public List<String> listRepoFiles(String repoId, String revision) {
        return listRepoFiles(repoId, HubDownloadOptions.defaults().withRevision(revision));
    }

    /** The repo's file paths, with the revision, token and endpoint of {@code options}. */
    public List<String> listRepoFiles(String repoId, HubDownloadOptions options) {
        return List.copyOf(listRepoTree(repoId, options).stream().map(RepoFile::path).toList());
    }

    /** Every file of the repo (path, size, blob id, LFS sha256) at the revision of {@code options}. */
    public List<RepoFile> listRepoTree(String repoId, HubDownloadOptions options) {
        checkArgs(repoId, revision(options));
        HubHttp.Ctx ctx = new HubHttp.Ctx(repoId, null, revision(options), endpoint(options), env.token(options.token()));
        return wrapOffline(() -> List.copyOf(api.listRepoTree(repoId, revision(options), ctx).values()), repoId,
                revision(options));
    }

    private <T> T wrapOffline(Supplier<T> s, String repoId, String revision) {
        if (http.offline()) {
            throw new LocalEntryNotFoundException("Offline mode (HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE): cannot ask the Hub"
                    + " about " + HfHubException.where(repoId, null, revision) + "; unset HF_HUB_OFFLINE to go online");
        }
        return s.get();
    }

    private static void checkArgs(String repoId, String revision) {
        try {
            HubPaths.validateRepoId(repoId);
            HubPaths.validateRevision(revision);
        } catch (IllegalArgumentException e) {
            throw new HfHubException(e.getMessage(), e);
        }
    }

    /**
     * Downloads one file into the cache (or finds it there) and returns its path,
     * {@code <cache>/models--org--name/snapshots/<commit>/<subfolder>/<filename>}.
     */
    public Path hfHubDownload(String repoId, String filename, HubDownloadOptions options) {
        String path = HubPaths.joinSubfolder(options.subfolder(), filename);
        try {
            return files.download(repoId, path, revision(options), cacheDir(options), env.token(options.token()),
                    endpoint(options), options.localFilesOnly(), options.forceDownload(), progress(options)).pointer();
        } catch (IllegalArgumentException e) {
            throw new HfHubException(e.getMessage(), e);
        }
    }

    /**
     * Downloads every file of the repo at the revision (filtered by the allow / ignore patterns) and returns
     * the snapshot folder {@code <cache>/models--org--name/snapshots/<commit>}.
     */
    public Path snapshotDownload(String repoId, HubDownloadOptions options) {
        try {
            return snapshots.download(repoId, revision(options), cacheDir(options), env.token(options.token()),
                    endpoint(options), options.localFilesOnly(), options.forceDownload(), options.allowPatterns(),
                    options.ignorePatterns(), progress(options));
        } catch (IllegalArgumentException e) {
            throw new HfHubException(e.getMessage(), e);
        }
    }

    /**
     * The entry point for {@code fromPretrained}: returns a local model directory for a local path or a hub id.
     * An existing local directory is returned as is. Otherwise {@code repoIdOrPath} is a repo id and only
     * what loading needs is fetched: {@code config.json}, {@code preprocessor_config.json} if the repo has
     * one, then the weights by the first rule that matches: {@code model.safetensors}; else
     * {@code model.safetensors.index.json} and its shards; else {@code pytorch_model.bin}; else
     * {@code pytorch_model.bin.index.json} and its shards. All files come from the same commit. Uses the
     * process environment; see {@link #resolveModelDir} for a configured client.
     *
     * @return the snapshot directory (with {@code /subfolder} when the options name one)
     * @throws HfHubException (subclasses) naming the repo, file and revision, e.g. {@link EntryNotFoundException}
     *     when the repo has no weights, {@link LocalEntryNotFoundException} offline when not cached
     */
    public static Path resolveModelDirectory(String repoIdOrPath, HubDownloadOptions options) {
        return create().resolveModelDir(repoIdOrPath, options);
    }

    /** {@link #resolveModelDirectory} with this client's settings. */
    public Path resolveModelDir(String repoIdOrPath, HubDownloadOptions options) {
        Objects.requireNonNull(repoIdOrPath, "repoIdOrPath");
        HubDownloadOptions o = options == null ? HubDownloadOptions.defaults() : options;
        try {
            Path local = Path.of(repoIdOrPath.startsWith("~/") ? System.getProperty("user.home") + repoIdOrPath.substring(1)
                    : repoIdOrPath);
            if (Files.isDirectory(local)) {
                return local;
            }
        } catch (InvalidPathException e) {
            // not a path: maybe a repo id
        }
        try {
            HubPaths.validateRepoId(repoIdOrPath);
        } catch (IllegalArgumentException e) {
            throw new HfHubException("'" + repoIdOrPath + "' is neither an existing directory nor a Hub repo id"
                    + " ('org/name', e.g. 'Intel/dpt-large'): check the path or the id", e);
        }
        if (repoIdOrPath.startsWith(".") || repoIdOrPath.startsWith("/")) {
            throw new HfHubException("No such model directory: " + repoIdOrPath);
        }
        return new WeightsDiscovery(o).run(repoIdOrPath);
    }

    /** Fetches config, preprocessor config and weights of one commit (see {@link #resolveModelDirectory}). */
    private final class WeightsDiscovery {
        private final HubDownloadOptions o;
        private final boolean localOnly;
        private final List<String> tried = new ArrayList<>();
        private CacheLayout layout;
        private String commit;

        WeightsDiscovery(HubDownloadOptions o) {
            this.o = o;
            this.localOnly = o.localFilesOnly() || http.offline();
        }

        Path run(String repoId) {
            layout = new CacheLayout(cacheDir(o), repoId);
            String sub = o.subfolder();
            FileDownload.Result cfg = fetch(repoId, HubPaths.joinSubfolder(sub, HubConstants.CONFIG_NAME), revision(o));
            commit = cfg.commit();
            tryFetch(repoId, HubPaths.joinSubfolder(sub, HubConstants.PREPROCESSOR_CONFIG_NAME));
            if (!tryFetch(repoId, HubPaths.joinSubfolder(sub, HubConstants.SAFETENSORS_WEIGHTS_NAME))
                    && !fetchSharded(repoId, HubPaths.joinSubfolder(sub, HubConstants.SAFETENSORS_INDEX_NAME))
                    && !tryFetch(repoId, HubPaths.joinSubfolder(sub, HubConstants.PYTORCH_WEIGHTS_NAME))
                    && !fetchSharded(repoId, HubPaths.joinSubfolder(sub, HubConstants.PYTORCH_INDEX_NAME))) {
                String where = "'" + repoId + "' at revision '" + revision(o) + "' (commit " + commit + ")";
                if (localOnly) {
                    throw new LocalEntryNotFoundException("No weights of " + where + " are in the cache " + layout.cacheDir
                            + " (looked for " + String.join(", ", tried) + ") and outgoing traffic is disabled"
                            + " (HF_HUB_OFFLINE or local files only): download the model once online");
                }
                throw new EntryNotFoundException("No weights file in " + where + ": none of " + String.join(", ", tried)
                        + " exists; check the repo id, revision and subfolder (some checkpoints ship safetensors only"
                        + " on a 'refs/pr/N' revision)", 404, null);
            }
            Path snap = layout.snapshot(commit);
            return sub == null || sub.isEmpty() ? snap : snap.resolve(sub);
        }

        private FileDownload.Result fetch(String repoId, String path, String revision) {
            try {
                return files.download(repoId, path, revision, cacheDir(o), env.token(o.token()), endpoint(o),
                        o.localFilesOnly(), o.forceDownload(), progress(o));
            } catch (IllegalArgumentException e) {
                throw new HfHubException(e.getMessage(), e);
            }
        }

        /** Fetches {@code path} at the pinned commit; false when the repo does not have it (or, offline, the cache). */
        private boolean tryFetch(String repoId, String path) {
            tried.add(path);
            if (Files.exists(layout.noExist(commit, path))) {
                return false; // the Hub said so for this (immutable) commit: no request needed
            }
            try {
                fetch(repoId, path, commit);
                return true;
            } catch (EntryNotFoundException e) {
                return false;
            } catch (LocalEntryNotFoundException e) {
                if (localOnly) {
                    return false;
                }
                throw e;
            }
        }

        private boolean fetchSharded(String repoId, String indexPath) {
            if (!tryFetch(repoId, indexPath)) {
                return false;
            }
            Path index = layout.pointer(commit, indexPath);
            TreeSet<String> shards = new TreeSet<>();
            try {
                JsonNode map = JSON.readTree(index.toFile()).get("weight_map");
                if (map == null || !map.isObject() || map.isEmpty()) {
                    throw new HfHubException("Index " + index + " has no 'weight_map' object: the checkpoint index is"
                            + " malformed; re-download it with force download or fix the repo");
                }
                map.fields().forEachRemaining(e -> shards.add(e.getValue().asText()));
            } catch (IOException e) {
                throw new HfHubException("Cannot read the index " + index + ": " + e.getMessage(), e);
            }
            String dir = indexPath.contains("/") ? indexPath.substring(0, indexPath.lastIndexOf('/') + 1) : "";
            for (String shard : shards) {
                fetch(repoId, dir + shard, commit);
            }
            return true;
        }
    }
}
