package io.dpt4j.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Hugging Face Hub emulator on loopback for tests: {@code HEAD/GET /{repo}/resolve/{rev}/{path}} with the
 * Hub's headers (X-Repo-Commit, X-Linked-Etag, X-Linked-Size, ETag = git blob sha1), LFS files redirected
 * (302, absolute) to a second "CDN" server on another port that answers Range requests and rejects any
 * Authorization header, {@code /api/models/{repo}/revision/{rev}} and the paginated
 * {@code /api/models/{repo}/tree/{rev}}, X-Error-Code errors, gated/private repos, renamed repos (307,
 * relative), {@code refs/pr/N} and short commits, plus fault injection per file (statuses, dropped, stalled,
 * slow or corrupt bodies, Range ignored, a hostile X-Repo-Commit).
 */
public final class HubEmulator implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One recorded request. */
    public record Req(String server, String method, String rawPath, String query, Map<String, String> headers) {
        String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    /** A fault on one file path; each counter is decremented as it fires. */
    static final class Fault {
        final AtomicInteger statusTimes = new AtomicInteger();
        int status = 503;
        String retryAfter;
        boolean onHead;
        final AtomicInteger dropTimes = new AtomicInteger();
        int dropAfter;
        final AtomicInteger stallTimes = new AtomicInteger();
        long stallMillis;
        int stallAfter;
        final AtomicInteger corruptTimes = new AtomicInteger();
        boolean ignoreRange;
        /** Sleeps this long before each body byte chunk (slow transfers for concurrency tests). */
        long slowChunkMillis;
        /** When set, the X-Repo-Commit value sent for this file instead of the commit (a hostile server). */
        String repoCommitHeader;
    }

    public static final class Repo {
        final String id;
        final Map<String, String> refs = new ConcurrentHashMap<>();
        final Map<String, Map<String, byte[]>> commits = new ConcurrentHashMap<>();
        boolean gated;
        boolean privateRepo;
        final List<String> commitOrder = new ArrayList<>();

        Repo(String id) {
            this.id = id;
        }

        /** Adds a commit with {@code files} and points {@code branch} at it; returns the commit hash. */
        public String commit(String branch, Map<String, byte[]> files) {
            String sha = sha1Hex((id + "|" + branch + "|" + commitOrder.size() + "|" + files.keySet()).getBytes(StandardCharsets.UTF_8));
            commits.put(sha, new TreeMap<>(files));
            commitOrder.add(sha);
            refs.put(branch, sha);
            return sha;
        }
    }

    final HttpServer hub;
    final HttpServer cdn;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    final Map<String, Repo> repos = new ConcurrentHashMap<>();
    final Map<String, String> renamed = new ConcurrentHashMap<>();
    final Map<String, Fault> faults = new ConcurrentHashMap<>();
    final List<Req> requests = Collections.synchronizedList(new ArrayList<>());
    final java.util.Set<String> validTokens = ConcurrentHashMap.newKeySet();
    final java.util.Set<String> gatedAccess = ConcurrentHashMap.newKeySet();
    volatile int treePageSize;
    volatile boolean treeEndpointMissing;
    volatile boolean cdnRejectsAuth = true;

    public HubEmulator() throws IOException {
        hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hub.createContext("/", ex -> handle("hub", ex));
        cdn.createContext("/", ex -> handle("cdn", ex));
        hub.setExecutor(pool);
        cdn.setExecutor(pool);
        hub.start();
        cdn.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    String cdnBase() {
        return "http://127.0.0.1:" + cdn.getAddress().getPort();
    }

    public Repo repo(String id) {
        return repos.computeIfAbsent(id, Repo::new);
    }

    Fault fault(String path) {
        return faults.computeIfAbsent(path, k -> new Fault());
    }

    public List<Req> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    long count(String server, String method) {
        return requests().stream().filter(r -> r.server.equals(server) && (method == null || r.method.equals(method))).count();
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        pool.shutdownNow();
    }

    static boolean isLfs(String path, byte[] content) {
        return path.endsWith(".safetensors") || path.endsWith(".bin") || content.length > 2000;
    }

    static String sha256Hex(byte[] b) {
        return hex("SHA-256", b);
    }

    static String sha1Hex(byte[] b) {
        return hex("SHA-1", b);
    }

    static String gitBlobSha1(byte[] b) {
        byte[] head = ("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + b.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(b, 0, all, head.length, b.length);
        return sha1Hex(all);
    }

    static String lfsPointer(byte[] b) {
        return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256Hex(b) + "\nsize " + b.length + "\n";
    }

    private static String hex(String alg, byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(alg).digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ dispatch

    private void handle(String server, HttpExchange ex) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
        String raw = ex.getRequestURI().getRawPath();
        requests.add(new Req(server, ex.getRequestMethod(), raw, ex.getRequestURI().getRawQuery(), headers));
        try {
            if (server.equals("cdn")) {
                cdn(ex, raw);
            } else if (raw.startsWith("/api/models/")) {
                api(ex, raw.substring("/api/models/".length()));
            } else if (raw.contains("/resolve/")) {
                resolve(ex, raw);
            } else {
                send(ex, 404, Map.of(), new byte[0]);
            }
        } catch (IOException e) {
            // injected drops end up here
        } finally {
            ex.close();
        }
    }

    private static String dec(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** Access control: null when allowed, else the error has been sent. */
    private boolean denied(HttpExchange ex, Repo repo, Map<String, String> extra) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
        if (token != null && !validTokens.contains(token)) {
            sendError(ex, 401, null, "Invalid credentials in Authorization header", extra);
            return true;
        }
        if (repo.privateRepo && token == null) {
            sendError(ex, 401, "RepoNotFound", "Repository not found", extra);
            return true;
        }
        if (repo.gated && (token == null || !gatedAccess.contains(token))) {
            sendError(ex, token == null ? 401 : 403, "GatedRepo", "Access to model " + repo.id + " is restricted.", extra);
            return true;
        }
        return false;
    }

    private String resolveRevision(Repo repo, String rev) {
        if (repo.refs.containsKey(rev)) {
            return repo.refs.get(rev);
        }
        if (repo.commits.containsKey(rev)) {
            return rev;
        }
        if (rev.length() >= 7 && rev.matches("[0-9a-f]+")) {
            List<String> m = repo.commits.keySet().stream().filter(c -> c.startsWith(rev)).toList();
            if (m.size() == 1) {
                return m.get(0);
            }
        }
        return null;
    }

    private boolean statusFault(HttpExchange ex, String path, boolean head) throws IOException {
        Fault f = faults.get(path);
        if (f != null && (!head || f.onHead) && f.statusTimes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            Map<String, String> h = new LinkedHashMap<>();
            if (f.retryAfter != null) {
                h.put("Retry-After", f.retryAfter);
            }
            sendError(ex, f.status, null, "injected", h);
            return true;
        }
        return false;
    }

    private void resolve(HttpExchange ex, String raw) throws IOException {
        int i = raw.indexOf("/resolve/");
        String repoId = raw.substring(1, i);
        String rest = raw.substring(i + "/resolve/".length());
        int slash = rest.indexOf('/');
        String rawRev = rest.substring(0, slash);
        String rawPath = rest.substring(slash + 1);
        String rev = dec(rawRev);
        String path = dec(rawPath);
        boolean head = ex.getRequestMethod().equals("HEAD");
        if (renamed.containsKey(repoId)) {
            send(ex, 307, Map.of("Location", "/" + renamed.get(repoId) + "/resolve/" + rawRev + "/" + rawPath), new byte[0]);
            return;
        }
        Repo repo = repos.get(repoId);
        if (repo == null) {
            sendError(ex, 401, "RepoNotFound", "Repository not found", Map.of());
            return;
        }
        if (denied(ex, repo, Map.of())) {
            return;
        }
        String commit = resolveRevision(repo, rev);
        if (commit == null) {
            sendError(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev, Map.of());
            return;
        }
        byte[] content = repo.commits.get(commit).get(path);
        if (content == null) {
            sendError(ex, 404, "EntryNotFound", path + " does not exist on \"" + rev + "\"", Map.of("X-Repo-Commit", commit));
            return;
        }
        if (statusFault(ex, path, head)) {
            return;
        }
        Map<String, String> h = new LinkedHashMap<>();
        Fault headerFault = faults.get(path);
        h.put("X-Repo-Commit", headerFault != null && headerFault.repoCommitHeader != null ? headerFault.repoCommitHeader : commit);
        if (isLfs(path, content)) {
            String sha = sha256Hex(content);
            h.put("X-Linked-Etag", "\"" + sha + "\"");
            h.put("X-Linked-Size", String.valueOf(content.length));
            h.put("ETag", "\"" + gitBlobSha1(lfsPointer(content).getBytes(StandardCharsets.UTF_8)) + "\"");
            h.put("Location", cdnBase() + "/lfs/" + sha + "?X-Amz-Signature=sig&path=" + rawPath);
            send(ex, 302, h, new byte[0]);
            return;
        }
        h.put("ETag", "\"" + gitBlobSha1(content) + "\"");
        if (head) {
            h.put("Content-Length", String.valueOf(content.length));
            ex.getResponseHeaders().putAll(toHeaders(h));
            ex.sendResponseHeaders(200, -1);
            return;
        }
        body(ex, path, content, h);
    }

    private static Map<String, List<String>> toHeaders(Map<String, String> h) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        h.forEach((k, v) -> m.put(k, List.of(v)));
        return m;
    }

    private void cdn(HttpExchange ex, String raw) throws IOException {
        if (cdnRejectsAuth && ex.getRequestHeaders().containsKey("Authorization")) {
            send(ex, 400, Map.of(), "<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>"
                    .getBytes(StandardCharsets.UTF_8));
            return;
        }
        String sha = raw.substring("/lfs/".length());
        byte[] content = null;
        String path = null;
        for (Repo r : repos.values()) {
            for (Map<String, byte[]> files : r.commits.values()) {
                for (Map.Entry<String, byte[]> e : files.entrySet()) {
                    if (isLfs(e.getKey(), e.getValue()) && sha256Hex(e.getValue()).equals(sha)) {
                        content = e.getValue();
                        path = e.getKey();
                    }
                }
            }
        }
        if (content == null) {
            send(ex, 404, Map.of(), new byte[0]);
            return;
        }
        if (statusFault(ex, path, ex.getRequestMethod().equals("HEAD"))) {
            return;
        }
        // A CDN's own ETag: must never become a blob name.
        body(ex, path, content, Map.of("ETag", "\"cdn-" + sha.substring(0, 12) + "\""));
    }

    /** Sends {@code content} honouring Range and the faults of {@code path}. */
    private void body(HttpExchange ex, String path, byte[] content, Map<String, String> headers) throws IOException {
        Fault f = faults.get(path);
        byte[] data = content;
        if (f != null && f.corruptTimes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            data = content.clone();
            data[data.length / 2] ^= 0x5a;
        }
        int start = 0;
        int status = 200;
        Map<String, String> h = new LinkedHashMap<>(headers);
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && (f == null || !f.ignoreRange)) {
            start = Integer.parseInt(range.replace("bytes=", "").replace("-", "").trim());
            if (start >= data.length) {
                sendError(ex, 416, null, "range", Map.of("Content-Range", "bytes */" + data.length));
                return;
            }
            status = 206;
            h.put("Content-Range", "bytes " + start + "-" + (data.length - 1) + "/" + data.length);
        }
        h.put("Accept-Ranges", "bytes");
        ex.getResponseHeaders().putAll(toHeaders(h));
        int len = data.length - start;
        ex.sendResponseHeaders(status, len == 0 ? -1 : len);
        if (len == 0) {
            return;
        }
        OutputStream out = ex.getResponseBody();
        int limit = len;
        boolean drop = false;
        boolean stall = false;
        if (f != null && f.dropTimes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            limit = Math.min(len, f.dropAfter);
            drop = true;
        } else if (f != null && f.stallTimes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            limit = Math.min(len, f.stallAfter);
            stall = true;
        }
        int chunk = 256;
        for (int off = 0; off < limit; off += chunk) {
            out.write(data, start + off, Math.min(chunk, limit - off));
            if (f != null && f.slowChunkMillis > 0) {
                out.flush();
                sleep(f.slowChunkMillis);
            }
        }
        out.flush();
        if (stall) {
            sleep(f.stallMillis);
            throw new IOException("stalled");
        }
        if (drop) {
            // Close the socket under the exchange: the client sees the body end early.
            throw new IOException("dropped");
        }
        out.close();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void api(HttpExchange ex, String rest) throws IOException {
        int rv = rest.indexOf("/revision/");
        int tr = rest.indexOf("/tree/");
        String repoId;
        String rawRev;
        boolean tree = false;
        if (rv > 0) {
            repoId = rest.substring(0, rv);
            rawRev = rest.substring(rv + "/revision/".length());
        } else if (tr > 0) {
            repoId = rest.substring(0, tr);
            rawRev = rest.substring(tr + "/tree/".length());
            tree = true;
        } else {
            repoId = rest;
            rawRev = "main";
        }
        if (tree && treeEndpointMissing) {
            send(ex, 404, Map.of(), "Not Found".getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (renamed.containsKey(repoId)) {
            repoId = renamed.get(repoId);
        }
        Repo repo = repos.get(repoId);
        if (repo == null) {
            sendError(ex, 401, "RepoNotFound", "Repository not found", Map.of());
            return;
        }
        if (denied(ex, repo, Map.of())) {
            return;
        }
        if (statusFault(ex, "api:" + (tree ? "tree" : "revision"), true)) {
            return;
        }
        String rev = dec(rawRev);
        String commit = resolveRevision(repo, rev);
        if (commit == null) {
            sendError(ex, 404, "RevisionNotFound", "Invalid rev id: " + rev, Map.of());
            return;
        }
        Map<String, byte[]> files = repo.commits.get(commit);
        String query = ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery();
        if (!tree) {
            ObjectNode o = JSON.createObjectNode();
            o.put("_id", "emu" + repo.id.hashCode());
            o.put("id", repo.id);
            o.put("private", repo.privateRepo);
            if (repo.gated) {
                o.put("gated", "manual");
            } else {
                o.put("gated", false);
            }
            o.put("sha", commit);
            o.put("lastModified", "2024-01-01T00:00:00.000Z");
            ArrayNode sib = o.putArray("siblings");
            boolean blobs = query.contains("blobs=true");
            files.forEach((p, c) -> {
                ObjectNode s = sib.addObject().put("rfilename", p);
                if (blobs) {
                    boolean lfs = isLfs(p, c);
                    s.put("blobId", lfs ? gitBlobSha1(lfsPointer(c).getBytes(StandardCharsets.UTF_8)) : gitBlobSha1(c));
                    s.put("size", c.length);
                    if (lfs) {
                        s.putObject("lfs").put("sha256", sha256Hex(c)).put("size", c.length).put("pointerSize", 134);
                    }
                }
            });
            send(ex, 200, Map.of("Content-Type", "application/json"), JSON.writeValueAsBytes(o));
            return;
        }
        // tree: directories then files, paginated with a cursor
        List<ObjectNode> entries = new ArrayList<>();
        java.util.Set<String> dirs = new java.util.TreeSet<>();
        files.keySet().forEach(p -> {
            for (int k = p.indexOf('/'); k > 0; k = p.indexOf('/', k + 1)) {
                dirs.add(p.substring(0, k));
            }
        });
        for (String d : dirs) {
            entries.add(JSON.createObjectNode().put("type", "directory").put("oid", sha1Hex(d.getBytes())).put("size", 0)
                    .put("path", d));
        }
        files.forEach((p, c) -> {
            boolean lfs = isLfs(p, c);
            ObjectNode e = JSON.createObjectNode().put("type", "file")
                    .put("oid", lfs ? gitBlobSha1(lfsPointer(c).getBytes(StandardCharsets.UTF_8)) : gitBlobSha1(c))
                    .put("size", c.length).put("path", p);
            if (lfs) {
                e.putObject("lfs").put("oid", sha256Hex(c)).put("size", c.length).put("pointerSize", 134);
            }
            entries.add(e);
        });
        int cursor = 0;
        for (String kv : query.split("&")) {
            if (kv.startsWith("cursor=")) {
                cursor = Integer.parseInt(kv.substring(7));
            }
        }
        int page = treePageSize > 0 ? treePageSize : entries.size();
        int end = Math.min(entries.size(), cursor + page);
        ArrayNode arr = JSON.createArrayNode();
        entries.subList(Math.min(cursor, entries.size()), end).forEach(arr::add);
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        if (end < entries.size()) {
            h.put("Link", "<" + endpoint() + "/api/models/" + repoId + "/tree/" + rawRev + "?recursive=true&expand=false&cursor="
                    + end + ">; rel=\"next\"");
        }
        send(ex, 200, h, JSON.writeValueAsBytes(arr));
    }

    private void sendError(HttpExchange ex, int status, String code, String message, Map<String, String> extra) throws IOException {
        Map<String, String> h = new LinkedHashMap<>(extra);
        if (code != null) {
            h.put("X-Error-Code", code);
        }
        if (message != null) {
            h.put("X-Error-Message", message);
        }
        send(ex, status, h, ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, Map<String, String> headers, byte[] body) throws IOException {
        ex.getResponseHeaders().putAll(toHeaders(headers));
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        }
    }
}
