package io.dpt4j.core.processing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test-only helpers: classpath resources, a minimal safetensors reader, hashing. */
final class TestData {
    static final ObjectMapper JSON = new ObjectMapper();

    private TestData() {}

    static Path resource(String name) {
        try {
            java.net.URL u = TestData.class.getResource("/" + name);
            if (u == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return Path.of(u.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] bytes(String name) {
        try (InputStream in = TestData.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String name) {
        try {
            return JSON.readTree(bytes(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One tensor of a safetensors file. */
    record Tensor(String dtype, long[] shape, byte[] data) {
        float[] floats() {
            float[] f = new float[data.length / 4];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            return f;
        }

        long[] longs() {
            long[] l = new long[data.length / 8];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(l);
            return l;
        }
    }

    static Map<String, Tensor> safetensors(String name) {
        byte[] b = bytes(name);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header;
        try {
            header = JSON.readTree(new String(b, 8, (int) n, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = header.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode v = e.getValue();
            long[] shape = new long[v.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = v.get("shape").get(i).asLong();
            }
            int start = (int) (8 + n + v.get("data_offsets").get(0).asLong());
            int end = (int) (8 + n + v.get("data_offsets").get(1).asLong());
            byte[] data = new byte[end - start];
            System.arraycopy(b, start, data, 0, data.length);
            out.put(e.getKey(), new Tensor(v.get("dtype").asText(), shape, data));
        }
        return out;
    }

    static byte[] le(float[] f) {
        ByteBuffer bb = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(f);
        return bb.array();
    }

    static byte[] le(long[] l) {
        ByteBuffer bb = ByteBuffer.allocate(l.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        bb.asLongBuffer().put(l);
        return bb.array();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
