package io.dpt4j.hub;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The HTTP layer: builds requests with the token only for the Hub's own origin, follows redirects by hand
 * (relative ones keep the token; one to another host:port never gets it), retries dropped connections and
 * timeouts (never unknown hosts or refused connections: those fail at once), 408/429/5xx with bounded
 * exponential backoff honouring {@code Retry-After}, and maps error answers to the exception types via
 * {@code X-Error-Code}. In offline mode it refuses to send anything.
 */
final class HubHttp {
    /** Sleeps between retries; replaced in tests to record waits instead of spending them. */
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** Retry and timeout settings. */
    record Settings(int maxRetries, Duration baseBackoff, Duration maxBackoff, Duration maxRetryAfter, Sleeper sleeper) {
        static Settings defaults() {
            return new Settings(HubConstants.DEFAULT_MAX_RETRIES, Duration.ofMillis(HubConstants.DEFAULT_BASE_BACKOFF_MILLIS),
                    Duration.ofMillis(HubConstants.DEFAULT_MAX_BACKOFF_MILLIS),
                    Duration.ofMillis(HubConstants.DEFAULT_MAX_RETRY_AFTER_MILLIS), d -> Thread.sleep(d.toMillis()));
        }
    }

    /** What a request is about, for error messages. */
    record Ctx(String repoId, String filename, String revision, String endpoint, String token) {}

    /** A retryable HTTP status (408/429/5xx), carried through the retry loop. */
    static final class RetryableStatusException extends IOException {
        final int status;
        final transient Duration retryAfter;
        final transient HubHttpException mapped;

        RetryableStatusException(int status, Duration retryAfter, HubHttpException mapped) {
            super("HTTP " + status);
            this.status = status;
            this.retryAfter = retryAfter;
            this.mapped = mapped;
        }
    }

    /** Thrown (before any I/O) when offline mode forbids requests. */
    static final class OfflineException extends IOException {
        OfflineException() {
            super("offline mode (HF_HUB_OFFLINE or local files only): no request is sent");
        }
    }

    /** An I/O step that may be retried. */
    interface Attempt<T> {
        T run() throws IOException;
    }

    private static final System.Logger LOG = System.getLogger(HubHttp.class.getName());

    final OkHttpClient client;
    final Settings settings;
    private final boolean offline;

    HubHttp(OkHttpClient client, Settings settings, boolean offline) {
        this.client = client;
        this.settings = settings;
        this.offline = offline;
    }

    boolean offline() {
        return offline;
    }

    /** True when {@code url} has the endpoint's scheme, host and port: the only place a token may go. */
    static boolean sameOrigin(HttpUrl url, String endpoint) {
        HttpUrl e = HttpUrl.parse(endpoint);
        return e != null && url.scheme().equals(e.scheme()) && url.host().equalsIgnoreCase(e.host()) && url.port() == e.port();
    }

    /** A request to {@code url} with the user agent, {@code Accept-Encoding: identity} and, for the Hub's origin only, the token. */
    Request.Builder request(HttpUrl url, Ctx ctx) throws OfflineException {
        if (offline) {
            throw new OfflineException();
        }
        Request.Builder b = new Request.Builder().url(url)
                .header(HubConstants.HEADER_USER_AGENT, HubConstants.USER_AGENT)
                .header(HubConstants.HEADER_ACCEPT_ENCODING, "identity");
        if (ctx.token() != null && sameOrigin(url, ctx.endpoint())) {
            b.header(HubConstants.HEADER_AUTHORIZATION, "Bearer " + ctx.token());
        }
        return b;
    }

    static HttpUrl parse(String url) {
        return Objects.requireNonNull(HttpUrl.parse(url), () -> "invalid URL: " + url);
    }

    /**
     * Sends {@code method} to {@code url}, following relative redirects (a renamed repo) and stopping at an
     * absolute one (a CDN), whose response is returned as is. Error answers are thrown as exceptions;
     * retryable ones as {@link RetryableStatusException}.
     */
    Response followRelative(String method, HttpUrl url, Ctx ctx) throws IOException {
        HttpUrl current = url;
        for (int i = 0; i <= HubConstants.MAX_REDIRECTS; i++) {
            Request req = request(current, ctx).method(method, null).build();
            Response r = client.newCall(req).execute();
            if (r.isRedirect()) {
                String loc = r.header(HubConstants.HEADER_LOCATION);
                if (loc != null && !isAbsolute(loc)) {
                    HttpUrl next = current.resolve(loc);
                    r.close();
                    if (next == null) {
                        throw new IOException("bad redirect Location from " + current.host());
                    }
                    current = next;
                    continue;
                }
                return r;
            }
            checkStatus(r, ctx);
            return r;
        }
        throw new IOException("too many redirects from " + url.host());
    }

