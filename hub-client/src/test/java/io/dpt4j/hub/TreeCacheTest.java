package io.dpt4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeCacheTest {
    @TempDir
    Path storage;

    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String SHA = "a".repeat(64);

    /** Exactly what huggingface_hub's json.dump(data, f, indent=1) writes for these entries. */
    static final String PYTHON_TEXT = "{\n"
            + " \"format_version\": 1,\n"
            + " \"files\": {\n"
            + "  \"config.json\": {\n"
            + "   \"size\": 519,\n"
            + "   \"blob_id\": \"1111111111111111111111111111111111111111\"\n"
            + "  },\n"
            + "  \"model.safetensors\": {\n"
            + "   \"size\": 1234,\n"
            + "   \"blob_id\": \"2222222222222222222222222222222222222222\",\n"
            + "   \"lfs_sha256\": \"" + SHA + "\",\n"
            + "   \"lfs_size\": 1234\n"
            + "  },\n"
            + "  \"sub/\\u00e9t\\u00e9.txt\": {\n"
            + "   \"size\": 3,\n"
            + "   \"blob_id\": \"3333333333333333333333333333333333333333\"\n"
            + "  }\n"
            + " }\n"
            + "}";

    private static Map<String, RepoFile> entries() {
        Map<String, RepoFile> m = new LinkedHashMap<>();
        m.put("sub/été.txt", new RepoFile("sub/été.txt", 3, "3".repeat(40), null, null, null));
        m.put("model.safetensors", new RepoFile("model.safetensors", 1234, "2".repeat(40), SHA, 1234L, null));
        m.put("config.json", new RepoFile("config.json", 519, "1".repeat(40), null, null, null));
        return m;
    }

    @Test
    void writesPythonsLayoutByteForByte() throws IOException {
        TreeCache.write(storage, COMMIT, entries());
        Path p = storage.resolve("trees").resolve(COMMIT + ".json");
        assertEquals(PYTHON_TEXT, Files.readString(p));
        try (var s = Files.list(p.getParent())) {
            assertEquals(1, s.count(), "no temp file left in trees/");
        }
    }

    @Test
    void readsWhatPythonWrites() throws IOException {
        Path p = storage.resolve("trees").resolve(COMMIT + ".json");
        Files.createDirectories(p.getParent());
        Files.writeString(p, PYTHON_TEXT.replace("\"lfs_size\": 1234", "\"lfs_size\": 1234,\n   \"xet_hash\": \"" + "b".repeat(64) + "\""));
        Map<String, RepoFile> m = TreeCache.read(storage, COMMIT);
        assertEquals(3, m.size());
        assertEquals(new RepoFile("model.safetensors", 1234, "2".repeat(40), SHA, 1234L, "b".repeat(64)), m.get("model.safetensors"));
        assertEquals(SHA, m.get("model.safetensors").etag());
        assertEquals("1".repeat(40), m.get("config.json").etag());
        assertEquals(3, m.get("sub/été.txt").size());
    }

    @Test
    void ignoresOtherVersionsCorruptFilesAndRedactedXetHashes() throws IOException {
        Path p = storage.resolve("trees").resolve(COMMIT + ".json");
        Files.createDirectories(p.getParent());
        assertNull(TreeCache.read(storage, COMMIT));
        Files.writeString(p, PYTHON_TEXT.replace("\"format_version\": 1", "\"format_version\": 2"));
        assertNull(TreeCache.read(storage, COMMIT));
        Files.writeString(p, "{\"format_version\": 1, \"files\": {\"a\": {\"size\": 1}}}");
        assertNull(TreeCache.read(storage, COMMIT));
        Files.writeString(p, "{not json");
        assertNull(TreeCache.read(storage, COMMIT));
        Files.writeString(p, "{\"format_version\": 1, \"files\": {\"a\": {\"size\": 1, \"blob_id\": \"x\", \"xet_hash\": \"***\"}}}");
        assertNull(TreeCache.read(storage, COMMIT));
    }

    @Test
    void emptyListing() throws IOException {
        TreeCache.write(storage, COMMIT, Map.of());
        assertEquals("{\n \"format_version\": 1,\n \"files\": {}\n}", Files.readString(storage.resolve("trees/" + COMMIT + ".json")));
        assertEquals(Map.of(), TreeCache.read(storage, COMMIT));
    }
}
