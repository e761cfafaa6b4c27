package io.dpt4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The per-commit file listing cache {@code <repo folder>/trees/<commit>.json}, in huggingface_hub's
 * format (version 1), so that either client can tell whether a cached snapshot is complete:
 *
 * <pre>{@code
 * {"format_version": 1, "files": {"config.json": {"size": 519, "blob_id": "<sha1>"},
 *   "model.safetensors": {"size": 9, "blob_id": "<sha1>", "lfs_sha256": "<sha256>", "lfs_size": 9}}}
 * }</pre>
 *
 * A commit never changes, so a listing is never invalidated. Unknown versions or unreadable files read
 * as "not cached".
 */
public final class TreeCache {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern XET_HASH = Pattern.compile("^[0-9a-fA-F]{64}$");

    private TreeCache() {}

    static Path path(Path storageFolder, String commit) {
        return storageFolder.resolve(HubConstants.TREES_DIR).resolve(commit + ".json");
    }

    /** The cached listing of {@code commit} (path to file), or null when absent, invalid or of another version. */
    public static Map<String, RepoFile> read(Path storageFolder, String commit) {
        Path p = path(storageFolder, commit);
        try {
            JsonNode root = JSON.readTree(Files.readString(p, StandardCharsets.UTF_8));
            if (root == null || !root.path("format_version").isInt()
                    || root.get("format_version").intValue() != HubConstants.TREE_CACHE_FORMAT_VERSION) {
                return null;
            }
            JsonNode files = root.get("files");
            if (files == null || !files.isObject()) {
                return null;
            }
            Map<String, RepoFile> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode f = e.getValue();
                if (!f.path("size").canConvertToLong() || !f.path("blob_id").isTextual()) {
                    return null;
                }
                String xet = text(f, "xet_hash");
                if (xet != null && !XET_HASH.matcher(xet).matches()) {
                    return null; // huggingface_hub ignores listings with redacted Xet hashes
                }
                out.put(e.getKey(), new RepoFile(e.getKey(), f.get("size").longValue(), f.get("blob_id").textValue(),
                        text(f, "lfs_sha256"), f.hasNonNull("lfs_size") ? f.get("lfs_size").longValue() : null, xet));
            }
            return out;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Writes the listing atomically (temp file in {@code trees/}, then rename); failures are ignored. */
    public static void write(Path storageFolder, String commit, Map<String, RepoFile> files) {
        for (RepoFile f : files.values()) {
            if (f.xetHash() != null && !XET_HASH.matcher(f.xetHash()).matches()) {
                return;
            }
        }
        Path p = path(storageFolder, commit);
        Path tmp = null;
        try {
            Files.createDirectories(p.getParent());
            tmp = Files.createTempFile(p.getParent(), "tmp", ".tmp");
            Files.writeString(tmp, toJson(files), StandardCharsets.UTF_8);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            System.getLogger(TreeCache.class.getName()).log(System.Logger.Level.DEBUG, "cannot write " + p + ": " + e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    /** The JSON text, laid out as Python's {@code json.dump(data, f, indent=1)} lays it out. */
    static String toJson(Map<String, RepoFile> files) {
        StringBuilder sb = new StringBuilder("{\n \"format_version\": ").append(HubConstants.TREE_CACHE_FORMAT_VERSION)
                .append(",\n \"files\": {");
        Map<String, RepoFile> sorted = new TreeMap<>(files);
        boolean first = true;
        for (Map.Entry<String, RepoFile> e : sorted.entrySet()) {
            RepoFile f = e.getValue();
            sb.append(first ? "\n" : ",\n").append("  ").append(quote(e.getKey())).append(": {\n");
            sb.append("   \"size\": ").append(f.size()).append(",\n   \"blob_id\": ").append(quote(f.blobId()));
            if (f.lfsSha256() != null) {
                sb.append(",\n   \"lfs_sha256\": ").append(quote(f.lfsSha256()));
                sb.append(",\n   \"lfs_size\": ").append(f.lfsSize() == null ? "null" : f.lfsSize().toString());
            }
            if (f.xetHash() != null) {
                sb.append(",\n   \"xet_hash\": ").append(quote(f.xetHash()));
            }
            sb.append("\n  }");
            first = false;
        }
        sb.append(first ? "}" : "\n }").append("\n}");
        return sb.toString();
    }

    /** A JSON string with Python's default {@code ensure_ascii=True} escaping. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