    /**
     * GET following every redirect: a relative or same-origin one keeps the token, one to another
     * host:port (a CDN with a signed URL) is sent without it.
     */
    Response getFollowingAll(HttpUrl url, Ctx ctx, String range) throws IOException {
        HttpUrl current = url;
        for (int i = 0; i <= HubConstants.MAX_REDIRECTS; i++) {
            Request.Builder b = request(current, ctx).get();
            if (range != null) {
                b.header(HubConstants.HEADER_RANGE, range);
            }
            Response r = client.newCall(b.build()).execute();
            if (r.isRedirect()) {
                String loc = r.header(HubConstants.HEADER_LOCATION);
                HttpUrl next = loc == null ? null : current.resolve(loc);
                r.close();
                if (next == null) {
                    throw new IOException("redirect without a usable Location from " + current.host());
                }
                current = next;
                continue;
            }
            if (r.code() != 416) {
                checkStatus(r, ctx);
            }
            return r;
        }
        throw new IOException("too many redirects from " + url.host());
    }

    static boolean isAbsolute(String location) {
        String l = location.toLowerCase(Locale.ROOT);
        return l.startsWith("http://") || l.startsWith("https://") || l.startsWith("//");
    }

    /** Throws for error statuses (closing the response); returns for 2xx/3xx. */
    void checkStatus(Response r, Ctx ctx) throws RetryableStatusException {
        int code = r.code();
        if (code < 400) {
            return;
        }
        HubHttpException mapped = mapError(code, r.header(HubConstants.HEADER_X_ERROR_CODE),
                r.header(HubConstants.HEADER_X_ERROR_MESSAGE), r.request().url(), ctx);
        String retryAfter = r.header(HubConstants.HEADER_RETRY_AFTER);
        if (mapped instanceof EntryNotFoundException enf) {
            enf.withRepoCommit(r.header(HubConstants.HEADER_X_REPO_COMMIT));
        }
        r.close();
        if (HubConstants.RETRY_STATUS_CODES.contains(code)) {
            throw new RetryableStatusException(code, HubHeaders.parseRetryAfter(retryAfter, Instant.now()), mapped);
        }
        throw mapped;
    }

    /**
     * The exception for an error answer, chosen like huggingface_hub's {@code hf_raise_for_status}, with a
     * one-line message naming the repo, file and revision and what to do. The URL is shown without its
     * query (signed CDN URLs carry credentials there); the token never appears.
     */
    static HubHttpException mapError(int code, String errorCode, String errorMessage, HttpUrl url, Ctx ctx) {
        String where = HfHubException.where(ctx.repoId(), ctx.filename(), ctx.revision());
        String shownUrl = url.newBuilder().query(null).build().toString();
        String endpoint = ctx.endpoint();
        boolean tokenSent = ctx.token() != null && sameOrigin(url, endpoint);
        String serverSays = errorMessage == null ? "" : " (server: " + scrub(errorMessage, ctx.token()) + ")";
        if (HubConstants.ERROR_REVISION_NOT_FOUND.equals(errorCode)) {
            return new RevisionNotFoundException("Revision '" + ctx.revision() + "' not found in '" + ctx.repoId() + "' (HTTP "
                    + code + " for " + shownUrl + "): check the branch, tag or commit; pull requests are 'refs/pr/N'"
                    + serverSays, code, errorCode);
        }
        if (HubConstants.ERROR_ENTRY_NOT_FOUND.equals(errorCode)) {
            return new EntryNotFoundException("File " + where + " does not exist on the Hub (HTTP " + code + " for "
                    + shownUrl + "): check the file name, the subfolder and the revision" + serverSays, code, errorCode);
        }
        if (HubConstants.ERROR_GATED_REPO.equals(errorCode)) {
            return new GatedRepoException("'" + ctx.repoId() + "' is a gated repo and " + (tokenSent
                    ? "the token sent has no access to it" : "no token was sent") + " (HTTP " + code + " fetching " + where
                    + "): request access on " + endpoint + "/" + ctx.repoId() + ", then set a token of that account"
                    + " (--token, HF_TOKEN or the token file)" + serverSays, code, errorCode);
        }
        boolean invalidCredentials = HubConstants.ERROR_MESSAGE_INVALID_CREDENTIALS.equals(errorMessage);
        if (HubConstants.ERROR_REPO_NOT_FOUND.equals(errorCode) || (code == 401 && !invalidCredentials && errorCode == null
                && !tokenSent && isRepoUrl(url))) {
            return new RepositoryNotFoundException("Repository '" + ctx.repoId() + "' not found on " + endpoint + " (HTTP "
                    + code + " fetching " + where + "): check the repo id; if the repo is private, "
                    + (tokenSent ? "the token sent cannot read it: use a token of an account with access"
                            : "pass a token (--token, HF_TOKEN or the token file)") + serverSays, code, errorCode);
        }
        if (code == 401) {
            return new InvalidTokenException("The Hub rejected the token (HTTP 401 fetching " + where + " from " + endpoint
                    + "): check --token, HF_TOKEN, HUGGING_FACE_HUB_TOKEN or the token file, or create a new token at "
                    + endpoint + "/settings/tokens" + serverSays, code, errorCode);
        }
        if (code == 403) {
            return new HubHttpException("Access denied (HTTP 403) fetching " + where + " from " + shownUrl
                    + ": make sure the token has read permission on the repo" + serverSays, code, errorCode);
        }
        return new HubHttpException("HTTP " + code + " fetching " + where + " from " + shownUrl + serverSays
                + (code >= 500 || code == 429 ? ": the Hub is failing or rate-limiting; retry later" : ""), code, errorCode);
    }

