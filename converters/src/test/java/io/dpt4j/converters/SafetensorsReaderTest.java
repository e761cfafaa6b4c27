package io.dpt4j.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafetensorsReaderTest {
    @TempDir
    Path dir;

    private static final String A = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    @Test
    void allDtypesDecodeLikeTheManifest() throws Exception {
        JsonNode expected = new ObjectMapper().readTree(TestFiles.class.getResourceAsStream("/weights/st-dtypes/expected.json"));
        for (String file : List.of("all-dtypes.safetensors", "f8-dtypes.safetensors")) {
            JsonNode tensors = expected.get(file);
            try (TensorReader r = Checkpoints.open(TestFiles.resourceDir("st-dtypes").resolve(file))) {
                assertEquals(Map.of("format", "pt"), r.metadata());
                for (var it = tensors.fields(); it.hasNext();) {
                    var e = it.next();
                    String name = e.getKey();
                    TensorInfo info = r.info(name);
                    assertEquals(e.getValue().get("dtype").asText(), info.dtype().safetensorsName(), name);
                    List<JsonNode> values = flatten(e.getValue().get("values"));
                    assertEquals(values.size(), info.numel(), name);
                    ByteBuffer raw = r.bytes(name);
                    assertTrue(raw.isReadOnly());
                    float[] f = r.floats(name);
                    for (int i = 0; i < values.size(); i++) {
                        check(name, info.dtype(), raw, i, values.get(i), f[i]);
                    }
                }
            }
        }
    }

    private static List<JsonNode> flatten(JsonNode n) {
        List<JsonNode> out = new java.util.ArrayList<>();
        if (n.isArray()) {
            n.forEach(c -> out.addAll(flatten(c)));
        } else {
            out.add(n);
        }
        return out;
    }

    private static void check(String name, DType dt, ByteBuffer raw, int i, JsonNode v, float asFloat) {
        String where = name + "[" + i + "]";
        switch (dt) {
            case U64: {
                BigInteger got = new BigInteger(Long.toUnsignedString(raw.getLong(8 * i)));
                assertEquals(v.bigIntegerValue(), got, where);
                assertEquals(new java.math.BigDecimal(v.bigIntegerValue()).floatValue(), asFloat, where);
                return;
            }
            case I64:
                assertEquals(v.longValue(), raw.getLong(8 * i), where);
                assertEquals((float) v.longValue(), asFloat, where);
                return;
            case U32: assertEquals(v.longValue(), raw.getInt(4 * i) & 0xffffffffL, where); return;
            case I32: assertEquals(v.intValue(), raw.getInt(4 * i), where); return;
            case U16: assertEquals(v.intValue(), raw.getShort(2 * i) & 0xffff, where); assertEquals(v.intValue(), asFloat); return;
            case I16: assertEquals(v.intValue(), raw.getShort(2 * i), where); assertEquals(v.intValue(), asFloat); return;
            case U8: assertEquals(v.intValue(), raw.get(i) & 0xff, where); assertEquals(v.intValue(), asFloat); return;
            case I8: assertEquals(v.intValue(), raw.get(i), where); assertEquals(v.intValue(), asFloat); return;
            case BOOL: assertEquals(v.booleanValue() ? 1f : 0f, asFloat, where); return;
            case F64: {
                double want = number(v);
                double got = raw.getDouble(8 * i);
                assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(got), where);
                assertEquals(Float.floatToIntBits((float) want), Float.floatToIntBits(asFloat), where);
                return;
            }
            default: {
                float want = (float) number(v);
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(asFloat), where + " " + want + " vs " + asFloat);
            }
        }
    }

    private static double number(JsonNode v) {
        if (v.isTextual()) {
            switch (v.asText()) {
                case "nan": return Double.NaN;
                case "inf": return Double.POSITIVE_INFINITY;
                case "-inf": return Double.NEGATIVE_INFINITY;
                case "-0.0": return -0.0;
                default: throw new IllegalArgumentException(v.asText());
            }
        }
        return v.doubleValue();
    }

    @Test
    void f32IsAZeroCopySliceOfTheMap() throws Exception {
        Path p = TestFiles.safetensors(dir, "a.safetensors", A + "}", TestFiles.f32(1.5f, -2f));
        try (TensorReader r = Checkpoints.open(p)) {
            ByteBuffer b = r.toF32("a");
            assertTrue(b.isDirect());
            assertTrue(b.isReadOnly());
            assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
            assertEquals(8, b.remaining());
            assertArrayEquals(new float[] {1.5f, -2f}, r.floats("a"));
            assertEquals(List.of("a"), r.names());
            assertEquals(Map.of(), r.metadata());
            assertEquals(p, r.source());
        }
    }

    @Test
    void validEdgeCasesLoad() throws Exception {
        // zero-size and scalar tensors, header padded with spaces, unsorted header keys
        String h = "{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
                + "\"z\":{\"dtype\":\"F16\",\"shape\":[0,3],\"data_offsets\":[8,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}      ";
        byte[] data = TestFiles.f32(1f, 2f, 3f);
        try (TensorReader r = Checkpoints.open(TestFiles.safetensors(dir, "e.safetensors", h, data))) {
            assertEquals(List.of("a", "s", "z"), r.names());
            assertArrayEquals(new float[] {3f}, r.floats("s"));
            assertArrayEquals(new long[0], r.info("s").shape());
            assertEquals(1, r.info("s").numel());
            assertEquals(0, r.info("z").numel());
            assertEquals(0, r.bytes("z").remaining());
            assertArrayEquals(new float[0], r.floats("z"));
        }
        // only __metadata__, no data
        try (TensorReader r = Checkpoints.open(TestFiles.safetensors(dir, "m.safetensors",
                "{\"__metadata__\":{\"format\":\"pt\"}}", new byte[0]))) {
            assertEquals(List.of(), r.names());
            assertEquals(Map.of("format", "pt"), r.metadata());
        }
        try (TensorReader r = Checkpoints.open(TestFiles.safetensors(dir, "empty.safetensors", "{}", new byte[0]))) {
            assertEquals(List.of(), r.names());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unknown dtype|{'a':{'dtype':'F33','shape':[2],'data_offsets':[0,8]}}|8|TENSOR_INVALID_INFO",
        "negative dim|{'a':{'dtype':'F32','shape':[-2],'data_offsets':[0,8]}}|8|TENSOR_INVALID_INFO",
        "float dim|{'a':{'dtype':'F32','shape':[2.0],'data_offsets':[0,8]}}|8|TENSOR_INVALID_INFO",
        "size mismatch|{'a':{'dtype':'F32','shape':[3],'data_offsets':[0,8]}}|8|TENSOR_INVALID_INFO",
        "end before begin|{'a':{'dtype':'F32','shape':[0],'data_offsets':[8,0]}}|8|INVALID_OFFSET",
        "out of bounds|{'a':{'dtype':'F32','shape':[4],'data_offsets':[0,16]}}|8|METADATA_INCOMPLETE_BUFFER",
        "hole at end|{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]}}|8|METADATA_INCOMPLETE_BUFFER",
        "hole before|{'a':{'dtype':'F32','shape':[1],'data_offsets':[4,8]}}|8|INVALID_OFFSET",
        "overlap|{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]},'b':{'dtype':'F32','shape':[1],'data_offsets':[4,8]}}|8|INVALID_OFFSET",
        "overflow|{'a':{'dtype':'F32','shape':[4294967296,4294967296],'data_offsets':[0,8]}}|8|VALIDATION_OVERFLOW",
        "huge claim|{'a':{'dtype':'F32','shape':[1000000000000],'data_offsets':[0,4000000000000]}}|8|METADATA_INCOMPLETE_BUFFER",
        "offset too big|{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,18446744073709551616]}}|8|VALIDATION_OVERFLOW",
        "duplicate key|{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]},'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]}}|8|INVALID_HEADER_DESERIALIZATION",
        "bad json|{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]}|8|INVALID_HEADER_DESERIALIZATION",
        "trailing garbage|{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]}}x|8|INVALID_HEADER_DESERIALIZATION",
        "not an object|[1,2]|8|INVALID_HEADER",
        "entry not object|{'a':3}|8|TENSOR_INVALID_INFO",
        "missing offsets|{'a':{'dtype':'F32','shape':[2]}}|8|TENSOR_INVALID_INFO",
        "three offsets|{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,4,8]}}|8|TENSOR_INVALID_INFO",
        "metadata not strings|{'__metadata__':{'format':1},'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]}}|8|INVALID_HEADER",
        "lowercase dtype|{'a':{'dtype':'f32','shape':[2],'data_offsets':[0,8]}}|8|TENSOR_INVALID_INFO",
    })
    void headerViolationsAreNamed(String label, String header, int dataBytes, CheckpointException.Kind expected) throws IOException {
        Path p = TestFiles.safetensors(dir, "bad.safetensors", header.replace('\'', '"'), new byte[dataBytes]);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(p).close());
        assertEquals(expected, e.kind(), label + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        if (header.startsWith("{'a'") && !label.equals("bad json") && !label.equals("trailing garbage")
                && !label.equals("duplicate key") && !label.startsWith("out of bounds")
                && !label.startsWith("hole at") && !label.equals("huge claim")) {
            assertTrue(e.getMessage().contains("tensor 'a'") || e.getMessage().contains("tensor 'b'"), e.getMessage());
        }
    }

    @Test
    void headerLengthBounds() throws IOException {
        byte[] h = (A + "}").getBytes(StandardCharsets.UTF_8);
        Path tooBig = TestFiles.safetensorsRaw(dir, "big.safetensors", 100_000_001L, h, new byte[8]);
        assertKind(tooBig, CheckpointException.Kind.HEADER_TOO_LARGE);
        Path negative = TestFiles.safetensorsRaw(dir, "neg.safetensors", -1L, h, new byte[8]);
        assertKind(negative, CheckpointException.Kind.HEADER_TOO_LARGE);
        Path past = TestFiles.safetensorsRaw(dir, "past.safetensors", 5000, h, new byte[8]);
        assertKind(past, CheckpointException.Kind.INVALID_HEADER_LENGTH);
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertKind(tiny, CheckpointException.Kind.HEADER_TOO_SMALL);
        Path badUtf8 = TestFiles.safetensorsRaw(dir, "utf.safetensors", 4, new byte[] {'{', (byte) 0xff, '}', ' '}, new byte[0]);
        assertKind(badUtf8, CheckpointException.Kind.INVALID_HEADER);
    }

    private static void assertKind(Path p, CheckpointException.Kind expected) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(p).close());
        assertEquals(expected, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
    }

    @Test
    void absentTensorAndClosedReader() throws Exception {
        Path p = TestFiles.safetensors(dir, "a.safetensors", A + "}", TestFiles.f32(1f, 2f));
        TensorReader r = Checkpoints.open(p);
        CheckpointException e = assertThrows(CheckpointException.class, () -> r.info("nope"));
        assertEquals(CheckpointException.Kind.TENSOR_NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("tensor 'nope'") && e.getMessage().contains(p.toString()), e.getMessage());
        assertFalse(r.contains("nope"));
        r.close();
        assertThrows(CheckpointException.class, () -> r.bytes("a"));
    }

    @Test
    void largeFilesAreMappedInRegionsOfWholeTensors() throws Exception {
        StringBuilder h = new StringBuilder("{");
        float[] all = new float[40];
        for (int t = 0; t < 10; t++) {
            if (t > 0) {
                h.append(',');
            }
            h.append("\"t").append(t).append("\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[")
                    .append(16 * t).append(',').append(16 * t + 16).append("]}");
            for (int i = 0; i < 4; i++) {
                all[4 * t + i] = t * 10 + i;
            }
        }
        h.append('}');
        Path p = TestFiles.safetensors(dir, "regions.safetensors", h.toString(), TestFiles.f32(all));
        try (SafetensorsReader r = SafetensorsReader.open(p, 40)) {
            assertEquals(5, r.regionCount()); // two 16-byte tensors per 40-byte region
            for (int t = 0; t < 10; t++) {
                assertArrayEquals(new float[] {t * 10, t * 10 + 1, t * 10 + 2, t * 10 + 3}, r.floats("t" + t));
            }
        }
        try (SafetensorsReader r = SafetensorsReader.open(p, 8)) { // every tensor larger than a region
            assertEquals(10, r.regionCount());
            assertArrayEquals(new float[] {90, 91, 92, 93}, r.floats("t9"));
        }
    }

    @Test
    void directoryPrefersSafetensors() throws Exception {
        TestFiles.safetensors(dir, "model.safetensors", A + "}", TestFiles.f32(1f, 2f));
        try (TensorReader r = Checkpoints.open(dir)) {
            assertEquals(dir.resolve("model.safetensors"), r.source());
        }
        Path empty = Files.createDirectory(dir.resolve("empty"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(empty));
        assertEquals(CheckpointException.Kind.NOT_FOUND, e.kind(), e.getMessage());
    }
}
