package io.dpt4j.hub;

/**
 * Base of every error of the hub client. Messages are one line, name the repo, the file and the revision
 * involved and say what to do; they never contain a token.
 */
public class HfHubException extends RuntimeException {
    public HfHubException(String message) {
        super(message);
    }

    public HfHubException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "'file' of 'repo' at revision 'rev'" (parts that are null are left out). */
    static String where(String repoId, String filename, String revision) {
        StringBuilder sb = new StringBuilder();
        if (filename != null) {
            sb.append("'").append(filename).append("' of ");
        }
        sb.append("'").append(repoId).append("'");
        if (revision != null) {
            sb.append(" at revision '").append(revision).append("'");
        }
        return sb.toString();
    }
}
