package io.dpt4j.converters;

import io.dpt4j.converters.CheckpointException.Kind;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code keys.json} of the reference data ({@code {name: [dtype, shape]}} in state-dict
 * order), the full key list of a real checkpoint, for key-coverage tests without multi-GB files.
 */
public final class KeysJson {
    private KeysJson() {}

    /** The entries in file order. */
    public static List<TensorInfo> read(Path file) throws CheckpointException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException(Kind.IO_ERROR, file, null, "cannot read: " + e.getMessage(), e);
        }
        JsonNode root = JsonSupport.parse(file, bytes, "keys.json");
        if (!root.isObject()) {
            throw new CheckpointException(Kind.INVALID_HEADER, file, null, "expected an object {name: [dtype, shape]}");
        }
        List<TensorInfo> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (!v.isArray() || v.size() != 2 || !v.get(0).isTextual() || !v.get(1).isArray()) {
                throw new CheckpointException(Kind.TENSOR_INVALID_INFO, file, e.getKey(), "expected [dtype, shape]");
            }
            DType dtype;
            try {
                dtype = DType.fromSafetensorsName(v.get(0).textValue());
            } catch (IllegalArgumentException ex) {
                throw new CheckpointException(Kind.TENSOR_INVALID_INFO, file, e.getKey(), ex.getMessage());
            }
            long[] shape = new long[v.get(1).size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = v.get(1).get(i);
                if (!d.canConvertToLong() || !d.isIntegralNumber() || d.longValue() < 0) {
                    throw new CheckpointException(Kind.TENSOR_INVALID_INFO, file, e.getKey(), "shape[" + i + "] must be a non-negative integer");
                }
                shape[i] = d.longValue();
            }
            out.add(new TensorInfo(e.getKey(), dtype, shape));
        }
        return out;
    }
}
