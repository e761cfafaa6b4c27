package io.dpt4j.hub;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Pure functions on repo ids, revisions, repo paths and URLs: repo folder naming, URL building with
 * huggingface_hub's percent-encoding, validation against path traversal, and allow/ignore patterns.
 */
public final class HubPaths {
    private HubPaths() {}

    private static final Pattern COMMIT_HASH = Pattern.compile("^[0-9a-f]{40}$");
    private static final Pattern REPO_ID = Pattern.compile("^(\\b[\\w\\-.]+\\b/)?\\b[\\w\\-.]{1,96}\\b$");
    private static final Pattern HEX64 = Pattern.compile("^[0-9a-f]{64}$");
    private static final Pattern HEX40 = Pattern.compile("^[0-9a-f]{40}$");

    /** True for a full 40-hex commit hash (the only revision form that is immutable). */
    public static boolean isCommitHash(String revision) {
        return revision != null && COMMIT_HASH.matcher(revision).matches();
    }

    /** True for a sha256 in hex (LFS etags). */
    public static boolean isSha256(String s) {
        return s != null && HEX64.matcher(s).matches();
    }

    /** True for a sha1 in hex (git blob ids, the etag of a small file). */
    public static boolean isSha1(String s) {
        return s != null && HEX40.matcher(s).matches();
    }

    /** {@code models--org--name} for {@code org/name} (every {@code /} becomes {@code --}). */
    public static String repoFolderName(String repoId, String repoType) {
        return repoType + "s" + HubConstants.REPO_ID_SEPARATOR + repoId.replace("/", HubConstants.REPO_ID_SEPARATOR);
    }

    /** Throws IllegalArgumentException naming the problem when {@code repoId} is not {@code name} or {@code org/name}. */
    public static void validateRepoId(String repoId) {
        if (repoId == null || repoId.isEmpty()) {
            throw new IllegalArgumentException("repo id is empty; expected 'org/name', e.g. 'Intel/dpt-large'");
        }
        if (repoId.chars().filter(c -> c == '/').count() > 1 || !REPO_ID.matcher(repoId).matches()
                || repoId.contains("--") || repoId.contains("..") || repoId.endsWith(".git")) {
            throw new IllegalArgumentException("invalid repo id '" + repoId + "': expected 'org/name' made of letters,"
                    + " digits, '-', '_' and '.', without '--' or '..' and not ending in '.git' (e.g. 'Intel/dpt-large')");
        }
    }

