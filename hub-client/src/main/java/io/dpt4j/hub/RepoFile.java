package io.dpt4j.hub;

/**
 * One file of a repo at a commit, as the Hub's {@code /tree} listing describes it (and as
 * {@code trees/<commit>.json} stores it).
 *
 * @param path path in the repo ({@code /}-separated)
 * @param size size in bytes
 * @param blobId git blob id (sha1 of the git object; for LFS files the pointer's)
 * @param lfsSha256 sha256 of the content for LFS files, else null (the blob name in the cache)
 * @param lfsSize size of the LFS content, else null
 * @param xetHash Xet content hash, else null (kept only so the tree cache round-trips)
 */
public record RepoFile(String path, long size, String blobId, String lfsSha256, Long lfsSize, String xetHash) {
    /** The name of this file's blob in the cache: the LFS sha256, else the git blob id. */
    public String etag() {
        return lfsSha256 != null ? lfsSha256 : blobId;
    }
}
