package io.dpt4j.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    /** Reading then writing a file the reference crate wrote must give the same bytes. */
    @Test
    void rewritesReferenceFilesByteForByte() throws Exception {
        for (String f : List.of("st-dtypes/all-dtypes.safetensors", "st-dtypes/f8-dtypes.safetensors",
                "dtypes-mixed/model.safetensors", "st-sharded/model-00002-of-00002.safetensors")) {
            Path src = TestFiles.resourceDir("").resolve(f);
            Path out = dir.resolve("out.safetensors");
            try (TensorReader r = Checkpoints.open(src)) {
                Map<String, TensorData> m = new LinkedHashMap<>();
                for (String n : r.names()) {
                    TensorInfo i = r.info(n);
                    m.put(n, new TensorData(i.dtype(), i.shape(), r.bytes(n)));
                }
                SafetensorsWriter.write(out, m, r.metadata());
            }
            assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(out), f);
        }
    }

    @Test
    void headerIsPaddedSortedAndMetadataFirst() throws Exception {
        Map<String, TensorData> m = new LinkedHashMap<>();
        m.put("b", TensorData.ofFloats(new long[] {1}, new float[] {2f}));
        m.put("a", TensorData.ofFloats(new long[] {2}, new float[] {1f, 3f}));
        m.put("q\"\n", TensorData.ofFloats(new long[] {}, new float[] {4f}));
        Path out = dir.resolve("x.safetensors");
        SafetensorsWriter.write(out, m, Map.of("format", "pt"));
        byte[] b = Files.readAllBytes(out);
        String expectedJson = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"q\\\"\\n\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[12,16]}}";
        int padded = (expectedJson.length() + 7) / 8 * 8;
        assertEquals(padded, (int) java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
        String header = new String(b, 8, padded, StandardCharsets.UTF_8);
        assertEquals(expectedJson + " ".repeat(padded - expectedJson.length()), header);
        try (TensorReader r = Checkpoints.open(out)) {
            assertArrayEquals(new float[] {1f, 3f}, r.floats("a"));
            assertArrayEquals(new float[] {4f}, r.floats("q\"\n"));
        }
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count()); // no temp file left behind
        }
    }

    @Test
    void dataMustMatchShape() {
        assertThrows(IllegalArgumentException.class,
                () -> TensorData.ofFloats(new long[] {3}, new float[] {1f, 2f}));
        assertThrows(IllegalArgumentException.class,
                () -> new TensorData(DType.F16, new long[] {3}, java.nio.ByteBuffer.allocate(4)));
    }
}
