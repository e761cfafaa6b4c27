package io.dpt4j.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CheckpointConverterTest {
    @TempDir
    Path dir;

    private static final Path RES = TestFiles.resourceDir("");

    /** The vit-depth .bin converted with torch's .to() and written by the crate: our output must be identical. */
    @ParameterizedTest
    @CsvSource({"F16,dtypes-f16", "BF16,dtypes-bf16"})
    void halfConversionEqualsTorchByteForByte(String dtype, String reference) throws Exception {
        Path out = dir.resolve("out");
        CheckpointConverter.Summary s = CheckpointConverter.convert(RES.resolve("bin-zip"), out,
                new CheckpointConverter.Options(DType.valueOf(dtype), CheckpointConverter.DEFAULT_MAX_SHARD_SIZE, false));
        assertEquals(List.of("model.safetensors"), s.files());
        assertEquals(142, s.tensors());
        assertArrayEquals(Files.readAllBytes(RES.resolve(reference + "/model.safetensors")),
                Files.readAllBytes(out.resolve("model.safetensors")));
        assertEquals(Files.readString(RES.resolve(reference + "/config.json")), Files.readString(out.resolve("config.json")));
        // the error against float32 is within half an ulp of the narrow type
        double eps = DType.valueOf(dtype) == DType.F16 ? 0x1p-11 : 0x1p-8;
        try (TensorReader src = Checkpoints.open(RES.resolve("bin-zip")); TensorReader dst = Checkpoints.open(out)) {
            for (String n : src.names()) {
                float[] a = src.floats(n);
                float[] b = dst.floats(n);
                for (int i = 0; i < a.length; i++) {
                    double tol = Math.max(Math.abs(a[i]) * eps, 0x1p-24);
                    assertTrue(Math.abs(a[i] - b[i]) <= tol, n + "[" + i + "] " + a[i] + " vs " + b[i]);
                }
            }
        }
    }

    @Test
    void f32ConversionKeepsEveryBit() throws Exception {
        Path out = dir.resolve("out");
        CheckpointConverter.convert(RES.resolve("bin-legacy/pytorch_model.bin"), out,
                new CheckpointConverter.Options(DType.F32, CheckpointConverter.DEFAULT_MAX_SHARD_SIZE, false));
        JsonNode expected = new ObjectMapper().readTree(TestFiles.class.getResourceAsStream("/weights/expected-digests.json"))
                .get("bin-legacy");
        try (TensorReader r = Checkpoints.open(out)) {
            assertEquals(expected.size(), r.names().size());
            for (String n : r.names()) {
                assertEquals(expected.get(n).get(2).asText(), TorchBinReaderTest.sha256(r.bytes(n)), n);
            }
            assertEquals(Map.of("format", "pt"), r.metadata());
        }
        // the config beside the weights file travels with it
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"is_hybrid\": true"));
    }

    @Test
    void shardsLikeSavePretrained() throws Exception {
        Path out = dir.resolve("sharded");
        CheckpointConverter.Summary s = CheckpointConverter.convert(RES.resolve("bin-sharded"), out,
                new CheckpointConverter.Options(null, ShardSizes.parse("200KB"), false));
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors", "model.safetensors.index.json"), s.files());
        for (String f : s.files()) {
            if (f.endsWith(".safetensors")) {
                long dataBytes = Files.size(out.resolve(f));
                assertTrue(dataBytes < 200_000 + 40_000, f + " " + dataBytes); // data <= 200KB plus header
            }
        }
        JsonNode idx = new ObjectMapper().readTree(out.resolve("model.safetensors.index.json").toFile());
        assertEquals(554232, idx.get("metadata").get("total_size").asLong()); // the reference index's total_size
        assertEquals(216, idx.get("weight_map").size());
        String text = Files.readString(out.resolve("model.safetensors.index.json"));
        assertTrue(text.startsWith("{\n  \"metadata\": {\n    \"total_size\": 554232\n  },\n  \"weight_map\": {\n    \""), text);
        assertTrue(text.endsWith("\"\n  }\n}\n"));
        JsonNode digests = new ObjectMapper().readTree(TestFiles.class.getResourceAsStream("/weights/expected-digests.json"))
                .get("bin-sharded");
        try (TensorReader r = Checkpoints.open(out)) {
            assertEquals(216, r.names().size());
            for (String n : r.names()) {
                assertEquals(digests.get(n).get(2).asText(), TorchBinReaderTest.sha256(r.bytes(n)), n);
            }
            assertEquals(DType.I64, r.info("neck.fusion_stage.layers.0.residual_layer1.batch_norm1.num_batches_tracked").dtype());
        }
    }

    @Test
    void indexJsonIsPythonFormatted() {
        assertEquals("{\n  \"metadata\": {\n    \"total_size\": 12\n  },\n  \"weight_map\": {\n"
                + "    \"a\": \"model-00001-of-00002.safetensors\",\n    \"b\\u00e9\": \"model-00002-of-00002.safetensors\"\n  }\n}\n",
                CheckpointConverter.indexJson(12, Map.of("b\u00e9", "model-00002-of-00002.safetensors",
                        "a", "model-00001-of-00002.safetensors")));
    }

    @Test
    void existingOutputNeedsForceAndFailuresLeaveNothing() throws Exception {
        Path out = Files.createDirectory(dir.resolve("out"));
        Files.writeString(out.resolve("keep.txt"), "old");
        CheckpointConverter.Options noForce = new CheckpointConverter.Options(null, CheckpointConverter.DEFAULT_MAX_SHARD_SIZE, false);
        IOException e = assertThrows(IOException.class, () -> CheckpointConverter.convert(RES.resolve("bin-zip"), out, noForce));
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        assertEquals("old", Files.readString(out.resolve("keep.txt")));

        // a source that fails half-way (second tensor unreadable) leaves the old output and no temp folder
        Path bad = Files.createDirectory(dir.resolve("bad"));
        byte[] pkl = new PickleBytes().proto().op('}', '(')
                .str("a").tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                .str("b").tensor("FloatStorage", "1", 2, 0, new long[] {2}, new long[] {1})
                .op('u').stop().bytes();
        Path bin = PickleBytes.torchZip(bad.resolve("pytorch_model.bin"), "pytorch_model", pkl,
                Map.of("data/0", TestFiles.f32(1f, 2f), "data/1", TestFiles.f32(3f, 4f)));
        byte[] b = Files.readAllBytes(bin);
        int at = indexOfLast(b, TestFiles.f32(3f, 4f));
        b[at] ^= 1; // CRC failure when tensor b is read
        Files.write(bin, b);
        CheckpointConverter.Options force = new CheckpointConverter.Options(DType.F16, CheckpointConverter.DEFAULT_MAX_SHARD_SIZE, true);
        CheckpointException ce = assertThrows(CheckpointException.class, () -> CheckpointConverter.convert(bad, out, force));
        assertEquals(CheckpointException.Kind.INVALID_ARCHIVE, ce.kind(), ce.getMessage());
        assertEquals("old", Files.readString(out.resolve("keep.txt")));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("bad", "out"), s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()));
        }
        // with --force a good conversion replaces the old output
        CheckpointConverter.convert(RES.resolve("bin-zip"), out, force);
        assertFalse(Files.exists(out.resolve("keep.txt")));
        assertTrue(Files.exists(out.resolve("model.safetensors")));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(2, s.count());
        }
    }

    private static int indexOfLast(byte[] hay, byte[] needle) {
        outer:
        for (int i = hay.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void configDtypeIsRewrittenOrAdded() {
        assertEquals("{\n  \"a\": 1,\n  \"dtype\": \"bfloat16\",\n  \"x\": {\"torch_dtype\": \"bfloat16\"}\n}",
                CheckpointConverter.setDtype("{\n  \"a\": 1,\n  \"dtype\": \"float32\",\n  \"x\": {\"torch_dtype\": \"float16\"}\n}", "bfloat16"));
        assertEquals("{\n  \"torch_dtype\": \"float16\",\n  \"a\": 1}", CheckpointConverter.setDtype("{\n  \"a\": 1}", "float16"));
    }

    @Test
    void shardSizesParseLikeTransformers() {
        assertEquals(5_000_000_000L, ShardSizes.parse("5GB"));
        assertEquals(500_000_000L, ShardSizes.parse("500MB"));
        assertEquals(400_000L, ShardSizes.parse("400kb"));
        assertEquals(2L << 30, ShardSizes.parse("2GiB"));
        assertEquals(1234L, ShardSizes.parse("1234"));
        assertThrows(IllegalArgumentException.class, () -> ShardSizes.parse("5 parsecs"));
        assertThrows(IllegalArgumentException.class, () -> ShardSizes.parse("-5GB"));
    }

    @Test
    void keysJsonReadsNamesDtypesAndShapes() throws Exception {
        List<TensorInfo> keys = KeysJson.read(RES.resolve("keys/dpt-large-ade.json"));
        assertEquals(536, keys.size()); // manifest num_keys
        assertEquals(18, keys.stream().filter(k -> k.dtype() == DType.I64).count());
        assertEquals(343960364L + 9234L, keys.stream().mapToLong(TensorInfo::numel).sum()); // parameters + buffer elements
        assertEquals(new TensorInfo("dpt.embeddings.cls_token", DType.F32, new long[] {1, 1, 1024}), keys.get(0));
    }
}
