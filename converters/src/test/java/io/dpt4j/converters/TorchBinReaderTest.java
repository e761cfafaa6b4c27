package io.dpt4j.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The reference .bin files of shared/testdata/weights, checked against independently computed digests. */
class TorchBinReaderTest {
    @ParameterizedTest
    @CsvSource({"bin-zip,bin-zip/pytorch_model.bin,zip", "bin-legacy,bin-legacy/pytorch_model.bin,legacy",
            "bin-sharded,bin-sharded,zip", "bin-sharded,bin-sharded/pytorch_model.bin.index.json,zip"})
    void matchesTheReferenceTensorsBitForBit(String digestCase, String path, String format) throws Exception {
        JsonNode expected = new ObjectMapper().readTree(TestFiles.class.getResourceAsStream("/weights/expected-digests.json"))
                .get(digestCase);
        Path p = TestFiles.resourceDir("").resolve(path);
        try (TensorReader r = Checkpoints.open(p)) {
            TreeSet<String> names = new TreeSet<>();
            expected.fieldNames().forEachRemaining(names::add);
            assertEquals(List.copyOf(names), r.names());
            if (r instanceof TorchBinReader b) {
                assertEquals(format, b.format());
            }
            for (String n : names) {
                JsonNode e = expected.get(n);
                TensorInfo info = r.info(n);
                assertEquals(e.get(0).asText(), info.dtype().safetensorsName(), n);
                long[] shape = new long[e.get(1).size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = e.get(1).get(i).asLong();
                }
                assertArrayEquals(shape, info.shape(), n);
                assertEquals(e.get(2).asText(), sha256(r.bytes(n)), n);
            }
        }
    }

    static String sha256(ByteBuffer b) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(b.duplicate());
        return HexFormat.of().formatHex(md.digest());
    }

    @ParameterizedTest
    @ValueSource(strings = {"views-zip.bin", "views-legacy.bin", "views-zip-cuda-location.bin", "views-zip-torch2-records.bin"})
    void viewsMatchTheContiguousExpectation(String file) throws Exception {
        Path d = TestFiles.resourceDir("bin-views");
        try (TensorReader expected = Checkpoints.open(d.resolve("expected.safetensors"));
                TensorReader r = Checkpoints.open(d.resolve(file))) {
            assertEquals(expected.names(), r.names());
            assertEquals(25, r.names().size());
            for (String n : expected.names()) {
                assertEquals(expected.info(n), r.info(n), n);
                assertEquals(expected.bytes(n), r.bytes(n), n);
                assertArrayEquals(expected.floats(n), r.floats(n), n);
            }
        }
    }
}
