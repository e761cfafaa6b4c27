package io.dpt4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpt4j.converters.SafetensorsWriter;
import io.dpt4j.converters.TensorData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectConvertCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private Path model() throws Exception {
        Path m = Files.createDirectories(dir.resolve("model"));
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("encoder.weight", TensorData.ofFloats(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        t.put("encoder.bias", TensorData.ofFloats(new long[] {2}, new float[] {0.5f, -0.5f}));
        SafetensorsWriter.write(m.resolve("model.safetensors"), t, Map.of("format", "pt"));
        Files.writeString(m.resolve("config.json"), "{\n  \"model_type\": \"dpt\",\n  \"torch_dtype\": \"float32\"\n}\n");
        Files.writeString(m.resolve("preprocessor_config.json"), "{\"do_resize\": true}\n");
        return m;
    }

    @Test
    void inspectListsTensorsAndDumpsThemExactly() throws Exception {
        Path m = model();
        Path dump = dir.resolve("dump.safetensors");
        assertEquals(0, Main.run("inspect", m.toString(), "--dump", dump.toString()), err.toString());
        String s = out.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("encoder.weight") && s.contains("[2, 3]") && s.contains("F32"), s);
        assertTrue(s.contains("2 tensors, 8 elements, 32 bytes"), s);
        assertTrue(s.contains("model_type=\"dpt\""), s);
        assertArrayEquals(Files.readAllBytes(m.resolve("model.safetensors")), Files.readAllBytes(dump));
    }

    @Test
    void inspectOfABadFileIsOneLineAndWritesNothing() throws Exception {
        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0, '{', '}'});
        Path dump = dir.resolve("dump.safetensors");
        int rc = Main.run("inspect", bad.toString(), "--dump", dump.toString());
        assertTrue(rc != 0);
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("dpt inspect: " + bad + ": header length"), e);
        assertFalse(Files.exists(dump));
    }

    @Test
    void convertWritesAHuggingFaceDirectoryAndRefusesToOverwrite() throws Exception {
        Path m = model();
        Path o = dir.resolve("out");
        assertEquals(0, Main.run("convert", "--model", m.toString(), "--output", o.toString(), "--dtype", "bf16"), err.toString());
        assertTrue(out.toString().contains("tensors: 2, parameters (elements): 8, bytes: 16"), out.toString());
        assertTrue(Files.readString(o.resolve("config.json")).contains("\"torch_dtype\": \"bfloat16\""));
        assertEquals("{\"do_resize\": true}\n", Files.readString(o.resolve("preprocessor_config.json")));
        assertEquals(0, Main.run("inspect", o.toString()));
        assertTrue(out.toString().contains("BF16"));

        assertEquals(2, Main.run("convert", "--model", m.toString(), "--output", o.toString()));
        assertTrue(err.toString().contains("already exists; pass --force"), err.toString());
        assertEquals(0, Main.run("convert", "--model", m.toString(), "--output", o.toString(), "--force"));
        assertTrue(Files.readString(o.resolve("config.json")).contains("float32"));

        // --format djl needs a model the graph knows; a bare tensor file fails cleanly, leaving nothing.
        assertTrue(Main.run("convert", "--model", m.toString(), "--output", dir.resolve("d").toString(), "--format", "djl") != 0);
        assertTrue(!Files.exists(dir.resolve("d")), "no half-written output");
        assertEquals(2, Main.run("convert", "--model", m.toString(), "--output", dir.resolve("e").toString(), "--max-shard-size", "5 parsecs"));
        assertTrue(err.toString().contains("--max-shard-size: invalid size"), err.toString());
    }
}
