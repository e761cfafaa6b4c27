package io.dpt4j.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What {@code GET /api/models/{repo}/revision/{revision}} says about a model repo.
 *
 * @param id the repo id (after renames, the new one)
 * @param sha the commit hash the revision resolved to
 * @param siblings the file names in the repo at that commit
 * @param privateRepo whether the repo is private
 * @param gated {@code "false"}, {@code "auto"} or {@code "manual"}
 * @param raw the whole JSON answer, for fields not mapped here
 */
public record ModelInfo(String id, String sha, List<String> siblings, boolean privateRepo, String gated, JsonNode raw) {}
