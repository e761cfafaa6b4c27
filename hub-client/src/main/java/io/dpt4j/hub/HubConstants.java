package io.dpt4j.hub;

import java.util.Set;

/**
 * Every environment variable, header name and default of the hub client, in one place (the Java
 * counterpart of {@code huggingface_hub/constants.py}). Values match huggingface_hub so that both
 * clients read the same settings and share one cache.
 */
public final class HubConstants {
    private HubConstants() {}

    // ---- environment variables ----
    /** Hub base URL (a mirror or a proxy); default {@link #DEFAULT_ENDPOINT}. */
    public static final String ENV_HF_ENDPOINT = "HF_ENDPOINT";
    /** Cache root, first choice. */
    public static final String ENV_HF_HUB_CACHE = "HF_HUB_CACHE";
    /** Cache root, legacy name (second choice). */
    public static final String ENV_HUGGINGFACE_HUB_CACHE = "HUGGINGFACE_HUB_CACHE";
    /** Hugging Face home: the cache is {@code $HF_HOME/hub}, the token file {@code $HF_HOME/token}. */
    public static final String ENV_HF_HOME = "HF_HOME";
    /** XDG cache home: {@code $XDG_CACHE_HOME/huggingface} is the default {@code HF_HOME}. */
    public static final String ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME";
    public static final String ENV_HF_TOKEN = "HF_TOKEN";
    /** Legacy token variable, read after {@link #ENV_HF_TOKEN}. */
    public static final String ENV_HUGGING_FACE_HUB_TOKEN = "HUGGING_FACE_HUB_TOKEN";
    /** File holding the token; default {@code $HF_HOME/token}. */
    public static final String ENV_HF_TOKEN_PATH = "HF_TOKEN_PATH";
    /** When true, a token is sent only when given explicitly (never from the environment or file). */
    public static final String ENV_HF_HUB_DISABLE_IMPLICIT_TOKEN = "HF_HUB_DISABLE_IMPLICIT_TOKEN";
    /** When true, no request at all: everything comes from the cache. */
    public static final String ENV_HF_HUB_OFFLINE = "HF_HUB_OFFLINE";
    /** Read when {@link #ENV_HF_HUB_OFFLINE} is unset or empty (as huggingface_hub does). */
    public static final String ENV_TRANSFORMERS_OFFLINE = "TRANSFORMERS_OFFLINE";
    public static final String ENV_HF_HUB_DISABLE_PROGRESS_BARS = "HF_HUB_DISABLE_PROGRESS_BARS";

    /** Values (compared upper-cased) that turn a boolean environment variable on. */
    public static final Set<String> ENV_VARS_TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");

    // ---- defaults ----
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    public static final String DEFAULT_REVISION = "main";
    public static final String REPO_TYPE_MODEL = "model";
    /** Separator between the parts of a repo folder name: {@code models--org--name}. */
    public static final String REPO_ID_SEPARATOR = "--";

    // ---- cache layout ----
    public static final String BLOBS_DIR = "blobs";
    public static final String SNAPSHOTS_DIR = "snapshots";
    public static final String REFS_DIR = "refs";
    public static final String NO_EXIST_DIR = ".no_exist";
    /** Per-commit file listings ({@code trees/<commit>.json}), as huggingface_hub >= 1.22 writes them. */
    public static final String TREES_DIR = "trees";
    public static final int TREE_CACHE_FORMAT_VERSION = 1;
    /**
     * Suffix of in-progress downloads: {@code blobs/<etag>.incomplete}, the name in which huggingface_hub
     * resumes downloads (its newer releases use process-unique names instead: see
     * {@link #LEFT_OVER_TEMP_FILE_MILLIS}).
     */
    public static final String INCOMPLETE_SUFFIX = ".incomplete";
    /** huggingface_hub's lock folder at the cache root: {@code .locks/<repo folder>/<etag>.lock}. */
    public static final String LOCKS_DIR = ".locks";
    public static final String LOCK_SUFFIX = ".lock";
    /**
     * Process-unique temp files ({@code blobs/<etag>.<8 hex>.incomplete}, from older DPT4J versions and
     * from huggingface_hub since it stopped sharing {@code <etag>.incomplete}) found under the blob's lock
     * and not modified for this long were left by a killed process: the download resumes from the largest.
     */
    public static final long LEFT_OVER_TEMP_FILE_MILLIS = 60_000;
    public static final String CACHEDIR_TAG = "CACHEDIR.TAG";
    /** Same content huggingface_hub writes (Cache Directory Tagging Standard). */
    public static final String CACHEDIR_TAG_CONTENT = "Signature: 8a477f597d28d172789f06886806bc55\n"
            + "# This file is a cache directory tag created by huggingface_hub.\n"
            + "# For information about cache directory tags, see:\n"
            + "#\thttps://bford.info/cachedir/\n";

