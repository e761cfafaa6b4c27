package io.dpt4j.converters;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint that cannot be read: malformed, truncated, hostile or missing a tensor. The message
 * is one line naming the file, the tensor or key when there is one, and what was expected.
 */
public class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String key;

    /**
     * @param file the file being read (may be null when there is none)
     * @param key the tensor name or key concerned (may be null)
     * @param problem what is wrong and what was expected
     */
    public CheckpointException(Path file, String key, String problem) {
        this(file, key, problem, null);
    }

    public CheckpointException(Path file, String key, String problem, Throwable cause) {
        this(file, "tensor", key, problem, cause);
    }

    /**
     * @param label what the key is ("tensor", "entry", "key", ...), printed before it
     */
    public CheckpointException(Path file, String label, String key, String problem, Throwable cause) {
        super(format(file, label, key, problem), cause);
        this.file = file;
        this.key = key;
    }

    /** An error about a named entry of a container (zip record, pickle) rather than a tensor. */
    public static CheckpointException entry(Path file, String entry, String problem) {
        return new CheckpointException(file, "entry", entry, problem, null);
    }

    /** The file concerned, or null. */
    public Path file() {
        return file;
    }

    /** The tensor name or key concerned, or null. */
    public String key() {
        return key;
    }

    static String format(Path file, String label, String key, String problem) {
        StringBuilder sb = new StringBuilder();
        if (file != null) {
            sb.append(file).append(": ");
        }
        if (key != null) {
            sb.append(label).append(" '").append(oneLine(key)).append("': ");
        }
        sb.append(oneLine(problem));
        return sb.toString();
    }

    /** Keeps messages on one line even when a hostile file puts newlines in names. */
    static String oneLine(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 300));
        for (int i = 0; i < s.length(); i++) {
            if (sb.length() >= 300) {
                sb.append("...");
                break;
            }
            char c = s.charAt(i);
            if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
