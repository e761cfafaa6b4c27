package io.dpt4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubEnvironmentTest {
    @TempDir
    Path tmp;

    private static HubEnvironment env(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return new HubEnvironment(m, "/home/u");
    }

    @Test
    void endpointDefaultsToThePublicHub() {
        assertEquals("https://huggingface.co", env().endpoint());
        assertEquals("http://mirror:8080", env("HF_ENDPOINT", "http://mirror:8080/").endpoint());
    }

    @Test
    void cacheRootPrecedence() {
        assertEquals(Path.of("/home/u/.cache/huggingface/hub"), env().hubCache());
        assertEquals(Path.of("/x/huggingface/hub"), env("XDG_CACHE_HOME", "/x").hubCache());
        assertEquals(Path.of("/h/hub"), env("XDG_CACHE_HOME", "/x", "HF_HOME", "/h").hubCache());
        assertEquals(Path.of("/legacy"), env("HF_HOME", "/h", "HUGGINGFACE_HUB_CACHE", "/legacy").hubCache());
        assertEquals(Path.of("/new"), env("HF_HOME", "/h", "HUGGINGFACE_HUB_CACHE", "/legacy", "HF_HUB_CACHE", "/new").hubCache());
        assertEquals(Path.of("/home/u/c"), env("HF_HUB_CACHE", "~/c").hubCache());
        assertEquals(Path.of("/data/hf/hub"), env("HF_HOME", "$ROOT/hf", "ROOT", "/data").hubCache());
        assertEquals(Path.of("/home/u/.cache/huggingface/hub"), env("HF_HUB_CACHE", "").hubCache());
    }

    @Test
    void offlineFlags() {
        assertFalse(env().offline());
        for (String v : new String[] {"1", "ON", "yes", "True"}) {
            assertTrue(env("HF_HUB_OFFLINE", v).offline(), v);
            assertTrue(env("TRANSFORMERS_OFFLINE", v).offline(), v);
        }
        assertFalse(env("HF_HUB_OFFLINE", "0").offline());
        assertFalse(env("HF_HUB_OFFLINE", "false").offline());
        // as in huggingface_hub, a set HF_HUB_OFFLINE decides alone
        assertFalse(env("HF_HUB_OFFLINE", "0", "TRANSFORMERS_OFFLINE", "1").offline());
        assertTrue(env("HF_HUB_DISABLE_PROGRESS_BARS", "1").progressBarsDisabled());
    }

    @Test
    void tokenPrecedence() throws IOException {
        Path home = tmp.resolve("hf");
        Files.createDirectories(home);
        Files.writeString(home.resolve("token"), "hf_file\n");
        String h = home.toString();
        assertEquals("hf_file", env("HF_HOME", h).token(null));
        assertEquals("hf_legacy", env("HF_HOME", h, "HUGGING_FACE_HUB_TOKEN", "hf_legacy").token(null));
        assertEquals("hf_env", env("HF_HOME", h, "HUGGING_FACE_HUB_TOKEN", "hf_legacy", "HF_TOKEN", " hf_env\n").token(null));
        assertEquals("hf_cli", env("HF_HOME", h, "HF_TOKEN", "hf_env").token("hf_cli"));
        Files.writeString(tmp.resolve("other"), "hf_other");
        assertEquals("hf_other", env("HF_HOME", h, "HF_TOKEN_PATH", tmp.resolve("other").toString()).token(null));
        assertNull(env("HF_HOME", h, "HF_TOKEN", "hf_env", "HF_HUB_DISABLE_IMPLICIT_TOKEN", "1").token(null));
        assertEquals("hf_cli", env("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1").token("hf_cli"));
        assertNull(env("HF_HOME", tmp.resolve("none").toString()).token(null));
        assertNull(env("HF_HOME", tmp.resolve("none").toString(), "HF_TOKEN", "").token(null));
    }
}
