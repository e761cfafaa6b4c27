package io.dpt4j.cli;

import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.ModelFiles;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.hub.HfHub;
import io.dpt4j.hub.HfHubException;
import io.dpt4j.hub.HubDownloadOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The hub options every command that takes a model shares: {@code --revision REV}, {@code --token TOKEN},
 * {@code --cache-dir DIR}, {@code --local-files-only}, {@code --force-download}. A command adds
 * {@link #VALUED} and {@link #FLAGS} to its own option sets, then calls {@link #resolveModel} on its
 * {@code --model ID_OR_DIR} value:
 *
 * <pre>{@code
 * Args a = Args.parse(name(), args, HubArgs.withValued("model", "image"), HubArgs.withFlags());
 * Path modelDir = HubArgs.resolveModel(a.require("model"), a);
 * }</pre>
 */
public final class HubArgs {
    private HubArgs() {}

    /** Hub options that take a value. */
    public static final Set<String> VALUED = Set.of("revision", "token", "cache-dir");
    /** Hub options without a value. */
    public static final Set<String> FLAGS = Set.of("local-files-only", "force-download");

    /** One usage line describing the hub options, for {@code --help}. */
    public static final String USAGE = "[--revision REV] [--token TOKEN] [--cache-dir DIR] [--local-files-only] [--force-download]";

    /** {@link #VALUED} plus the command's own valued options. */
    public static Set<String> withValued(String... own) {
        Set<String> s = new HashSet<>(VALUED);
        s.addAll(Set.of(own));
        return s;
    }

    /** {@link #FLAGS} plus the command's own flags. */
    public static Set<String> withFlags(String... own) {
        Set<String> s = new HashSet<>(FLAGS);
        s.addAll(Set.of(own));
        return s;
    }

    /** The download options the parsed hub options describe (the environment supplies the rest): the library's mapping. */
    public static HubDownloadOptions options(Args a) {
        return ModelFiles.hubOptions(loadOptions(a));
    }

    /**
     * A local model directory for {@code --model ID_OR_DIR}: an existing directory as is, otherwise a hub id
     * whose config, preprocessor config and weights are fetched (or found in the cache).
     *
     * @throws CliException with the hub client's one-line message
     */
    public static Path resolveModel(String idOrDir, Args a) {
        try {
            return HfHub.resolveModelDirectory(idOrDir, options(a));
        } catch (HfHubException e) {
            throw toCli(e);
        }
    }

    /** The --help lines of the hub options. */
    public static final String HELP = String.join("\n",
            "  --revision REV       hub revision (branch, tag, commit, refs/pr/N) when --model is a hub id",
            "  --token TOKEN        hub token (else HF_TOKEN, else the token file)",
            "  --cache-dir DIR      hub cache (default: the huggingface_hub cache)",
            "  --local-files-only   never touch the network; use the cache",
            "  --force-download     download again even if cached");

    /** {@link #VALUED} plus the command's own valued options. */
    public static Set<String> with(Set<String> own) {
        Set<String> s = new HashSet<>(VALUED);
        s.addAll(own);
        return s;
    }

    /** Load options (missing keys, hub settings) from the parsed options. */
    static LoadOptions loadOptions(Args a) {
        return LoadOptions.defaults()
                .allowMissingKeys(a.has("allow-missing-keys"))
                .revision(a.get("revision"))
                .token(a.get("token"))
                .cacheDir(a.has("cache-dir") ? Path.of(a.get("cache-dir")) : null)
                .localFilesOnly(a.has("local-files-only"))
                .forceDownload(a.has("force-download"));
    }

    /**
     * The local model directory for {@code --model}: the library's own resolution ({@link ModelFiles#resolve}):
     * a directory with a config.json, or a hub id fetched into (or found in) the cache.
     */
    static Path resolveModel(Args a) {
        String model = a.require("model");
        try {
            return ModelFiles.resolve(model, loadOptions(a));
        } catch (HfHubException e) {
            throw toCli(e);
        } catch (ConfigException | IllegalArgumentException e) {
            throw new CliException("--model " + e.getMessage());
        } catch (IOException e) {
            throw new CliException("--model " + model + ": " + e.getMessage(), 1);
        }
    }

    /** A hub error as a one-line CLI error (exit code 1: not a usage mistake). */
    public static CliException toCli(HfHubException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new CliException(m.lines().findFirst().orElse(m), 1);
    }
}
