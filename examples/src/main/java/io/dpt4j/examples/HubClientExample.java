package io.dpt4j.examples;

import io.dpt4j.hub.HfHub;
import io.dpt4j.hub.HubDownloadOptions;
import java.nio.file.Path;
import java.util.List;

/**
 * The Hugging Face Hub client on its own: download a snapshot (only the files a model needs), then get
 * it again from the cache with no network at all, as HF_HUB_OFFLINE=1 would.
 *
 * <pre>
 * java -cp "examples/target/classes:examples/target/lib/*" io.dpt4j.examples.HubClientExample \
 *      [REPO_ID] [CACHE_DIR]
 * </pre>
 *
 * The cache is huggingface_hub's (HF_HUB_CACHE, HF_HOME, ~/.cache/huggingface/hub unless CACHE_DIR is
 * given): Python and Java reuse each other's downloads. HF_ENDPOINT selects a mirror, HF_TOKEN a token.
 */
public final class HubClientExample {
    private HubClientExample() {}

    public static void main(String[] args) throws Exception {
        String repo = args.length > 0 ? args[0] : "Intel/dpt-hybrid-midas";
        HubDownloadOptions options = HubDownloadOptions.defaults()
                .withAllowPatterns(List.of("*.json", "*.safetensors"));
        if (args.length > 1) {
            options = options.withCacheDir(Path.of(args[1]));
        }
        run(repo, options);
    }

    /** Downloads (or finds) the snapshot, then resolves it again offline; returns the snapshot directory. */
    public static Path run(String repo, HubDownloadOptions options) throws Exception {
        HfHub hub = HfHub.create();
        Path snapshot = hub.snapshotDownload(repo, options);
        System.out.println("snapshot: " + snapshot);
        // No request at all now: refs/main and the snapshot in the cache are enough.
        Path again = hub.snapshotDownload(repo, options.withLocalFilesOnly(true));
        System.out.println("offline:  " + again);
        return again;
    }
}
