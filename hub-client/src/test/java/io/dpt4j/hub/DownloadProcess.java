package io.dpt4j.hub;

import java.nio.file.Path;
import java.util.Map;

/** A download in a process of its own, for tests that kill it: {@code endpoint cacheDir home repoId file}. */
public final class DownloadProcess {
    private DownloadProcess() {}

    public static void main(String[] args) {
        Map<String, String> env = Map.of(HubConstants.ENV_HF_ENDPOINT, args[0], HubConstants.ENV_HF_HUB_CACHE, args[1],
                HubConstants.ENV_HF_HUB_DISABLE_PROGRESS_BARS, "1");
        HfHub hub = HfHub.builder().environment(new HubEnvironment(env, args[2])).build();
        Path p = hub.hfHubDownload(args[3], args[4], HubDownloadOptions.defaults());
        System.out.println(p);
    }
}
