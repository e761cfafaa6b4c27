package io.dpt4j.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code snapshot_download} into the shared cache (huggingface_hub's {@code _snapshot_download.py}): resolves
 * the revision to a commit (no request for a full commit hash), lists the commit's files once and keeps the
 * listing as {@code trees/<commit>.json}, then fetches the files that are missing. Offline, a cached
 * snapshot is returned only if that listing shows it complete.
 */
final class SnapshotDownload {
    private final HubHttp http;
    private final HubApi api;
    private final FileDownload files;

    SnapshotDownload(HubHttp http, HubApi api, FileDownload files) {
        this.http = http;
        this.api = api;
        this.files = files;
    }

    Path download(String repoId, String revision, Path cacheDir, String token, String endpoint, boolean localFilesOnly,
            boolean force, List<String> allow, List<String> ignore, ProgressListener progress) {
        HubPaths.validateRepoId(repoId);
        HubPaths.validateRevision(revision);
        CacheLayout layout = new CacheLayout(cacheDir, repoId);
        HubHttp.Ctx ctx = new HubHttp.Ctx(repoId, null, revision, endpoint, token);
        boolean localOnly = localFilesOnly || http.offline();

        String commit = HubPaths.isCommitHash(revision) ? revision : null;
        HfHubException apiError = null;
        if (commit == null && !localOnly) {
            try {
                commit = api.modelInfo(repoId, revision, ctx, false, false).sha();
            } catch (RevisionNotFoundException e) {
                throw e;
            } catch (HfHubException e) {
                apiError = e;
            }
        }

        if (commit == null || localOnly) {
            String known = commit != null ? commit : layout.readRef(revision);
            if (known != null) {
                Path snap = layout.snapshot(known);
                if (Files.isDirectory(snap)) {
                    raiseIfIncomplete(layout, known, snap, allow, ignore, repoId, revision, apiError);
                    return snap;
                }
            }
            if (!localOnly && isRetryable(apiError)) {
                try {
                    commit = api.modelInfo(repoId, revision, ctx, false, true).sha();
                    apiError = null;
                } catch (RevisionNotFoundException e) {
                    throw e;
                } catch (HfHubException e) {
                    apiError = e;
                }
            }
            if (commit == null || localOnly) {
                String where = HfHubException.where(repoId, null, revision);
                if (localOnly) {
                    throw new LocalEntryNotFoundException("Cannot find a cached snapshot of " + where + " in " + layout.cacheDir
                            + " and outgoing traffic is disabled (HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE or local files only):"
                            + " download it once online, or unset HF_HUB_OFFLINE");
                }
                if (apiError instanceof RepositoryNotFoundException || apiError instanceof GatedRepoException
                        || apiError instanceof InvalidTokenException) {
                    throw apiError;
                }
                throw new LocalEntryNotFoundException("Cannot reach " + endpoint + " for " + where + " (" + apiError.getMessage()
                        + ") and no snapshot of it is cached in " + layout.cacheDir + ": check your connection and try again",
                        apiError);
            }
        }

        Map<String, RepoFile> tree = TreeCache.read(layout.storage, commit);
        if (tree == null) {
            tree = api.listRepoTree(repoId, commit, ctx);
            if (tree.values().stream().allMatch(f -> f.blobId() != null && f.size() >= 0)) {
                TreeCache.write(layout.storage, commit, tree);
            }
        }
        List<String> wanted = HubPaths.filterRepoObjects(tree.keySet(), allow, ignore);
        try {
            Files.createDirectories(layout.snapshot(commit));
            layout.writeRef(revision, commit);
        } catch (IOException e) {
            throw new HfHubException("Cannot write the snapshot of " + HfHubException.where(repoId, null, revision)
                    + " into the cache " + cacheDir + ": " + e + "; check that it is writable", e);
        }
        for (String f : wanted) {
            files.download(repoId, f, commit, cacheDir, token, endpoint, false, force, progress);
        }
        return layout.snapshot(commit);
    }

    private static boolean isRetryable(HfHubException e) {
        if (e instanceof HubConnectionException) {
            return !HubHttp.isUnreachable(e);
        }
        return e instanceof HubHttpException h && HubConstants.RETRY_STATUS_CODES.contains(h.statusCode());
    }

    /** Throws when the cached listing of {@code commit} names wanted files missing from {@code snap}. */
    static void raiseIfIncomplete(CacheLayout layout, String commit, Path snap, List<String> allow, List<String> ignore,
            String repoId, String revision, HfHubException apiError) {
        Map<String, RepoFile> tree = TreeCache.read(layout.storage, commit);
        if (tree == null) {
            return; // cannot tell: the folder is returned as is (huggingface_hub does the same)
        }
        List<String> missing = HubPaths.filterRepoObjects(tree.keySet(), allow, ignore).stream()
                .filter(p -> !Files.exists(snap.resolve(p))).toList();
        if (missing.isEmpty()) {
            return;
        }
        String sample = String.join(", ", missing.subList(0, Math.min(3, missing.size())))
                + (missing.size() > 3 ? ", ... (" + (missing.size() - 3) + " more)" : "");
        String reason = apiError != null ? "the Hub could not be reached (" + apiError.getMessage() + ")"
                : "outgoing traffic is disabled (HF_HUB_OFFLINE or local files only)";
        throw new IncompleteSnapshotException("The cached snapshot of '" + repoId + "' (revision '" + revision + "', commit "
                + commit + ") is incomplete: " + missing.size() + " file(s) missing (" + sample + ") and " + reason
                + ": re-run the download with network access to complete it", snap, apiError);
    }
}
