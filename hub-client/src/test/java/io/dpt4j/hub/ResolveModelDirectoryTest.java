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

class ResolveModelDirectoryTest extends HubTestSupport {
    final byte[] config = bytes("{\"model_type\": \"dpt\"}");
    final byte[] pre = bytes("{\"do_resize\": true}");

    private List<String> fetched(String repo) throws Exception {
        Path snaps = storage(repo).resolve("snapshots");
        try (var s = Files.walk(snaps)) {
            return s.filter(Files::isSymbolicLink).map(p -> snaps.relativize(p).toString().substring(41)).sorted().toList();
        }
    }

    @Test
    void localDirectoryIsReturnedAsIs() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("local-model"));
        assertEquals(dir, hub().resolveModelDir(dir.toString(), opts()));
        assertEquals(0, emu.requests().size());
        assertThrows(HfHubException.class, () -> hub().resolveModelDir("./does/not/exist", opts()));
    }

    @Test
    void fetchesOnlyWhatLoadingNeedsFromSafetensors() throws Exception {
        String c = emu.repo("Intel/dpt").commit("main", Map.of("config.json", config, "preprocessor_config.json", pre,
                "model.safetensors", blob(3000, 1), "pytorch_model.bin", blob(3000, 2), "README.md", bytes("hi")));
        Path dir = hub().resolveModelDir("Intel/dpt", opts());
        assertEquals(storage("Intel/dpt").resolve("snapshots/" + c), dir);
        assertEquals(List.of("config.json", "model.safetensors", "preprocessor_config.json"), fetched("Intel/dpt"));
        int before = emu.requests().size();
        Map<String, String> off = new HashMap<>(env);
        off.put("HF_HUB_OFFLINE", "1");
        assertEquals(dir, hub(off).resolveModelDir("Intel/dpt", opts()));
        assertEquals(before, emu.requests().size());
    }

    @Test
    void shardedSafetensorsWithoutPreprocessorConfig() throws Exception {
        byte[] index = bytes("{\"metadata\": {}, \"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\","
                + " \"b\": \"model-00002-of-00002.safetensors\", \"c\": \"model-00001-of-00002.safetensors\"}}");
        String c = emu.repo("o/sharded").commit("main", Map.of("config.json", config, "model.safetensors.index.json", index,
                "model-00001-of-00002.safetensors", blob(2100, 1), "model-00002-of-00002.safetensors", blob(2100, 2),
                "pytorch_model.bin", blob(100, 3)));
        Path dir = hub().resolveModelDir("o/sharded", opts());
        assertEquals(List.of("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json"), fetched("o/sharded"));
        assertTrue(Files.exists(storage("o/sharded").resolve(".no_exist/" + c + "/model.safetensors")));
        assertTrue(Files.exists(storage("o/sharded").resolve(".no_exist/" + c + "/preprocessor_config.json")));
        // a second online run: one HEAD for config.json, the rest is known (cached or .no_exist) for the commit
        int before = emu.requests().size();
        assertEquals(dir, hub().resolveModelDir("o/sharded", opts()));
        assertEquals(before + 1, emu.requests().size());
    }

    @Test
    void pytorchWeightsOnPullRequestRevisionAndSubfolder() throws Exception {
        emu.repo("o/pt").commit("main", Map.of("config.json", config, "pytorch_model.bin", blob(2100, 5)));
        emu.repo("o/pt").commit("refs/pr/1", Map.of("config.json", config, "model.safetensors", blob(2100, 6)));
        emu.repo("o/pt").commit("sub", Map.of("depth/config.json", config, "depth/pytorch_model.bin.index.json",
                bytes("{\"weight_map\": {\"x\": \"w-1.bin\"}}"), "depth/w-1.bin", blob(50, 7)));
        Path main = hub().resolveModelDir("o/pt", opts());
        assertTrue(Files.exists(main.resolve("pytorch_model.bin")));
        Path pr = hub().resolveModelDir("o/pt", opts().withRevision("refs/pr/1"));
        assertTrue(Files.exists(pr.resolve("model.safetensors")));
        assertFalse(Files.exists(pr.resolve("pytorch_model.bin")));
        Path sub = hub().resolveModelDir("o/pt", opts().withRevision("sub").withSubfolder("depth"));
        assertTrue(sub.endsWith("depth"));
        assertArrayEquals(blob(50, 7), Files.readAllBytes(sub.resolve("w-1.bin")));
    }

    @Test
    void noWeightsIsAClearError() throws Exception {
        emu.repo("o/empty").commit("main", Map.of("config.json", config));
        EntryNotFoundException e = assertThrows(EntryNotFoundException.class, () -> hub().resolveModelDir("o/empty", opts()));
        assertTrue(e.getMessage().contains("model.safetensors, model.safetensors.index.json, pytorch_model.bin,"
                + " pytorch_model.bin.index.json") && e.getMessage().contains("'o/empty'"), e.getMessage());
        Map<String, String> off = new HashMap<>(env);
        off.put("HF_HUB_OFFLINE", "1");
        assertThrows(LocalEntryNotFoundException.class, () -> hub(off).resolveModelDir("o/never", opts()));
    }
}
