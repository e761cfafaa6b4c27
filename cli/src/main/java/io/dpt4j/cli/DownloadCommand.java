package io.dpt4j.cli;

import io.dpt4j.hub.HfHub;
import io.dpt4j.hub.HfHubException;
import io.dpt4j.hub.HubDownloadOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code ./dpt download REPO_ID [--revision REV] [--include GLOB]... [--exclude GLOB]... [--token TOKEN]
 * [--cache-dir DIR] [--local-files-only] [--force-download]}: downloads a snapshot into the Hugging Face cache
 * (shared with Python's huggingface_hub) and prints the snapshot directory as the last line of stdout.
 */
public final class DownloadCommand implements Command {
    private final Supplier<HfHub> hub;

    public DownloadCommand() {
        this(HfHub::create);
    }

    /** For tests: a client with its own environment. */
    DownloadCommand(Supplier<HfHub> hub) {
        this.hub = hub;
    }

    @Override
    public String name() {
        return "download";
    }

    @Override
    public String summary() {
        return "download a model snapshot from the Hugging Face Hub into the shared cache";
    }

    static final String USAGE = "usage: ./dpt download REPO_ID [--include GLOB]... [--exclude GLOB]... " + HubArgs.USAGE + "\n\n"
            + "Downloads the files of REPO_ID (e.g. Intel/dpt-large) at a branch, tag, commit or refs/pr/N into the\n"
            + "Hugging Face cache (HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), shared with\n"
            + "Python's huggingface_hub, and prints the snapshot directory as the last line.\n"
            + "  --include GLOB      only files matching GLOB (repeatable; '*' matches '/' too, 'dir/' a folder)\n"
            + "  --exclude GLOB      skip files matching GLOB (repeatable)\n"
            + "  --revision REV      branch, tag, commit hash or refs/pr/N (default: main)\n"
            + "  --token TOKEN       Hub token (default: HF_TOKEN, HUGGING_FACE_HUB_TOKEN, then the token file)\n"
            + "  --cache-dir DIR     cache root instead of the environment's\n"
            + "  --local-files-only  no request: use the cache only (like HF_HUB_OFFLINE=1)\n"
            + "  --force-download    download again even if cached\n"
            + "Environment: HF_ENDPOINT (mirror), HF_HUB_OFFLINE, HF_HUB_DISABLE_PROGRESS_BARS; see hub-client/README.md.";

    @Override
    public String help() {
        return USAGE;
    }

    @Override
    public int run(List<String> args) {
        Args a = Args.parse(name(), args, HubArgs.withValued("include", "exclude"), HubArgs.withFlags());
        if (a.positionals().size() != 1) {
            throw new CliException("expected exactly one REPO_ID (e.g. Intel/dpt-large), got " + a.positionals().size()
                    + "; run ./dpt download --help");
        }
        HubDownloadOptions o = HubArgs.options(a);
        if (!a.all("include").isEmpty()) {
            o = o.withAllowPatterns(a.all("include"));
        }
        if (!a.all("exclude").isEmpty()) {
            o = o.withIgnorePatterns(a.all("exclude"));
        }
        try {
            Path snapshot = hub.get().snapshotDownload(a.positionals().get(0), o);
            System.out.println(snapshot.toAbsolutePath());
            return 0;
        } catch (HfHubException e) {
            throw HubArgs.toCli(e);
        }
    }
}
