package io.dpt4j.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotDownloadTest extends HubTestSupport {
    static final String REPO = "org/snap";
    final Map<String, byte[]> files = Map.of(
            "config.json", bytes("{\"a\": 1}"),
            "preprocessor_config.json", bytes("{\"b\": 2}"),
            "model.safetensors", blob(4000, 3),
            "onnx/model.onnx", blob(2500, 4),
            "README.md", bytes("# readme"));
    String commit;

    void seed() {
        commit = emu.repo(REPO).commit("main", files);
    }

    private void assertComplete(Path snap) throws Exception {
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(snap.resolve(e.getKey())), e.getKey());
        }
    }

    @Test
    void downloadsEverythingAndWritesTheTreeListing() throws Exception {
        seed();
        Path snap = hub().snapshotDownload(REPO, opts());
        assertEquals(storage(REPO).resolve("snapshots/" + commit), snap);
        assertComplete(snap);
        Map<String, RepoFile> listing = TreeCache.read(storage(REPO), commit);
        assertEquals(files.keySet(), listing.keySet());
        byte[] w = files.get("model.safetensors");
        assertEquals(new RepoFile("model.safetensors", w.length,
                HubEmulator.gitBlobSha1(HubEmulator.lfsPointer(w).getBytes()), HubEmulator.sha256Hex(w), (long) w.length, null),
                listing.get("model.safetensors"));
        assertEquals(HubEmulator.gitBlobSha1(files.get("config.json")), listing.get("config.json").blobId());
        assertEquals(List.of("blobs", "refs", "snapshots", "trees"),
                Files.list(storage(REPO)).map(p -> p.getFileName().toString()).sorted().toList());

        int before = emu.requests().size();
        assertEquals(snap, hub().snapshotDownload(REPO, opts().withRevision(commit)));
        assertEquals(before, emu.requests().size(), "complete snapshot at a full commit: zero requests");
        assertEquals(snap, hub().snapshotDownload(REPO, opts()));
        assertEquals(before + 1, emu.requests().size(), "a branch costs one model-info request");
        assertTrue(emu.requests().get(before).rawPath().endsWith("/revision/main"));
    }

    @Test
    void aPartialIncludeRunIsCompletedByAFullRun() throws Exception {
        seed();
        Path snap = hub().snapshotDownload(REPO, opts().withAllowPatterns(List.of("*.json")));
        assertTrue(Files.exists(snap.resolve("config.json")));
        assertFalse(Files.exists(snap.resolve("model.safetensors")));
        Map<String, String> off = new HashMap<>(env);
        off.put("HF_HUB_OFFLINE", "1");
        int before = emu.requests().size();
        assertEquals(snap, hub(off).snapshotDownload(REPO, opts().withAllowPatterns(List.of("*.json"))));
        IncompleteSnapshotException e = assertThrows(IncompleteSnapshotException.class, () -> hub(off).snapshotDownload(REPO, opts()));
        assertTrue(e.getMessage().contains("3 file(s) missing") && e.getMessage().contains(commit), e.getMessage());
        assertThrows(IncompleteSnapshotException.class, () -> hub().snapshotDownload(REPO, opts().withRevision(commit).withLocalFilesOnly(true)));
        assertEquals(before, emu.requests().size());

        assertEquals(snap, hub().snapshotDownload(REPO, opts().withRevision(commit)));
        assertComplete(snap);
        assertEquals(snap, hub(off).snapshotDownload(REPO, opts()));
        assertEquals(snap, hub().snapshotDownload(REPO, opts().withIgnorePatterns(List.of("onnx/"))));
    }

    @Test
    void fallsBackToACachedSnapshotWhenTheHubIsDown() throws Exception {
        seed();
        Path snap = hub().snapshotDownload(REPO, opts());
        emu.close();
        assertEquals(snap, hub().snapshotDownload(REPO, opts()));
        LocalEntryNotFoundException e = assertThrows(LocalEntryNotFoundException.class,
                () -> hub().snapshotDownload("org/other", opts().withRevision("v2")));
        assertTrue(e.getMessage().contains("'org/other' at revision 'v2'"), e.getMessage());
    }

    @Test
    void paginatedTreeAndSiblingsFallback() throws Exception {
        seed();
        emu.treePageSize = 2;
        Path snap = hub().snapshotDownload(REPO, opts());
        assertComplete(snap);
        assertTrue(emu.requests().stream().filter(r -> r.rawPath().contains("/tree/")).count() >= 3);
        assertEquals(files.size(), hub().listRepoFiles(REPO, "main").size());

        emu.treeEndpointMissing = true;
        String c2 = emu.repo(REPO).commit("v2", Map.of("config.json", bytes("{}"), "model.safetensors", blob(100, 9)));
        Path s2 = hub().snapshotDownload(REPO, opts().withRevision("v2"));
        assertEquals(storage(REPO).resolve("snapshots/" + c2), s2);
        assertEquals(Map.of("config.json", 40, "model.safetensors", 64),
                Map.of("config.json", TreeCache.read(storage(REPO), c2).get("config.json").blobId().length(),
                        "model.safetensors", TreeCache.read(storage(REPO), c2).get("model.safetensors").etag().length()));
        assertEquals(c2, hub().modelInfo(REPO, "v2").sha());
    }

    /** A cache laid out by hand exactly as Python's huggingface_hub leaves it is used without downloads. */
    @Test
    void usesACacheWrittenByPython() throws Exception {
        seed();
        Path st = storage(REPO);
        Map<String, RepoFile> listing = new HashMap<>();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            byte[] c = e.getValue();
            boolean lfs = HubEmulator.isLfs(e.getKey(), c);
            String etag = lfs ? HubEmulator.sha256Hex(c) : HubEmulator.gitBlobSha1(c);
            Files.createDirectories(st.resolve("blobs"));
            Files.write(st.resolve("blobs/" + etag), c);
            Path ptr = st.resolve("snapshots/" + commit + "/" + e.getKey());
            Files.createDirectories(ptr.getParent());
            Files.createSymbolicLink(ptr, ptr.getParent().relativize(st.resolve("blobs/" + etag)));
            listing.put(e.getKey(), new RepoFile(e.getKey(), c.length, lfs ? "f".repeat(40) : etag, lfs ? etag : null,
                    lfs ? (long) c.length : null, null));
        }
        Files.createDirectories(st.resolve("refs"));
        Files.writeString(st.resolve("refs/main"), commit);
        Files.createDirectories(cache.resolve(".locks/models--org--snap"));
        TreeCache.write(st, commit, listing);

        assertEquals(st.resolve("snapshots/" + commit), hub().snapshotDownload(REPO, opts()));
        assertEquals(1, emu.requests().size());
        assertEquals(st.resolve("snapshots/" + commit + "/model.safetensors"), hub().hfHubDownload(REPO, "model.safetensors",
                opts().withRevision(commit)));
        Map<String, String> off = new HashMap<>(env);
        off.put("HF_HUB_OFFLINE", "1");
        assertEquals(st.resolve("snapshots/" + commit), hub(off).snapshotDownload(REPO, opts()));
        assertEquals(1, emu.requests().size());
        assertEquals(0, emu.count("cdn", null));
        assertTrue(Files.isDirectory(cache.resolve(".locks/models--org--snap")), "Python's .locks left alone");
    }
}