    // ---- HTTP headers ----
    public static final String HEADER_X_REPO_COMMIT = "X-Repo-Commit";
    public static final String HEADER_X_LINKED_ETAG = "X-Linked-Etag";
    public static final String HEADER_X_LINKED_SIZE = "X-Linked-Size";
    public static final String HEADER_X_ERROR_CODE = "X-Error-Code";
    public static final String HEADER_X_ERROR_MESSAGE = "X-Error-Message";
    public static final String HEADER_ETAG = "ETag";
    public static final String HEADER_CONTENT_LENGTH = "Content-Length";
    public static final String HEADER_CONTENT_RANGE = "Content-Range";
    public static final String HEADER_CONTENT_ENCODING = "Content-Encoding";
    public static final String HEADER_RANGE = "Range";
    public static final String HEADER_RETRY_AFTER = "Retry-After";
    public static final String HEADER_LOCATION = "Location";
    public static final String HEADER_LINK = "Link";
    public static final String HEADER_AUTHORIZATION = "Authorization";
    public static final String HEADER_ACCEPT_ENCODING = "Accept-Encoding";
    public static final String HEADER_USER_AGENT = "User-Agent";
    public static final String USER_AGENT = "dpt4j-hub-client/0.1; java/" + System.getProperty("java.specification.version");

    // ---- X-Error-Code values ----
    public static final String ERROR_REPO_NOT_FOUND = "RepoNotFound";
    public static final String ERROR_GATED_REPO = "GatedRepo";
    public static final String ERROR_ENTRY_NOT_FOUND = "EntryNotFound";
    public static final String ERROR_REVISION_NOT_FOUND = "RevisionNotFound";
    /** X-Error-Message of a 401 caused by a bad token (not by a missing repo). */
    public static final String ERROR_MESSAGE_INVALID_CREDENTIALS = "Invalid credentials in Authorization header";

    // ---- HTTP behaviour ----
    public static final int DEFAULT_MAX_RETRIES = 5;
    public static final long DEFAULT_BASE_BACKOFF_MILLIS = 1_000;
    public static final long DEFAULT_MAX_BACKOFF_MILLIS = 8_000;
    /** Upper bound on a server's Retry-After, so a hostile or broken header cannot hang a download. */
    public static final long DEFAULT_MAX_RETRY_AFTER_MILLIS = 60_000;
    public static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 10_000;
    /** Read timeout: a body that stalls longer is treated as a dropped connection and resumed. */
    public static final long DEFAULT_READ_TIMEOUT_MILLIS = 10_000;
    /** Maximum relative redirects followed (renamed repos chain at most a few). */
    public static final int MAX_REDIRECTS = 10;
    public static final int DOWNLOAD_CHUNK_SIZE = 1024 * 1024;
    /**
     * Bytes one file's download may receive in all its attempts, as a multiple of its size (plus one chunk):
     * a server that ignores {@code Range} and drops every transfer cannot make a download loop forever.
     */
    public static final int MAX_DOWNLOAD_BYTES_FACTOR = 3;
    /** Status codes retried with backoff. */
    public static final Set<Integer> RETRY_STATUS_CODES = Set.of(408, 429, 500, 502, 503, 504);

    // ---- files that model loading needs (weights discovery order) ----
    public static final String CONFIG_NAME = "config.json";
    public static final String PREPROCESSOR_CONFIG_NAME = "preprocessor_config.json";
    public static final String SAFETENSORS_WEIGHTS_NAME = "model.safetensors";
    public static final String SAFETENSORS_INDEX_NAME = "model.safetensors.index.json";
    public static final String PYTORCH_WEIGHTS_NAME = "pytorch_model.bin";
    public static final String PYTORCH_INDEX_NAME = "pytorch_model.bin.index.json";
}
