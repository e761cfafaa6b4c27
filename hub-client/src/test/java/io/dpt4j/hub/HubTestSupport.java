package io.dpt4j.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A fresh emulator, cache and client per test; retries wait ~nothing and are recorded. */
abstract class HubTestSupport {
    @TempDir
    Path tmp;
    HubEmulator emu;
    Path cache;
    final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
    final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void startEmulator() throws IOException {
        emu = new HubEmulator();
        cache = tmp.resolve("hub");
        env.put(HubConstants.ENV_HF_ENDPOINT, emu.endpoint());
        env.put(HubConstants.ENV_HF_HUB_CACHE, cache.toString());
        env.put(HubConstants.ENV_HF_HOME, tmp.resolve("hfhome").toString());
        env.put(HubConstants.ENV_HF_HUB_DISABLE_PROGRESS_BARS, "1");
    }

    @AfterEach
    void stopEmulator() {
        emu.close();
    }

    HfHub hub() {
        return hub(env);
    }

    HfHub hub(Map<String, String> e) {
        return HfHub.builder().environment(new HubEnvironment(e, tmp.resolve("home").toString()))
                .backoff(Duration.ofMillis(1), Duration.ofMillis(4)).maxRetryAfter(Duration.ofSeconds(30))
                .readTimeout(Duration.ofMillis(400)).connectTimeout(Duration.ofSeconds(2))
                .sleeper(sleeps::add).build();
    }

    static HubDownloadOptions opts() {
        return HubDownloadOptions.defaults();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Deterministic pseudo-random content. */
    static byte[] blob(int n, int seed) {
        byte[] b = new byte[n];
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) x;
        }
        return b;
    }

    Path storage(String repoId) {
        return cache.resolve("models--" + repoId.replace("/", "--"));
    }

    /** Every path under the cache (relative, '/'-separated), for layout assertions. */
    List<String> tree() throws IOException {
        if (!Files.exists(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(cache)) {
            return s.filter(p -> !p.equals(cache)).map(p -> cache.relativize(p).toString()).sorted().toList();
        }
    }

    List<String> incompleteFiles() throws IOException {
        return tree().stream().filter(p -> p.endsWith(".incomplete")).toList();
    }
}
