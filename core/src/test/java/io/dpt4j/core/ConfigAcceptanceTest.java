package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.outputs.BaseModelOutputWithPoolingAndIntermediateActivations;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configurations transformers accepts load here: each check belongs to the class that uses the setting. */
class ConfigAcceptanceTest {
    static final String TINY = "\"hidden_size\": 16, \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"intermediate_size\": 32,"
            + " \"image_size\": 32, \"patch_size\": 8, \"backbone_out_indices\": [2, 5, 8, 11], \"neck_hidden_sizes\": [8, 8, 8, 8],"
            + " \"fusion_hidden_size\": 8";

    /** DPTModel never uses backbone_out_indices: indices beyond num_hidden_layers load and run, on both engines. */
    @Test
    void dptModelIgnoresBackboneOutIndices(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("m");
        EngineAgreementTest.writeRandomCheckpoint(dir, "{\"architectures\": [\"DPTModel\"], " + TINY + "}", 5);
        try (NDManager m = DptEngine.newManager(); PreTrainedModel<?, ?> model = AutoModel.fromPretrained(dir)) {
            for (ExecutionEngine e : new ExecutionEngine[] {ExecutionEngine.PYTORCH, ExecutionEngine.ONNXRUNTIME}) {
                model.setEngine(e);
                BaseModelOutputWithPoolingAndIntermediateActivations out = (BaseModelOutputWithPoolingAndIntermediateActivations)
                        model.forward(m.randomUniform(-1f, 1f, new Shape(1, 3, 32, 32)));
                assertEquals(new Shape(1, 17, 16), out.lastHiddenState.getShape(), e.toString());
            }
        }
    }

    /** A head model builds (as transformers does) and names the bad index when its neck selects layers. */
    @Test
    void headModelsNameTheMissingLayer(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("d");
        Files.createDirectories(dir);
        EngineAgreementTest.writeRandomCheckpoint(dir, "{\"architectures\": [\"DPTForDepthEstimation\"], " + TINY + "}", 6);
        try (NDManager m = DptEngine.newManager(); PreTrainedModel<?, ?> model = AutoModel.fromPretrained(dir)) {
            ConfigException e = assertThrows(ConfigException.class, () -> model.forward(m.zeros(new Shape(1, 3, 32, 32))));
            assertTrue(e.getMessage().contains("backbone_out_indices") && e.getMessage().contains("layer 2"), e.getMessage());
        }
    }
}
