package io.dpt4j.converters;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes safetensors files byte for byte as the reference crate (and so transformers'
 * {@code save_pretrained}) does: compact JSON header with {@code __metadata__} first, tensors laid
 * out by dtype (widest alignment first, the crate's order) then by name, header padded with spaces
 * to a multiple of 8. Writing goes to a temporary file in the same directory which is then moved
 * into place, so a failure never leaves a half-written file.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /**
     * Writes {@code tensors} (name -> data) and {@code metadata} (may be null or empty, then no
     * {@code __metadata__} key is written) to {@code file} atomically.
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        List<Map.Entry<String, TensorData>> order = layout(tensors);
        byte[] header = header(order, metadata);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = AtomicFiles.tempSibling(file); // the umask's mode, not createTempFile's 0600
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Map.Entry<String, TensorData> e : order) {
                    writeFully(ch, e.getValue().data().duplicate());
                }
                ch.force(true);
            }
            moveAtomically(tmp, file);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Moves {@code from} onto {@code to}, atomically where the file system allows it. */
    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** The crate's data order: dtype descending (its enum order), then name. */
    static List<Map.Entry<String, TensorData>> layout(Map<String, TensorData> tensors) {
        List<Map.Entry<String, TensorData>> order = new ArrayList<>(new TreeMap<>(tensors).entrySet());
        order.sort(Comparator.<Map.Entry<String, TensorData>>comparingInt(e -> -e.getValue().dtype().safetensorsLayoutRank())
                .thenComparing(Map.Entry::getKey));
        return order;
    }

    /** The header bytes (JSON plus space padding to a multiple of 8). */
    static byte[] header(List<Map.Entry<String, TensorData>> order, Map<String, String> metadata) {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        if (metadata != null && !metadata.isEmpty()) {
            sb.append("\"").append(ConverterConstants.SAFETENSORS_METADATA_KEY).append("\":{");
            boolean f = true;
            for (Map.Entry<String, String> m : new TreeMap<>(metadata).entrySet()) {
                if (!f) {
                    sb.append(',');
                }
                f = false;
                string(sb, m.getKey());
                sb.append(':');
                string(sb, m.getValue());
            }
            sb.append('}');
            first = false;
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> e : order) {
            if (e.getKey().equals(ConverterConstants.SAFETENSORS_METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor cannot be named " + ConverterConstants.SAFETENSORS_METADATA_KEY);
            }
            if (!first) {
                sb.append(',');
            }
            first = false;
            TensorData t = e.getValue();
            string(sb, e.getKey());
            sb.append(":{\"dtype\":\"").append(t.dtype().safetensorsName()).append("\",\"shape\":[");
            long[] shape = t.shape();
            for (int i = 0; i < shape.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(shape[i]);
            }
            long end = offset + t.byteSize();
            sb.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        sb.append('}');
        byte[] json = sb.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }

    /** A JSON string escaped as serde_json does (short escapes, lowercase \\u00xx, no other escaping). */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