    private static boolean isRepoUrl(HttpUrl url) {
        String p = url.encodedPath();
        return p.contains("/resolve/") || p.startsWith("/api/models/");
    }

    /** Removes any occurrence of the token from text that came from a server. */
    static String scrub(String text, String token) {
        if (text == null || token == null || token.isEmpty()) {
            return text;
        }
        return text.replace(token, "***");
    }

    /**
     * Runs {@code attempt}, retrying connection errors and retryable statuses up to {@code maxRetries}
     * times with backoff. Non-retryable Hub errors pass through at once.
     */
    <T> T withRetries(Attempt<T> attempt, Ctx ctx, String what) {
        return run(attempt, ctx, what, settings.maxRetries());
    }

    /** Runs {@code attempt} once: errors are mapped like {@link #withRetries} does after its last try. */
    <T> T once(Attempt<T> attempt, Ctx ctx, String what) {
        return run(attempt, ctx, what, 0);
    }

    private <T> T run(Attempt<T> attempt, Ctx ctx, String what, int maxRetries) {
        int failures = 0;
        while (true) {
            try {
                return attempt.run();
            } catch (OfflineException e) {
                throw new LocalEntryNotFoundException("Offline mode: cannot " + what + " for "
                        + HfHubException.where(ctx.repoId(), ctx.filename(), ctx.revision()), e);
            } catch (IOException e) {
                failures++;
                Duration retryAfter = e instanceof RetryableStatusException rs ? rs.retryAfter : null;
                if (failures > maxRetries || isUnreachable(e)) {
                    throw giveUp(e, ctx, what, failures);
                }
                Duration wait = HubHeaders.backoff(failures, settings.baseBackoff(), settings.maxBackoff(), retryAfter,
                        settings.maxRetryAfter());
                int f = failures;
                LOG.log(System.Logger.Level.DEBUG, () -> what + ": " + describe(e) + "; retry " + f + " in " + wait);
                sleep(wait);
            }
        }
    }

    void sleep(Duration d) {
        try {
            settings.sleeper().sleep(d);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new HubConnectionException("interrupted while waiting to retry", ie);
        }
    }

    /** The exception after the last retry: the Hub's error type for statuses, a connection error otherwise. */
    static HfHubException giveUp(IOException e, Ctx ctx, String what, int attempts) {
        if (e instanceof RetryableStatusException rs) {
            return rs.mapped;
        }
        return new HubConnectionException("Cannot " + what + " for " + HfHubException.where(ctx.repoId(), ctx.filename(),
                ctx.revision()) + " from " + ctx.endpoint() + " after " + attempts + " attempt(s): " + describe(e)
                + "; check your connection (or HF_ENDPOINT), or set HF_HUB_OFFLINE=1 to use the cache only", e);
    }

    /**
     * True for failures that waiting does not cure: an unknown host (DNS) or a refused connection. Like
     * huggingface_hub, these are not retried: the caller falls back to the cache at once or fails.
     */
    static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnknownHostException || t instanceof ConnectException || t instanceof NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }

    static String describe(IOException e) {
        if (e instanceof InterruptedIOException) {
            return "timed out (" + e.getClass().getSimpleName() + ")";
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
