package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fromPretrained with a hub id resolves through the huggingface_hub-compatible cache. */
class HubLoadingTest {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    /** Lays out a cache the way huggingface_hub leaves it: blobs, relative snapshot links, refs/main. */
    static Path cacheWith(Path root, String repo, Path modelDir) throws Exception {
        Path repoDir = root.resolve("models--" + repo.replace("/", "--"));
        Path snap = repoDir.resolve("snapshots").resolve(COMMIT);
        Files.createDirectories(snap);
        Files.createDirectories(repoDir.resolve("blobs"));
        Files.createDirectories(repoDir.resolve("refs"));
        Files.writeString(repoDir.resolve("refs/main"), COMMIT);
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            byte[] data = Files.readAllBytes(modelDir.resolve(f));
            String etag = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
            Files.write(repoDir.resolve("blobs").resolve(etag), data);
            Files.createSymbolicLink(snap.resolve(f), Path.of("../../blobs/" + etag));
        }
        return root;
    }

    @Test
    void hubIdLoadsFromTheCacheWithoutNetwork(@TempDir Path tmp) throws Exception {
        ReferenceCase c = ReferenceCase.named("vit-depth");
        Path cache = cacheWith(tmp.resolve("hub"), "dpt4j/tiny-vit-depth", c.dir());
        LoadOptions o = LoadOptions.defaults().cacheDir(cache).localFilesOnly(true);
        try (DPTForDepthEstimation m = DPTForDepthEstimation.fromPretrained("dpt4j/tiny-vit-depth", o)) {
            assertTrue(m.loadReport().isClean(), m.loadReport().toString());
            assertTrue(m.loadReport().source().contains(COMMIT), m.loadReport().source());
        }
        try (PreTrainedModel<?, ?> m = AutoModel.fromPretrained("dpt4j/tiny-vit-depth", o)) {
            assertEquals("DPTForDepthEstimation", m.getClass().getSimpleName());
        }
    }

    @Test
    void uncachedHubIdOfflineFailsNamingTheRepo(@TempDir Path tmp) {
        LoadOptions o = LoadOptions.defaults().cacheDir(tmp).localFilesOnly(true);
        RuntimeException e = assertThrows(RuntimeException.class, () -> DPTForDepthEstimation.fromPretrained("Intel/dpt-large", o));
        assertTrue(e.getMessage().contains("Intel/dpt-large"), e.getMessage());
    }
}
