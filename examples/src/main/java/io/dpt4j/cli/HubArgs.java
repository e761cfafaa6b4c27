package io.dpt4j.cli;

import io.dpt4j.core.LoadOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/** The {@code --model DIR_OR_ID} argument and the hub options shared by the model-running commands. */
final class HubArgs {
    private HubArgs() {}

    static final String HELP = String.join("\n",
            "  --revision REV       hub revision (branch, tag, commit, refs/pr/N) when --model is a hub id",
            "  --token TOKEN        hub token (else HF_TOKEN, else the token file)",
            "  --cache-dir DIR      hub cache (default: the huggingface_hub cache)",
            "  --local-files-only   never touch the network; use the cache");

    static Set<String> with(Set<String> valued) {
        Set<String> s = new HashSet<>(valued);
        s.add("revision");
        s.add("token");
        s.add("cache-dir");
        return s;
    }

    static LoadOptions loadOptions(Args a) {
        return LoadOptions.defaults()
                .allowMissingKeys(a.has("allow-missing-keys"))
                .revision(a.get("revision"))
                .token(a.get("token"))
                .cacheDir(a.has("cache-dir") ? Path.of(a.get("cache-dir")) : null)
                .localFilesOnly(a.has("local-files-only"));
    }

    /** A local model directory for --model (hub ids are resolved by the hub client). */
    static Path resolveModel(Args a) {
        String model = a.require("model");
        Path p = Path.of(model);
        if (Files.isDirectory(p)) {
            if (!Files.isRegularFile(p.resolve("config.json"))) {
                throw new CliException("--model " + model + ": the directory has no config.json");
            }
            return p;
        }
        if (Files.exists(p)) {
            throw new CliException("--model " + model + ": expected a model directory (config.json + weights), got a file");
        }
        throw new CliException("--model " + model + ": no such directory");
    }
}
