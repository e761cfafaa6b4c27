package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.config.DPTConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configs that do not fit their checkpoint fail before anything large is built, quoting the key and the value. */
class HostileConfigTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** A copy of a tiny reference model whose config.json is changed by {@code edit}. */
    Path modelWith(String caseName, Consumer<ObjectNode> edit) throws IOException {
        Path src = ReferenceCase.named(caseName).dir();
        Path dir = Files.createDirectories(tmp.resolve(caseName + "-" + System.nanoTime()));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        ObjectNode cfg = (ObjectNode) JSON.readTree(src.resolve("config.json").toFile());
        edit.accept(cfg);
        JSON.writeValue(dir.resolve("config.json").toFile(), cfg);
        return dir;
    }

    @Test
    void aMillionLayersWithATinyCheckpointFailsBeforeBuilding() throws IOException {
        Path dir = modelWith("vit-depth", c -> c.put("num_hidden_layers", 1_000_000));
        // The case took 120 s and 6.8 GB before an OutOfMemoryError; the bound only says "nothing was built".
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(ConfigException.class, () -> DPTForDepthEstimation.fromPretrained(dir)));
        assertTrue(e.getMessage().contains("\"num_hidden_layers\" is 1000000") && e.getMessage().contains("holds 4 layer(s)")
                && e.getMessage().contains("expected 4") && e.getMessage().contains("config.json"), e.getMessage());
        assertThrows(ConfigException.class, () -> AutoModel.fromPretrained(dir));
        assertThrows(ConfigException.class, () -> DPTModel.fromPretrained(dir));
    }

    @Test
    void aBackboneWithTooManyLayersFailsBeforeBuilding() throws IOException {
        Path dir = modelWith("dinov2-depth", c -> ((ObjectNode) c.get("backbone_config")).put("num_hidden_layers", 100_000));
        ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(ConfigException.class, () -> AutoModel.fromPretrained(dir)));
        assertTrue(e.getMessage().contains("\"backbone_config.num_hidden_layers\" is 100000"), e.getMessage());
    }

    @Test
    void embeddingSizesAreCheckedAgainstTheCheckpoint() throws IOException {
        Path dir = modelWith("vit-depth", c -> c.put("hidden_size", 4096).put("num_attention_heads", 4));
        ConfigException e = assertThrows(ConfigException.class, () -> DPTForDepthEstimation.fromPretrained(dir));
        assertTrue(e.getMessage().contains("hidden_size") && e.getMessage().contains("[1, 1, 4096]")
                && e.getMessage().contains("[1, 1, 32]"), e.getMessage());
    }

    @Test
    void messagesQuoteTheValueAsWritten() {
        ConfigException e = assertThrows(ConfigException.class, () -> DPTConfig.fromJson("{\"hidden_size\": 1e30}"));
        assertTrue(e.getMessage().contains("\"hidden_size\"") && e.getMessage().contains("1.0E30"), e.getMessage());
        assertFalse(e.getMessage().contains("2147483647 ") || e.getMessage().endsWith("2147483647"), e.getMessage());
    }

    @Test
    void tooShortNeckHiddenSizesNamesTheKeys() throws IOException {
        Path dir = modelWith("vit-depth", c -> c.putArray("neck_hidden_sizes").add(8).add(16));
        ConfigException e = assertThrows(ConfigException.class, () -> DPTForDepthEstimation.fromPretrained(dir));
        assertTrue(e.getMessage().contains("\"neck_hidden_sizes\" [8, 16] has 2 entries")
                && e.getMessage().contains("\"backbone_out_indices\"") && e.getMessage().contains("4 entries"), e.getMessage());
        assertFalse(e.getMessage().contains("out of bounds"), e.getMessage());
    }
}
