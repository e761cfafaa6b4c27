package io.dpt4j.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShardedReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsTheTransformersShardedCheckpoint() throws Exception {
        Path d = TestFiles.resourceDir("st-sharded");
        try (TensorReader r = Checkpoints.open(d)) {
            assertEquals(d.resolve("model.safetensors.index.json"), r.source());
            assertEquals(135, r.names().size()); // 104 + 31 per the manifest
            long total = 0;
            for (String n : r.names()) {
                total += r.info(n).byteSize();
            }
            assertEquals(478052, total); // index metadata total_size
            assertTrue(r.contains("backbone.embeddings.cls_token"));
            assertEquals(r.info("backbone.embeddings.cls_token").numel(), r.floats("backbone.embeddings.cls_token").length);
        }
    }

    private Path shard(String name, String tensor) throws Exception {
        return TestFiles.safetensors(dir, name, "{\"" + tensor + "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                TestFiles.f32(7f));
    }

    @Test
    void missingKeyInShardAndDuplicatesAreRefused() throws Exception {
        shard("s1.safetensors", "a");
        shard("s2.safetensors", "a");
        Path idx = dir.resolve("model.safetensors.index.json");
        Files.writeString(idx, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(idx));
        assertEquals(CheckpointException.Kind.INVALID_INDEX, e.kind(), e.getMessage());
        assertEquals("b", e.key());
        Files.writeString(idx, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"c\":\"s2.safetensors\"}}");
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(idx));
        assertEquals(CheckpointException.Kind.INVALID_INDEX, e.kind(), e.getMessage());
        Files.writeString(idx, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"x\":\"s2.safetensors\"}}");
        shard("s2.safetensors", "x");
        try (TensorReader r = Checkpoints.open(idx)) {
            assertEquals(java.util.List.of("a", "x"), r.names());
            assertArrayEquals(new float[] {7f}, r.floats("x"));
        }
        shard("s3.safetensors", "a");
        Files.writeString(idx, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"x\":\"s3.safetensors\"}}");
        shard("s3.safetensors", "a");
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(idx));
        assertTrue(e.kind() == CheckpointException.Kind.INVALID_INDEX || e.kind() == CheckpointException.Kind.DUPLICATE_TENSOR, e.getMessage());
    }

    @Test
    void aKeyInTwoShardsIsRefused() throws Exception {
        TestFiles.safetensors(dir, "s1.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                TestFiles.f32(1f, 2f));
        shard("s2.safetensors", "b");
        Path idx = dir.resolve("model.safetensors.index.json");
        Files.writeString(idx, "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(idx));
        assertEquals(CheckpointException.Kind.DUPLICATE_TENSOR, e.kind(), e.getMessage());
        assertEquals("b", e.key());
    }

    @ParameterizedTest
    @ValueSource(strings = {"../outside.safetensors", "/etc/passwd", "sub/../../x.safetensors", "..", ""})
    void shardNamesOutsideTheDirectoryAreRefused(String shard) throws Exception {
        Path model = Files.createDirectory(dir.resolve("model"));
        shard("outside.safetensors", "a");
        Path idx = model.resolve("model.safetensors.index.json");
        Files.writeString(idx, "{\"weight_map\":{\"a\":\"" + shard + "\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(model));
        assertEquals(CheckpointException.Kind.UNSAFE_PATH, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("shard name '" + shard + "'"), e.getMessage());
        assertTrue(e.getMessage().startsWith(idx.toString()), e.getMessage());
    }

    @Test
    void malformedIndexIsNamed() throws Exception {
        Path idx = dir.resolve("model.safetensors.index.json");
        Files.writeString(idx, "{\"metadata\":{}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(idx));
        assertEquals(CheckpointException.Kind.INVALID_INDEX, e.kind(), e.getMessage());
        Files.writeString(idx, "{\"weight_map\":{\"a\":\"x\",\"a\":\"y\"}}");
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(idx));
        assertEquals(CheckpointException.Kind.INVALID_HEADER_DESERIALIZATION, e.kind(), e.getMessage());
    }
}
