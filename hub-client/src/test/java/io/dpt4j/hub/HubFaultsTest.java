package io.dpt4j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A hostile or broken Hub: bounded retries, fail-fast when unreachable, resume in huggingface_hub's layout. */
class HubFaultsTest extends HubTestSupport {
    static final String REPO = "org/model";
    final byte[] config = bytes("{\"model_type\": \"dpt\"}");
    final byte[] weights = blob(5000, 1);
    String commit;

    void seed() {
        commit = emu.repo(REPO).commit("main", Map.of("config.json", config, "model.safetensors", weights));
    }

    String sha() {
        return HubEmulator.sha256Hex(weights);
    }

    Path blobs() {
        return storage(REPO).resolve("blobs");
    }

    Path lockFile() {
        return cache.resolve(".locks/models--org--model/" + sha() + ".lock");
    }

    List<HubEmulator.Req> cdnGets() {
        return emu.requests().stream().filter(r -> r.server().equals("cdn") && r.method().equals("GET")).toList();
    }

    /** The 295 requests: Range ignored and every transfer dropped must end after a bounded number of tries. */
    @Test
    void serverIgnoringRangeAndDroppingEveryTransferIsBounded() throws Exception {
        seed();
        HubEmulator.Fault f = emu.fault("model.safetensors");
        f.ignoreRange = true;
        f.dropAfter = 1500;
        f.dropTimes.set(1000); // every time
        HubConnectionException e = assertThrows(HubConnectionException.class,
                () -> hub().hfHubDownload(REPO, "model.safetensors", opts()));
        long gets = cdnGets().size();
        assertTrue(gets <= HubConstants.DEFAULT_MAX_RETRIES + 1, gets + " GETs");
        assertTrue(e.getMessage().contains("'model.safetensors' of 'org/model'") && e.getMessage().contains("ignores Range"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    /** Even when each restart gets a little further, the bytes received stay bounded. */
    @Test
    void bytesReceivedAreBoundedWhenRestartsCreepForward() throws Exception {
        seed();
        HubEmulator.Fault f = emu.fault("model.safetensors");
        f.ignoreRange = true;
        f.dropTimes.set(1000);
        f.dropAfter = 1024; // grows below
        HubEmulator.Fault g = f;
        Thread creep = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                g.dropAfter = Math.min(4999, g.dropAfter + 300);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        });
        creep.start();
        try {
            assertThrows(HubConnectionException.class, () -> hub().hfHubDownload(REPO, "model.safetensors", opts()));
        } finally {
            creep.interrupt();
        }
        long gets = cdnGets().size();
        // budget: 3 x 5000 bytes + one chunk (1 MiB) for a file this small: at most ~ (15000 + 1 MiB) / 1024 GETs
        assertTrue(gets < 1100, gets + " GETs");
    }

    /** An unreachable Hub (refused connection): no retries, the cache at once, or one-line failure. */
    @Test
    void refusedConnectionFailsAtOnceOrUsesTheCache() throws Exception {
        seed();
        Path cached = hub().hfHubDownload(REPO, "config.json", opts());
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Map<String, String> down = new HashMap<>(env);
        down.put(HubConstants.ENV_HF_ENDPOINT, "http://127.0.0.1:" + closedPort);
        sleeps.clear();
        long t0 = System.nanoTime();
        assertEquals(cached, hub(down).hfHubDownload(REPO, "config.json", opts()));
        LocalEntryNotFoundException e = assertThrows(LocalEntryNotFoundException.class,
                () -> hub(down).hfHubDownload(REPO, "model.safetensors", opts()));
        assertThrows(HfHubException.class, () -> hub(down).snapshotDownload("org/other", opts()));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(List.of(), sleeps, "no retry, no backoff");
        assertTrue(seconds < 5, "a bound on 'no backoff loop' only: " + seconds);
        assertTrue(e.getMessage().contains("ConnectException"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    /** What every command does with --model ID: with the model cached and the Hub refused, no wait and no retry. */
    @Test
    void aCachedModelResolvesAtOnceWhenTheHubIsDown() throws Exception {
        seed();
        Path dir = hub().resolveModelDir(REPO, opts());
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Map<String, String> down = new HashMap<>(env);
        down.put(HubConstants.ENV_HF_ENDPOINT, "http://127.0.0.1:" + closedPort);
        sleeps.clear();
        assertEquals(dir, hub(down).resolveModelDir(REPO, opts()));
        assertEquals(List.of(), sleeps, "no retry, no backoff");
    }

    /** An unresolvable host: no retries either (huggingface_hub falls back at once on connection errors). */
    @Test
    void unknownHostFailsAtOnce() throws Exception {
        Map<String, String> down = new HashMap<>(env);
        down.put(HubConstants.ENV_HF_ENDPOINT, "http://nonexistent.invalid");
        long t0 = System.nanoTime();
        HfHubException e = assertThrows(HfHubException.class, () -> hub(down).hfHubDownload(REPO, "config.json", opts()));
        assertThrows(HfHubException.class, () -> hub(down).snapshotDownload(REPO, opts()));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(List.of(), sleeps, "no retry, no backoff");
        assertTrue(seconds < 5, "a bound on 'no backoff loop' only: " + seconds);
        assertTrue(e.getMessage().contains("nonexistent.invalid"), e.getMessage());
    }

    @Test
    void xRepoCommitMustBeAFullCommitHash() throws Exception {
        seed();
        for (String bad : List.of("", "../../../../etc", "abc123", commit.toUpperCase() + "\u0001")) {
            emu.fault("config.json").repoCommitHeader = bad;
            HfHubException e = assertThrows(HfHubException.class, () -> hub().hfHubDownload(REPO, "config.json", opts()));
            assertTrue(e.getMessage().contains("X-Repo-Commit") && e.getMessage().contains("40-character"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
        assertFalse(Files.exists(storage(REPO).resolve("refs/main")), "no ref written for a bad commit");
        assertTrue(tree().stream().noneMatch(p -> p.startsWith("models--org--model/snapshots/config.json")), tree().toString());
    }

    /** A partial download left by Python ({@code blobs/<etag>.incomplete} + its lock file) is resumed with Range. */
    @Test
    void resumesAPartialDownloadLeftByPython() throws Exception {
        seed();
        Files.createDirectories(blobs());
        Files.createDirectories(lockFile().getParent());
        Files.createFile(lockFile());
        Files.write(blobs().resolve(sha() + ".incomplete"), Arrays.copyOf(weights, 2100));
        Path p = hub().hfHubDownload(REPO, "model.safetensors", opts());
        assertArrayEquals(weights, Files.readAllBytes(p));
        List<HubEmulator.Req> gets = cdnGets();
        assertEquals(1, gets.size());
        assertEquals("bytes=2100-", gets.get(0).header("Range"));
        assertEquals(List.of(sha()), Files.list(blobs()).map(b -> b.getFileName().toString()).toList());
    }

    /** A partial file that does not belong to the blob (its hash is wrong) is deleted, not cached. */
    @Test
    void aCorruptPartialDownloadIsDeleted() throws Exception {
        seed();
        Files.createDirectories(blobs());
        Files.write(blobs().resolve(sha() + ".incomplete"), new byte[2100]);
        assertThrows(FileIntegrityException.class, () -> hub().hfHubDownload(REPO, "model.safetensors", opts()));
        assertEquals(List.of(), Files.list(blobs()).toList());
        assertArrayEquals(weights, Files.readAllBytes(hub().hfHubDownload(REPO, "model.safetensors", opts())));
    }

    /** A transfer that gives up keeps its bytes in Python's layout, and the next run resumes them. */
    @Test
    void aFailedTransferLeavesAResumableFile() throws Exception {
        seed();
        HubEmulator.Fault f = emu.fault("model.safetensors");
        f.dropAfter = 1000;
        f.dropTimes.set(1);
        HfHub hub = HfHub.builder().environment(new HubEnvironment(env, tmp.resolve("home").toString())).maxRetries(0)
                .sleeper(sleeps::add).build();
        assertThrows(HubConnectionException.class, () -> hub.hfHubDownload(REPO, "model.safetensors", opts()));
        assertEquals(1000, Files.size(blobs().resolve(sha() + ".incomplete")));
        assertArrayEquals(weights, Files.readAllBytes(hub().hfHubDownload(REPO, "model.safetensors", opts())));
        assertEquals("bytes=1000-", cdnGets().get(1).header("Range"));
    }

    /**
     * Process-unique temp files left by killed processes ({@code blobs/<etag>.<8 hex>.incomplete}: older DPT4J
     * versions, and huggingface_hub since it stopped sharing {@code <etag>.incomplete}): the largest is resumed,
     * the others deleted; a recently written one (a live writer on a file system without working locks) is kept.
     */
    @Test
    void leftOverTempFilesOfKilledProcessesAreResumedOrDeleted() throws Exception {
        seed();
        Files.createDirectories(blobs());
        long old = System.currentTimeMillis() - 3_600_000;
        Path killedPython = Files.write(blobs().resolve(sha() + ".0badc0de.incomplete"), Arrays.copyOf(weights, 3000));
        Path killedOlder = Files.write(blobs().resolve(sha() + ".11112222.incomplete"), Arrays.copyOf(weights, 1000));
        Files.setLastModifiedTime(killedPython, FileTime.fromMillis(old));
        Files.setLastModifiedTime(killedOlder, FileTime.fromMillis(old));
        Path live = Files.write(blobs().resolve(sha() + ".1a2b3c4d.incomplete"), new byte[10]);
        assertArrayEquals(weights, Files.readAllBytes(hub().hfHubDownload(REPO, "model.safetensors", opts())));
        assertEquals("bytes=3000-", cdnGets().get(0).header("Range"));
        assertFalse(Files.exists(killedPython));
        assertFalse(Files.exists(killedOlder));
        assertTrue(Files.exists(live), "may still be written by a live process");
    }

    /** A partial download is deleted once the blob is there (huggingface_hub >= its PR 4228 does not resume it). */
    @Test
    void aPartialDownloadIsDeletedWhenTheBlobArrivedAnotherWay() throws Exception {
        seed();
        Path first = hub().hfHubDownload(REPO, "model.safetensors", opts());
        Files.write(blobs().resolve(sha() + ".incomplete"), Arrays.copyOf(weights, 100));
        Files.delete(first); // the snapshot link, not the blob: the next call links again
        assertArrayEquals(weights, Files.readAllBytes(hub().hfHubDownload(REPO, "model.safetensors", opts())));
        assertEquals(List.of(sha()), Files.list(blobs()).map(b -> b.getFileName().toString()).toList());
    }

    /** A download killed with SIGKILL leaves exactly what huggingface_hub resumes, and Java resumes it too. */
    @Test
    void aKilledDownloadLeavesPythonsResumableLayout() throws Exception {
        seed();
        emu.fault("model.safetensors").slowChunkMillis = 40; // 5000 bytes in 256-byte chunks: ~0.8 s
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                DownloadProcess.class.getName(), emu.endpoint(), cache.toString(), tmp.resolve("home").toString(), REPO,
                "model.safetensors"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
        Path incomplete = blobs().resolve(sha() + ".incomplete");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!(Files.exists(incomplete) && Files.size(incomplete) >= 512) && System.nanoTime() < deadline && p.isAlive()) {
                Thread.sleep(5);
            }
        } finally {
            p.destroyForcibly(); // SIGKILL: no shutdown hook runs
            p.waitFor(10, TimeUnit.SECONDS);
        }
        assertTrue(Files.exists(incomplete), "child log: " + Files.readString(tmp.resolve("child.log")));
        long partial = Files.size(incomplete);
        assertTrue(partial > 0 && partial < weights.length, "partial: " + partial);
        assertArrayEquals(Arrays.copyOf(weights, (int) partial), Files.readAllBytes(incomplete));
        assertTrue(Files.isRegularFile(lockFile()), "the lock file huggingface_hub takes");
        assertEquals(List.of(sha() + ".incomplete"), Files.list(blobs()).map(b -> b.getFileName().toString()).toList(),
                "nothing else: no blob, no randomly named temp file");
        assertFalse(Files.exists(storage(REPO).resolve("snapshots/" + commit + "/model.safetensors"), LinkOption.NOFOLLOW_LINKS));

        emu.fault("model.safetensors").slowChunkMillis = 0;
        int before = cdnGets().size();
        assertArrayEquals(weights, Files.readAllBytes(hub().hfHubDownload(REPO, "model.safetensors", opts())));
        assertEquals("bytes=" + partial + "-", cdnGets().get(before).header("Range"));
    }

    /** The lock is an flock(2) lock, the kind Python's filelock takes: util-linux's flock(1) sees it held. */
    @Test
    void theBlobLockExcludesFlockHolders() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/flock")), "util-linux flock(1) is needed to take a foreign flock");
        assertTrue(BlobLock.usesFlock());
        Path lock = tmp.resolve(".locks/models--a--b/x.lock");
        try (BlobLock held = BlobLock.acquire(lock)) {
            assertEquals(1, foreignTryLock(lock), "a foreign flock must fail while we hold the lock");
        }
        assertEquals(0, foreignTryLock(lock), "and succeed once we release it");
        // and the other way round: while a foreign flock holds it, we wait
        Process holder = new ProcessBuilder("/usr/bin/flock", lock.toString(), "-c", "echo held; sleep 0.5").start();
        assertEquals('h', holder.getInputStream().read());
        long t0 = System.nanoTime();
        try (BlobLock held = BlobLock.acquire(lock)) {
            assertTrue(Files.exists(lock));
        }
        assertTrue(System.nanoTime() - t0 > TimeUnit.MILLISECONDS.toNanos(200), "waited for the foreign holder");
        holder.waitFor(5, TimeUnit.SECONDS);
    }

    private static int foreignTryLock(Path lock) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/flock", "-n", lock.toString(), "true").start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.exitValue();
    }
}
