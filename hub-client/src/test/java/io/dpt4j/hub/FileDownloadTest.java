package io.dpt4j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class FileDownloadTest extends HubTestSupport {
    static final String REPO = "org/model";
    final byte[] config = bytes("{\"model_type\": \"dpt\"}");
    final byte[] weights = blob(5000, 1);
    final byte[] nested = bytes("{\"nested\": true}");
    String commit;

    void seed() {
        commit = emu.repo(REPO).commit("main", Map.of("config.json", config, "model.safetensors", weights, "sub/dir/x.json", nested));
    }

    @Test
    void writesPythonsCacheLayout() throws Exception {
        seed();
        env.put("HF_TOKEN", "hf_good");
        emu.validTokens.add("hf_good");
        HfHub hub = hub();
        Path cfg = hub.hfHubDownload(REPO, "config.json", opts());
        Path st = hub.hfHubDownload(REPO, "model.safetensors", opts());
        Path sub = hub.hfHubDownload(REPO, "x.json", opts().withSubfolder("sub/dir"));
        Path storage = storage(REPO);
        String sha1 = HubEmulator.gitBlobSha1(config);
        String sha256 = HubEmulator.sha256Hex(weights);

        assertEquals(storage.resolve("snapshots/" + commit + "/config.json"), cfg);
        assertEquals(Path.of("../../blobs/" + sha1), Files.readSymbolicLink(cfg));
        assertEquals(Path.of("../../blobs/" + sha256), Files.readSymbolicLink(st));
        assertEquals(Path.of("../../../../blobs/" + HubEmulator.gitBlobSha1(nested)), Files.readSymbolicLink(sub));
        assertArrayEquals(config, Files.readAllBytes(cfg));
        assertArrayEquals(weights, Files.readAllBytes(st));
        assertArrayEquals(nested, Files.readAllBytes(sub));
        assertEquals(commit, Files.readString(storage.resolve("refs/main")), "40-hex commit, no newline");
        assertEquals(List.of(".locks", "CACHEDIR.TAG", "models--org--model"), Files.list(cache).map(p -> p.getFileName().toString()).sorted().toList());
        assertEquals(HubConstants.CACHEDIR_TAG_CONTENT, Files.readString(cache.resolve("CACHEDIR.TAG")));
        assertEquals(List.of(commit), Files.list(storage.resolve("snapshots")).map(p -> p.getFileName().toString()).toList());
        assertEquals(List.of(), incompleteFiles());

        for (HubEmulator.Req r : emu.requests()) {
            if (r.server().equals("hub")) {
                assertEquals("Bearer hf_good", r.header("Authorization"), r.rawPath());
                assertEquals("identity", r.header("Accept-Encoding"));
            } else {
                assertNull(r.header("Authorization"), "token sent to the CDN: " + r.rawPath());
            }
        }
        assertEquals(1, emu.count("cdn", "GET"));
    }

    @Test
    void cachedFilesCostNoRequestForACommitAndOneHeadForABranch() throws Exception {
        seed();
        HfHub hub = hub();
        Path first = hub.hfHubDownload(REPO, "model.safetensors", opts());
        int before = emu.requests().size();
        assertEquals(first, hub.hfHubDownload(REPO, "model.safetensors", opts().withRevision(commit)));
        assertEquals(before, emu.requests().size(), "a cached file at a full commit costs zero requests");
        assertEquals(first, hub.hfHubDownload(REPO, "model.safetensors", opts()));
        assertEquals(before + 1, emu.requests().size());
        assertEquals("HEAD", emu.requests().get(before).method());
        assertEquals(1, emu.count("cdn", "GET"));
    }

    @Test
    void pullRequestRefsShortCommitsAndTags() throws Exception {
        seed();
        HubEmulator.Repo repo = emu.repo(REPO);
        byte[] prWeights = blob(3000, 7);
        String pr = repo.commit("refs/pr/3", Map.of("config.json", config, "model.safetensors", prWeights));
        repo.refs.put("v1.0", commit);
        HfHub hub = hub();
        Path p = hub.hfHubDownload(REPO, "model.safetensors", opts().withRevision("refs/pr/3"));
        assertArrayEquals(prWeights, Files.readAllBytes(p));
        assertEquals(pr, Files.readString(storage(REPO).resolve("refs/refs/pr/3")));
        assertTrue(emu.requests().stream().anyMatch(r -> r.rawPath().equals("/org/model/resolve/refs%2Fpr%2F3/model.safetensors")));
        Path s = hub.hfHubDownload(REPO, "config.json", opts().withRevision(commit.substring(0, 7)));
        assertEquals(storage(REPO).resolve("snapshots/" + commit + "/config.json"), s);
        assertEquals(commit, Files.readString(storage(REPO).resolve("refs/" + commit.substring(0, 7))));
        hub.hfHubDownload(REPO, "config.json", opts().withRevision("v1.0"));
        assertEquals(commit, Files.readString(storage(REPO).resolve("refs/v1.0")));
    }

    @Test
    void resumesADroppedTransferWithRange() throws Exception {
        seed();
        HubEmulator.Fault f = emu.fault("model.safetensors");
        f.dropAfter = 1024;
        f.dropTimes.set(3);
        Path p = hub().hfHubDownload(REPO, "model.safetensors", opts());
        assertArrayEquals(weights, Files.readAllBytes(p));
        List<String> ranges = emu.requests().stream().filter(r -> r.server().equals("cdn")).map(r -> r.header("Range")).toList();
        assertEquals(4, ranges.size());
        assertNull(ranges.get(0));
        assertEquals("bytes=1024-", ranges.get(1));
        assertEquals("bytes=2048-", ranges.get(2));
        assertEquals("bytes=3072-", ranges.get(3));
        assertEquals(List.of(), incompleteFiles());
    }

    @Test
    void restartsWhenTheServerAnswers200ToARange() throws Exception {
        seed();
        HubEmulator.Fault f = emu.fault("model.safetensors");
        f.dropAfter = 1500;
        f.dropTimes.set(1);
        f.ignoreRange = true;
        Path p = hub().hfHubDownload(REPO, "model.safetensors", opts());
        assertArrayEquals(weights, Files.readAllBytes(p));
        assertEquals(2, emu.count("cdn", "GET"));
    }

    @Test
    void resumesAStalledBody() throws Exception {
        seed();
        HubEmulator.Fault f = emu.fault("model.safetensors");
        f.stallAfter = 2048;
        f.stallMillis = 1500; // read timeout of the test client: 400 ms
        f.stallTimes.set(1);
        Path p = hub().hfHubDownload(REPO, "model.safetensors", opts());
        assertArrayEquals(weights, Files.readAllBytes(p));
        assertTrue(emu.requests().stream().anyMatch(r -> "bytes=2048-".equals(r.header("Range"))));
    }

    @Test
    void retries5xxAnd429HonouringRetryAfter() throws Exception {
        seed();
        HubEmulator.Fault f = emu.fault("model.safetensors");
        f.status = 429;
        f.retryAfter = "7";
        f.statusTimes.set(2);
        Path p = hub().hfHubDownload(REPO, "model.safetensors", opts());
        assertArrayEquals(weights, Files.readAllBytes(p));
        assertEquals(List.of(Duration.ofSeconds(7), Duration.ofSeconds(7)), sleeps);

        sleeps.clear();
        HubEmulator.Fault g = emu.fault("config.json");
        g.status = 502;
        g.onHead = true;
        g.statusTimes.set(3);
        Path c = hub().hfHubDownload(REPO, "config.json", opts());
        assertArrayEquals(config, Files.readAllBytes(c));
        assertEquals(2, sleeps.size(), "first HEAD failure falls back to the cache (empty), then 2 retries: " + sleeps);
    }

    @Test
    void givesUpAfterBoundedRetriesAndLeavesNothing() throws Exception {
        seed();
        HubEmulator.Fault f = emu.fault("model.safetensors");
        f.status = 503;
        f.statusTimes.set(1000);
        HubHttpException e = assertThrows(HubHttpException.class, () -> hub().hfHubDownload(REPO, "model.safetensors", opts()));
        assertEquals(503, e.statusCode());
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains(REPO), e.getMessage());
        assertEquals(HubConstants.DEFAULT_MAX_RETRIES, sleeps.size());
        assertEquals(List.of(), incompleteFiles());
        assertFalse(Files.exists(storage(REPO).resolve("blobs/" + HubEmulator.sha256Hex(weights))));
    }

    @Test
    void corruptBodyIsDeletedAndReported() throws Exception {
        seed();
        emu.fault("model.safetensors").corruptTimes.set(1);
        emu.fault("config.json").corruptTimes.set(1);
        HfHub hub = hub();
        FileIntegrityException e = assertThrows(FileIntegrityException.class, () -> hub.hfHubDownload(REPO, "model.safetensors", opts()));
        assertTrue(e.getMessage().contains("'model.safetensors' of 'org/model' at revision 'main'") && e.getMessage().contains("sha256"),
                e.getMessage());
        FileIntegrityException e2 = assertThrows(FileIntegrityException.class, () -> hub.hfHubDownload(REPO, "config.json", opts()));
        assertTrue(e2.getMessage().contains("git blob sha1"), e2.getMessage());
        assertTrue(tree().stream().noneMatch(p -> p.contains("/blobs/") || p.contains(".incomplete")), tree().toString());
        assertFalse(Files.exists(storage(REPO).resolve("snapshots/" + commit + "/model.safetensors"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        // the next try is served correctly
        assertArrayEquals(weights, Files.readAllBytes(hub.hfHubDownload(REPO, "model.safetensors", opts())));
    }

    @Test
    void followsARenamedRepoKeepingTheToken() throws Exception {
        seed();
        emu.renamed.put("old/name", REPO);
        emu.validTokens.add("hf_t");
        Path p = hub().hfHubDownload("old/name", "config.json", opts().withToken("hf_t"));
        assertArrayEquals(config, Files.readAllBytes(p));
        assertTrue(p.toString().contains("models--old--name"));
        List<HubEmulator.Req> heads = emu.requests().stream().filter(r -> r.method().equals("HEAD")).toList();
        assertEquals("/old/name/resolve/main/config.json", heads.get(0).rawPath());
        assertEquals("/org/model/resolve/main/config.json", heads.get(1).rawPath());
        assertEquals("Bearer hf_t", heads.get(1).header("Authorization"));
    }

    @Test
    void concurrentClientsEndWithOneCorrectBlob() throws Exception {
        seed();
        emu.fault("model.safetensors").slowChunkMillis = 2;
        Path blobs = storage(REPO).resolve("blobs");
        Files.createDirectories(blobs);
        String sha = HubEmulator.sha256Hex(weights);
        Path foreign = blobs.resolve(sha + ".1a2b3c4d.incomplete"); // another process's partial download
        Files.write(foreign, new byte[] {1, 2, 3});
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Path> a = pool.submit(() -> hub().hfHubDownload(REPO, "model.safetensors", opts()));
            Future<Path> b = pool.submit(() -> hub().hfHubDownload(REPO, "model.safetensors", opts()));
            assertEquals(a.get(), b.get());
            assertArrayEquals(weights, Files.readAllBytes(a.get()));
        } finally {
            pool.shutdownNow();
        }
        assertArrayEquals(weights, Files.readAllBytes(blobs.resolve(sha)));
        assertEquals(List.of(sha, foreign.getFileName().toString()),
                Files.list(blobs).map(p -> p.getFileName().toString()).sorted().toList());
        assertTrue(Files.isRegularFile(cache.resolve(".locks/models--org--model/" + sha + ".lock")), "huggingface_hub's lock file");
    }

    @Test
    void offlineModeSendsNothing() throws Exception {
        seed();
        Path cached = hub().hfHubDownload(REPO, "config.json", opts());
        int before = emu.requests().size();
        for (String var : List.of("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")) {
            Map<String, String> off = new HashMap<>(env);
            off.put(var, "YES");
            assertEquals(cached, hub(off).hfHubDownload(REPO, "config.json", opts()));
            LocalEntryNotFoundException e = assertThrows(LocalEntryNotFoundException.class,
                    () -> hub(off).hfHubDownload(REPO, "model.safetensors", opts()));
            assertTrue(e.getMessage().contains("'model.safetensors' of 'org/model' at revision 'main'"), e.getMessage());
        }
        assertEquals(cached, hub().hfHubDownload(REPO, "config.json", opts().withLocalFilesOnly(true)));
        assertEquals(before, emu.requests().size());
    }

    @Test
    void fallsBackToTheCacheWhenTheHubFailsOrIsDown() throws Exception {
        seed();
        Path cached = hub().hfHubDownload(REPO, "config.json", opts());
        HubEmulator.Fault f = emu.fault("config.json");
        f.status = 500;
        f.onHead = true;
        f.statusTimes.set(100);
        assertEquals(cached, hub().hfHubDownload(REPO, "config.json", opts()));
        assertEquals(List.of(), sleeps, "a cached file needs no retries");
        emu.close();
        assertEquals(cached, hub().hfHubDownload(REPO, "config.json", opts()));
        LocalEntryNotFoundException e = assertThrows(LocalEntryNotFoundException.class,
                () -> hub().hfHubDownload(REPO, "model.safetensors", opts()));
        assertTrue(e.getMessage().contains("'model.safetensors' of 'org/model' at revision 'main'"), e.getMessage());
    }

    @Test
    void errorsAreTypedAndSayWhatToDo() throws Exception {
        seed();
        HfHub hub = hub();
        RepositoryNotFoundException rnf = assertThrows(RepositoryNotFoundException.class,
                () -> hub.hfHubDownload("org/nope", "config.json", opts()));
        assertTrue(rnf.getMessage().contains("'org/nope'") && rnf.getMessage().contains("token"), rnf.getMessage());

        EntryNotFoundException enf = assertThrows(EntryNotFoundException.class, () -> hub.hfHubDownload(REPO, "missing.json", opts()));
        assertTrue(enf.getMessage().contains("'missing.json' of 'org/model' at revision 'main'"), enf.getMessage());
        assertTrue(Files.isRegularFile(storage(REPO).resolve(".no_exist/" + commit + "/missing.json")));
        assertEquals(0, Files.size(storage(REPO).resolve(".no_exist/" + commit + "/missing.json")));

        RevisionNotFoundException rev = assertThrows(RevisionNotFoundException.class,
                () -> hub.hfHubDownload(REPO, "config.json", opts().withRevision("v9")));
        assertTrue(rev.getMessage().contains("'v9'") && rev.getMessage().contains(REPO), rev.getMessage());

        emu.repo("org/gated").gated = true;
        emu.repo("org/gated").commit("main", Map.of("config.json", config));
        GatedRepoException g = assertThrows(GatedRepoException.class, () -> hub.hfHubDownload("org/gated", "config.json", opts()));
        assertTrue(g.getMessage().contains("request access") && g.getMessage().contains("/org/gated"), g.getMessage());

        emu.repo("org/private").privateRepo = true;
        emu.repo("org/private").commit("main", Map.of("config.json", config));
        assertThrows(RepositoryNotFoundException.class, () -> hub.hfHubDownload("org/private", "config.json", opts()));
        emu.validTokens.add("hf_secret_ok");
        assertNotNull(hub.hfHubDownload("org/private", "config.json", opts().withToken("hf_secret_ok")));

        InvalidTokenException bad = assertThrows(InvalidTokenException.class,
                () -> hub.hfHubDownload(REPO, "config.json", opts().withToken("hf_SECRET_bad").withForceDownload(true)));
        assertFalse(bad.getMessage().contains("hf_SECRET_bad"));
        assertTrue(bad.getMessage().contains("token"), bad.getMessage());
        for (Exception e : List.of(rnf, enf, rev, g, bad)) {
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
        assertThrows(HfHubException.class, () -> hub.hfHubDownload(REPO, "../../etc/passwd", opts()));
    }
}
