package io.dpt4j.hub;

/** The file does not exist in the repository at that revision (X-Error-Code EntryNotFound). */
public class EntryNotFoundException extends HubHttpException {
    public EntryNotFoundException(String message, int statusCode, String errorCode) {
        super(message, statusCode, errorCode);
    }

    private String repoCommit;

    /** The commit the Hub resolved the revision to ({@code X-Repo-Commit} of the 404), or null. */
    public String repoCommit() {
        return repoCommit;
    }

    EntryNotFoundException withRepoCommit(String commit) {
        this.repoCommit = commit;
        return this;
    }
}