    /** Throws IllegalArgumentException when a revision could escape {@code refs/} or is empty. */
    public static void validateRevision(String revision) {
        if (revision == null || revision.isEmpty()) {
            throw new IllegalArgumentException("revision is empty; use a branch, tag, commit or 'refs/pr/N'");
        }
        if (revision.startsWith("/") || revision.endsWith("/") || revision.contains("\\") || revision.contains("\0")) {
            throw new IllegalArgumentException("invalid revision '" + revision + "'");
        }
        for (String part : revision.split("/")) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("invalid revision '" + revision + "': no empty, '.' or '..' parts");
            }
        }
    }

    /**
     * Throws IllegalArgumentException when a repo file name is not a safe relative POSIX path (absolute,
     * drive or UNC paths, backslashes, {@code ..} or empty parts would escape the snapshot folder).
     */
    public static void validateRelativeFilename(String filename) {
        if (filename == null || filename.isEmpty()) {
            throw new IllegalArgumentException("file name is empty");
        }
        if (filename.startsWith("/") || filename.contains("\\") || filename.contains("\0")
                || (filename.length() >= 2 && filename.charAt(1) == ':')) {
            throw new IllegalArgumentException("invalid file name '" + filename + "': must be a relative path inside the repo");
        }
        for (String part : filename.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("invalid file name '" + filename + "': no empty, '.' or '..' parts");
            }
        }
    }

    /** {@code subfolder/filename}, or {@code filename} when subfolder is null or empty. */
    public static String joinSubfolder(String subfolder, String filename) {
        if (subfolder == null || subfolder.isEmpty()) {
            return filename;
        }
        String s = subfolder.endsWith("/") ? subfolder.substring(0, subfolder.length() - 1) : subfolder;
        return s + "/" + filename;
    }

    /**
     * Percent-encodes like Python's {@code urllib.parse.quote}: letters, digits, {@code _.-~} and the
     * characters in {@code safe} are kept, every other UTF-8 byte becomes {@code %XX}.
     */
    public static String quote(String s, String safe) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == '-' || c == '~' || (c < 128 && safe.indexOf(c) >= 0)) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    /** {@code {endpoint}/{repo}/resolve/{quote(revision, "")}/{quote(path, "/")}}. */
    public static String resolveUrl(String endpoint, String repoId, String revision, String path) {
        return stripSlash(endpoint) + "/" + repoId + "/resolve/" + quote(revision, "") + "/" + quote(path, "/");
    }

    /** {@code {endpoint}/api/models/{repo}/revision/{quote(revision, "")}}. */
    public static String modelInfoUrl(String endpoint, String repoId, String revision) {
        return stripSlash(endpoint) + "/api/models/" + repoId + "/revision/" + quote(revision, "");
    }

    /** {@code {endpoint}/api/models/{repo}/tree/{quote(revision, "")}?recursive=true&expand=false}. */
    public static String treeUrl(String endpoint, String repoId, String revision) {
        return stripSlash(endpoint) + "/api/models/" + repoId + "/tree/" + quote(revision, "") + "?recursive=true&expand=false";
    }

    static String stripSlash(String endpoint) {
        String e = endpoint;
        while (e.endsWith("/")) {
            e = e.substring(0, e.length() - 1);
        }
        return e;
    }

    /**
     * Python's {@code fnmatch.fnmatchcase}: {@code *} matches anything (slashes included), {@code ?} one
     * character, {@code [seq]} / {@code [!seq]} a set; case-sensitive.
     */
    public static boolean fnmatch(String name, String pattern) {
        return Pattern.compile(fnmatchToRegex(pattern), Pattern.DOTALL).matcher(name).matches();
    }

    static String fnmatchToRegex(String pat) {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        int n = pat.length();
        while (i < n) {
            char c = pat.charAt(i++);
            if (c == '*') {
                sb.append(".*");
            } else if (c == '?') {
                sb.append('.');
            } else if (c == '[') {
                int j = i;
                if (j < n && pat.charAt(j) == '!') {
                    j++;
                }
                if (j < n && pat.charAt(j) == ']') {
                    j++;
                }
                while (j < n && pat.charAt(j) != ']') {
                    j++;
                }
                if (j >= n) {
                    sb.append("\\[");
                } else {
                    String stuff = pat.substring(i, j);
                    i = j + 1;
                    boolean negate = stuff.startsWith("!");
                    if (negate) {
                        stuff = stuff.substring(1);
                    }
                    StringBuilder set = new StringBuilder();
                    for (char s : stuff.toCharArray()) {
                        if (s == '\\' || s == '[' || s == ']' || s == '&' || s == '^') {
                            set.append('\\');
                        }
                        set.append(s);
                    }
                    sb.append('[').append(negate ? "^" : "").append(set).append(']');
                }
            } else {
                sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return sb.toString();
    }

    /**
     * huggingface_hub's {@code filter_repo_objects}: keeps the paths matching at least one allow pattern
     * (all when {@code allow} is null) and none of the ignore patterns; a pattern ending in {@code /}
     * means everything below that folder.
     */
    public static List<String> filterRepoObjects(Collection<String> paths, List<String> allow, List<String> ignore) {
        List<String> a = allow == null ? null : allow.stream().map(HubPaths::addWildcardToDirectories).toList();
        List<String> ig = ignore == null ? null : ignore.stream().map(HubPaths::addWildcardToDirectories).toList();
        List<String> out = new ArrayList<>();
        for (String p : paths) {
            if (a != null && a.stream().noneMatch(pat -> fnmatch(p, pat))) {
                continue;
            }
            if (ig != null && ig.stream().anyMatch(pat -> fnmatch(p, pat))) {
                continue;
            }
            out.add(p);
        }
        return out;
    }

    private static String addWildcardToDirectories(String pattern) {
        String p = pattern.replace('\\', '/');
        return p.endsWith("/") ? p + "*" : p;
    }
}
