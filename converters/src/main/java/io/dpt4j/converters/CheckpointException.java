package io.dpt4j.converters;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint that cannot be read: malformed, truncated, hostile or missing a tensor. The message
 * is one line naming the file, the tensor or key when there is one, and what was expected; {@link #kind()}
 * names the failure the way the safetensors crate's {@code SafeTensorError} does, so that callers and
 * tests match on the kind rather than on the text.
 */
public class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Every way reading a checkpoint fails. The safetensors ones carry the crate's names
     * ({@code HeaderTooSmall}, {@code HeaderTooLarge}, {@code InvalidHeaderLength}, {@code InvalidHeader},
     * {@code InvalidHeaderDeserialization}, {@code TensorInvalidInfo}, {@code InvalidOffset},
     * {@code MetadataIncompleteBuffer}, {@code ValidationOverflow}, {@code TensorNotFound}, {@code IoError});
     * the rest cover sharded indexes, torch zip archives and pickles. (The crate's {@code MisalignedSlice} has
     * no counterpart: there is no slicing API here.)
     */
    public enum Kind {
        /** The file, directory or weights file is not there. */
        NOT_FOUND,
        /** The operating system could not open, read, map or close the file. */
        IO_ERROR,
        /** The reader was used after {@code close()}. */
        CLOSED,
        /** The file is not a checkpoint format this reader knows (e.g. a pickle without torch's magic number). */
        UNKNOWN_FORMAT,
        /** safetensors: shorter than the 8-byte header length. */
        HEADER_TOO_SMALL,
        /** safetensors: the header length exceeds the limit ({@link ConverterConstants#SAFETENSORS_MAX_HEADER}). */
        HEADER_TOO_LARGE,
        /** safetensors: the header length runs past the end of the file. */
        INVALID_HEADER_LENGTH,
        /** The header (or index, keys file) is JSON of the wrong shape, or not UTF-8. */
        INVALID_HEADER,
        /** The header (or index, keys file) is not well-formed JSON. */
        INVALID_HEADER_DESERIALIZATION,
        /** A tensor's dtype, shape or data_offsets are missing, malformed, or disagree with each other. */
        TENSOR_INVALID_INFO,
        /** data_offsets overlap, leave a hole, end before they begin, or point outside the file. */
        INVALID_OFFSET,
        /** The data does not match what the header or storage records describe (bytes left over or missing). */
        METADATA_INCOMPLETE_BUFFER,
        /** Sizes or offsets overflow 64-bit arithmetic. */
        VALIDATION_OVERFLOW,
        /** No tensor of that name. */
        TENSOR_NOT_FOUND,
        /** Two shards hold the same tensor. */
        DUPLICATE_TENSOR,
        /** A sharded checkpoint's index is malformed or disagrees with its shards. */
        INVALID_INDEX,
        /** A shard or archive entry name points outside its directory (absolute, {@code ..}). */
        UNSAFE_PATH,
        /** A torch zip archive is truncated or corrupt. */
        INVALID_ARCHIVE,
        /** A torch storage record is missing, listed twice, or unused. */
        INVALID_STORAGE,
        /** A torch tensor's view (offset, size, stride) does not fit its storage. */
        INVALID_TENSOR_VIEW,
        /** A pickle is malformed, truncated, or not a state dict. */
        INVALID_PICKLE,
        /** A pickle asks for a global or opcode a state dict never needs; refused before anything runs. */
        UNSAFE_PICKLE,
        /** A valid file this reader does not handle (compressed or encrypted entries, tensors over 2 GiB in one buffer). */
        UNSUPPORTED
    }

    private final Kind kind;
    private final transient Path file;
    private final String key;

    /**
     * @param kind which failure this is
     * @param file the file being read (may be null when there is none)
     * @param key the tensor name or key concerned (may be null)
     * @param problem what is wrong and what was expected
     */
    public CheckpointException(Kind kind, Path file, String key, String problem) {
        this(kind, file, key, problem, null);
    }

    public CheckpointException(Kind kind, Path file, String key, String problem, Throwable cause) {
        this(kind, file, "tensor", key, problem, cause);
    }

    /**
     * @param label what the key is ("tensor", "entry", "key", ...), printed before it
     */
    public CheckpointException(Kind kind, Path file, String label, String key, String problem, Throwable cause) {
        super(format(file, label, key, problem), cause);
        this.kind = kind;
        this.file = file;
        this.key = key;
    }

    /** An error about a named entry of a container (zip record, pickle) rather than a tensor. */
    public static CheckpointException entry(Kind kind, Path file, String entry, String problem) {
        return new CheckpointException(kind, file, "entry", entry, problem, null);
    }

    /** Which failure this is. */
    public Kind kind() {
        return kind;
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
