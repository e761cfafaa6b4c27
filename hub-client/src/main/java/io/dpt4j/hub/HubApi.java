package io.dpt4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The two JSON endpoints the downloads need (huggingface_hub's {@code HfApi.model_info} and
 * {@code list_repo_tree}): {@code GET /api/models/{repo}/revision/{rev}} and the recursive, paginated
 * {@code GET /api/models/{repo}/tree/{rev}}.
 */
final class HubApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HubHttp http;

    HubApi(HubHttp http) {
        this.http = http;
    }

    ModelInfo modelInfo(String repoId, String revision, HubHttp.Ctx ctx, boolean withBlobs) {
        return modelInfo(repoId, revision, ctx, withBlobs, true);
    }

    /** @param retry false for a single quick try (the caller falls back to the cache on failure) */
    ModelInfo modelInfo(String repoId, String revision, HubHttp.Ctx ctx, boolean withBlobs, boolean retry) {
        String url = HubPaths.modelInfoUrl(ctx.endpoint(), repoId, revision) + (withBlobs ? "?blobs=true" : "");
        HubHttp.Attempt<JsonNode> get = () -> getJson(HubHttp.parse(url), ctx).json;
        JsonNode root = retry ? http.withRetries(get, ctx, "get the model info") : http.once(get, ctx, "get the model info");
        List<String> siblings = new ArrayList<>();
        for (JsonNode s : root.path("siblings")) {
            if (s.hasNonNull("rfilename")) {
                siblings.add(s.get("rfilename").asText());
            }
        }
        String sha = root.hasNonNull("sha") ? root.get("sha").asText() : null;
        if (sha == null || !HubPaths.isCommitHash(sha)) {
            throw new HfHubException("The model info of " + HfHubException.where(repoId, null, revision) + " from "
                    + ctx.endpoint() + " has no commit hash ('sha'): is HF_ENDPOINT a Hub?");
        }
        JsonNode gated = root.get("gated");
        return new ModelInfo(root.path("id").asText(repoId), sha, List.copyOf(siblings), root.path("private").asBoolean(false),
                gated == null || gated.isNull() ? "false" : gated.asText(), root);
    }

    /**
     * Every file of the repo at {@code revision} (folders left out), following {@code Link: rel="next"}
     * pages. Falls back to the model info's siblings (with {@code blobs=true}) for a Hub or mirror
     * without the tree endpoint.
     */
    Map<String, RepoFile> listRepoTree(String repoId, String revision, HubHttp.Ctx ctx) {
        try {
            Map<String, RepoFile> out = new LinkedHashMap<>();
            String next = HubPaths.treeUrl(ctx.endpoint(), repoId, revision);
            while (next != null) {
                String page = next;
                Page p = http.withRetries(() -> getJson(HubHttp.parse(page), ctx), ctx, "list the repo files");
                if (!p.json.isArray()) {
                    throw new HfHubException("Unexpected answer listing the files of " + HfHubException.where(repoId, null,
                            revision) + ": not a JSON array");
                }
                for (JsonNode e : p.json) {
                    if (!"file".equals(e.path("type").asText())) {
                        continue;
                    }
                    RepoFile f = repoFile(e.path("path").asText(), e, "oid", e.get("lfs"), "oid");
                    out.put(f.path(), f);
                }
                next = p.next == null ? null : HubHttp.parse(page).resolve(p.next) == null ? null
                        : HubHttp.parse(page).resolve(p.next).toString();
            }
            return out;
        } catch (HubHttpException e) {
            if (e instanceof RepositoryNotFoundException || e instanceof RevisionNotFoundException
                    || e instanceof GatedRepoException || e instanceof InvalidTokenException) {
                throw e;
            }
            return fromSiblings(repoId, revision, ctx);
        }
    }

    private Map<String, RepoFile> fromSiblings(String repoId, String revision, HubHttp.Ctx ctx) {
        ModelInfo info = modelInfo(repoId, revision, ctx, true);
        Map<String, RepoFile> out = new LinkedHashMap<>();
        for (JsonNode s : info.raw().path("siblings")) {
            String name = s.path("rfilename").asText();
            out.put(name, repoFile(name, s, "blobId", s.get("lfs"), "sha256"));
        }
        return out;
    }

    private static RepoFile repoFile(String path, JsonNode e, String blobField, JsonNode lfs, String lfsShaField) {
        String sha = lfs != null && lfs.hasNonNull(lfsShaField) ? lfs.get(lfsShaField).asText() : null;
        Long lfsSize = lfs != null && lfs.hasNonNull("size") ? lfs.get("size").asLong() : null;
        String xet = e.hasNonNull("xetHash") ? e.get("xetHash").asText() : null;
        long size = e.hasNonNull("size") ? e.get("size").asLong() : lfsSize != null ? lfsSize : -1;
        return new RepoFile(path, size, e.hasNonNull(blobField) ? e.get(blobField).asText() : null, sha, lfsSize, xet);
    }

    private record Page(JsonNode json, String next) {}

    private Page getJson(HttpUrl url, HubHttp.Ctx ctx) throws IOException {
        try (Response r = http.getFollowingAll(url, ctx, null)) {
            if (r.code() != 200) {
                throw new IOException("unexpected HTTP " + r.code() + " from " + url.host());
            }
            ResponseBody body = r.body();
            JsonNode json = JSON.readTree(body.byteStream());
            return new Page(json, HubHeaders.nextPageUrl(r.header(HubConstants.HEADER_LINK)));
        }
    }
}
