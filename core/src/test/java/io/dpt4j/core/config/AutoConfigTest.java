package io.dpt4j.core.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.ModelFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AutoConfig picks the config class by model_type; inputSize is what bench and convert use by default. */
class AutoConfigTest {
    @TempDir
    Path tmp;

    private Path write(String name, String json) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("config.json"), json);
        return dir;
    }

    @Test
    void dptOwnImageSizeSquareOrPair() throws Exception {
        PretrainedConfig c = AutoConfig.fromPretrained(write("vit", "{\"model_type\": \"dpt\", \"image_size\": 64}"));
        assertInstanceOf(DPTConfig.class, c);
        assertArrayEquals(new int[] {64, 64}, c.inputSize());
        // A [height, width] pair: the CLI used to fall back to 384 silently here.
        c = AutoConfig.fromPretrained(write("pair", "{\"image_size\": [96, 128]}"));
        assertArrayEquals(new int[] {96, 128}, c.inputSize());
        assertEquals("dpt", c.modelType());
    }

    @Test
    void backboneImageSizeForDinov2DptButNotForHybrids() throws Exception {
        PretrainedConfig c = AutoConfig.fromPretrained(write("dinov2", "{\"model_type\": \"dpt\", \"image_size\": 384, \"backbone_config\": "
                + "{\"model_type\": \"dinov2\", \"image_size\": 518, \"reshape_hidden_states\": false}}"));
        assertArrayEquals(new int[] {518, 518}, c.inputSize());
        c = AutoConfig.fromPretrained(write("hybrid", "{\"model_type\": \"dpt\", \"is_hybrid\": true, \"image_size\": 384}"));
        assertArrayEquals(new int[] {384, 384}, c.inputSize());
    }

    @Test
    void depthAnythingUsesItsBackbone() throws Exception {
        PretrainedConfig c = AutoConfig.fromPretrained(write("da", "{\"model_type\": \"depth_anything\"}"));
        assertInstanceOf(DepthAnythingConfig.class, c);
        assertArrayEquals(new int[] {518, 518}, c.inputSize());
    }

    @Test
    void errorsHaveKinds() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> AutoConfig.fromPretrained(tmp));
        assertEquals(ConfigException.Kind.MISSING_FILE, e.kind());
        e = assertThrows(ConfigException.class, () -> AutoConfig.fromPretrained(write("bad", "{\"image_size\": ")));
        assertEquals(ConfigException.Kind.INVALID_JSON, e.kind());
        e = assertThrows(ConfigException.class, () -> AutoConfig.fromPretrained(write("other", "{\"model_type\": \"bert\"}")));
        assertEquals(ConfigException.Kind.MODEL_TYPE_MISMATCH, e.kind());
    }

    @Test
    void modelFilesRejectsADirectoryWithoutConfigAndPathsThatAreNotThere() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        ConfigException e = assertThrows(ConfigException.class, () -> ModelFiles.resolve(empty.toString(), LoadOptions.defaults()));
        assertEquals(ConfigException.Kind.MISSING_FILE, e.kind());
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> ModelFiles.resolve(tmp.resolve("missing").toString(), LoadOptions.defaults()));
        assertTrue(a.getMessage().contains("no such directory"), a.getMessage());
        Path dir = write("ok", "{}");
        assertEquals(dir, ModelFiles.resolve(dir.toString(), LoadOptions.defaults()));
    }
}
