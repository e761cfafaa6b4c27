package io.dpt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.SafetensorsWriter;
import io.dpt4j.converters.TensorData;
import io.dpt4j.converters.TensorReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ForwardCommandTest {
    static final Path MODEL = CliTestSupport.resource("hybrid-depth");

    /** Each model with its reference case's suggested atol (manifest.json of the reference data). */
    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"hybrid-depth, pytorch, 8.9e-5", "hybrid-depth, onnxruntime, 8.9e-5", "hybrid-depth, auto, 8.9e-5",
        "beit-depth-resized, pytorch, 1.9e-5", "beit-depth-resized, onnxruntime, 1.9e-5", "beit-depth-resized, auto, 1.9e-5"})
    void writesEveryReferenceOutputWithinTolerance(String model, String engine, double atol, @TempDir Path tmp) throws Exception {
        Path dir = CliTestSupport.resource(model);
        Path out = tmp.resolve("sub/out.safetensors");
        CliTestSupport.Result r = CliTestSupport.run("forward", "--model", dir.toString(), "--engine", engine,
                "--inputs", dir.resolve("inputs.safetensors").toString(), "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains(engine.equals("pytorch") ? "(pytorch)" : "(onnxruntime)"), r.err());
        try (TensorReader got = Checkpoints.open(out); TensorReader want = Checkpoints.open(dir.resolve("outputs.safetensors"))) {
            int compared = 0;
            for (String name : want.names()) {
                if (name.startsWith("debug.")) {
                    assertFalse(got.contains(name), "debug tensors only with --debug");
                    continue;
                }
                assertTrue(got.contains(name), "missing " + name);
                assertClose(name, got.floats(name), want.floats(name), atol);
                compared++;
            }
            assertTrue(compared >= 9, "compared " + compared);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "onnxruntime"})
    void debugWritesTheIntermediatesOnEitherEngine(String engine, @TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out.safetensors");
        CliTestSupport.Result r = CliTestSupport.run("forward", "--model", MODEL.toString(), "--engine", engine, "--debug",
                "--inputs", MODEL.resolve("inputs.safetensors").toString(), "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        try (TensorReader got = Checkpoints.open(out); TensorReader want = Checkpoints.open(MODEL.resolve("outputs.safetensors"))) {
            int debug = 0;
            for (String name : want.names()) {
                assertTrue(got.contains(name), "missing " + name);
                float[] b = want.floats(name);
                double scale = 1;
                if (name.startsWith("debug.")) {
                    debug++;
                    for (float v : b) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                }
                assertClose(name, got.floats(name), b, 8.9e-5 * scale);
            }
            assertTrue(debug >= 5, "debug tensors compared: " + debug);
        }
    }

    private static void assertClose(String name, float[] a, float[] b, double atol) {
        assertEquals(b.length, a.length, name);
        for (int i = 0; i < a.length; i++) {
            assertTrue(Math.abs(a[i] - b[i]) <= atol + 1e-4 * Math.abs(b[i]), name + "[" + i + "]: " + a[i] + " vs " + b[i]);
        }
    }

    @Test
    void wrongInputSizeIsOneLineError(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in.safetensors");
        SafetensorsWriter.write(in, Map.of("pixel_values", TensorData.ofFloats(new long[] {1, 3, 32, 48}, new float[3 * 32 * 48])), Map.of());
        CliTestSupport.Result r = CliTestSupport.run("forward", "--model", MODEL.toString(), "--inputs", in.toString(),
                "--output", tmp.resolve("o.safetensors").toString());
        assertEquals(2, r.exitCode());
        assertOneLine(r.err());
        assertTrue(r.err().contains("doesn't match model (64*64)"), r.err());
        assertFalse(Files.exists(tmp.resolve("o.safetensors")));
    }

    @Test
    void wrongChannelCountAndMissingTensorAreOneLineErrors(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in.safetensors");
        SafetensorsWriter.write(in, Map.of("pixel_values", TensorData.ofFloats(new long[] {1, 1, 64, 64}, new float[64 * 64])), Map.of());
        CliTestSupport.Result r = CliTestSupport.run("forward", "--model", MODEL.toString(), "--inputs", in.toString(),
                "--output", tmp.resolve("o.safetensors").toString());
        assertEquals(2, r.exitCode());
        assertOneLine(r.err());
        assertTrue(r.err().contains("[batch, 3, height, width]"), r.err());

        Path other = tmp.resolve("other.safetensors");
        SafetensorsWriter.write(other, Map.of("images", TensorData.ofFloats(new long[] {1}, new float[1])), Map.of());
        r = CliTestSupport.run("forward", "--model", MODEL.toString(), "--inputs", other.toString(), "--output", tmp.resolve("o.safetensors").toString());
        assertEquals(2, r.exitCode());
        assertOneLine(r.err());
        assertTrue(r.err().contains("no tensor named pixel_values"), r.err());
    }

    @Test
    void missingFilesAndBadConfigsAreOneLineErrors(@TempDir Path tmp) throws Exception {
        CliTestSupport.Result r = CliTestSupport.run("forward", "--model", tmp.resolve("nope").toString(), "--inputs",
                MODEL.resolve("inputs.safetensors").toString(), "--output", tmp.resolve("o.safetensors").toString());
        assertTrue(r.exitCode() != 0);
        assertOneLine(r.err());
        assertTrue(r.err().contains("nope"), r.err());

        r = CliTestSupport.run("forward", "--model", MODEL.toString(), "--inputs", tmp.resolve("missing.safetensors").toString(),
                "--output", tmp.resolve("o.safetensors").toString());
        assertTrue(r.exitCode() != 0);
        assertOneLine(r.err());
        assertTrue(r.err().contains("missing.safetensors"), r.err());

        Path bad = tmp.resolve("bad");
        Files.createDirectories(bad);
        Files.copy(MODEL.resolve("model.safetensors"), bad.resolve("model.safetensors"));
        Files.writeString(bad.resolve("config.json"), Files.readString(MODEL.resolve("config.json"))
                .replace("\"readout_type\": \"project\"", "\"readout_type\": \"sideways\""));
        r = CliTestSupport.run("forward", "--model", bad.toString(), "--inputs", MODEL.resolve("inputs.safetensors").toString(),
                "--output", tmp.resolve("o.safetensors").toString());
        assertTrue(r.exitCode() != 0);
        assertOneLine(r.err());
        assertTrue(r.err().contains("readout_type"), r.err());

        Files.writeString(bad.resolve("config.json"), "{\"architectures\": [\"DPTForImageClassification\"], \"model_type\": \"dpt\"}");
        r = CliTestSupport.run("forward", "--model", bad.toString(), "--inputs", MODEL.resolve("inputs.safetensors").toString(),
                "--output", tmp.resolve("o.safetensors").toString());
        assertTrue(r.exitCode() != 0);
        assertOneLine(r.err());
        assertTrue(r.err().contains("DPTForImageClassification") && r.err().contains("not supported"), r.err());
    }

    /** The Swinv2 reference case (kept once, in core's test resources): every output from ONNX Runtime, and AUTO picks it. */
    static final Path SWINV2 = Path.of("..", "core", "src", "test", "resources", "dpt", "swinv2-depth");

    @ParameterizedTest
    @ValueSource(strings = {"onnxruntime", "auto"})
    void swinv2WritesEveryReferenceOutputOnOnnxRuntime(String engine, @TempDir Path tmp) throws Exception {
        assertTrue(Files.isDirectory(SWINV2), SWINV2.toAbsolutePath() + " is missing");
        Path out = tmp.resolve("out.safetensors");
        CliTestSupport.Result r = CliTestSupport.run("forward", "--model", SWINV2.toString(), "--engine", engine,
                "--inputs", SWINV2.resolve("inputs.safetensors").toString(), "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("(onnxruntime)"), r.err());
        try (TensorReader got = Checkpoints.open(out); TensorReader want = Checkpoints.open(SWINV2.resolve("outputs.safetensors"))) {
            int compared = 0;
            for (String name : want.names()) {
                if (!name.startsWith("debug.")) {
                    assertTrue(got.contains(name), "missing " + name);
                    // the manifest's suggested atol for swinv2-depth is 8.2e-4 (assertClose scales 8.9e-5)
                    assertClose(name, got.floats(name), want.floats(name), 8.2e-4 / 8.9e-5);
                    compared++;
                }
            }
            assertEquals(10, compared, "predicted_depth, 5 hidden states, 4 attentions");
        }
    }

    static void assertOneLine(String err) {
        assertEquals(1, err.strip().lines().count(), "expected one line, got:\n" + err);
        assertFalse(err.contains("\tat "), err);
    }
}
