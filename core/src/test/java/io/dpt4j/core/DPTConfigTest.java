package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpt4j.core.config.BitConfig;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.config.DPTConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DPTConfigTest {
    @Test
    void emptyConfigHasTransformersDefaults() {
        DPTConfig c = DPTConfig.fromJson("{}");
        assertEquals(768, c.hiddenSize);
        assertEquals(12, c.numHiddenLayers);
        assertEquals(12, c.numAttentionHeads);
        assertEquals(3072, c.intermediateSize);
        assertEquals("gelu", c.hiddenAct);
        assertEquals(1e-12, c.layerNormEps);
        assertEquals(384, c.imageSize[0]);
        assertEquals(16, c.patchSize);
        assertEquals(List.of(2, 5, 8, 11), c.backboneOutIndices);
        assertEquals("project", c.readoutType);
        assertEquals(List.of(4.0, 2.0, 1.0, 0.5), c.reassembleFactors);
        assertEquals(List.of(96, 192, 384, 768), c.neckHiddenSizes);
        assertEquals(256, c.fusionHiddenSize);
        assertEquals(-1, c.headInIndex);
        assertFalse(c.useBatchNormInFusionResidual);
        assertNull(c.useBiasInFusionResidual);
        assertTrue(c.effectiveUseBiasInFusionResidual());
        assertTrue(c.useAuxiliaryHead);
        assertEquals(768, c.poolerOutputSize);
        assertEquals("tanh", c.poolerAct);
        assertEquals(2, c.numLabels());
        assertEquals(List.of(), c.neckIgnoreStages);
        assertNull(c.backboneConfig);
    }

    @Test
    void hybridWithoutBackboneConfigGetsTransformersDefaultBit() {
        DPTConfig c = DPTConfig.fromJson("{\"is_hybrid\": true}");
        BitConfig b = (BitConfig) c.backboneConfig;
        assertEquals("SAME", b.globalPadding);
        assertEquals("bottleneck", b.layerType);
        assertEquals(List.of(3, 4, 9), b.depths);
        assertEquals(List.of("stage1", "stage2", "stage3"), b.outFeatures());
        assertEquals(List.of(1, 2, 3), b.outIndices());
        assertEquals(List.of(0, 1), c.neckIgnoreStages);
        assertEquals(List.of(1, 1024, 24, 24), c.backboneFeatmapShape);
    }

    @Test
    void neckIgnoreStagesOnlyAppliesToHybrids() {
        // transformers resets neck_ignore_stages to [] unless is_hybrid.
        assertEquals(List.of(), DPTConfig.fromJson("{\"neck_ignore_stages\": [0, 1]}").neckIgnoreStages);
    }

    @Test
    void legacySpellingsAreReadWhenTheCurrentKeyIsAbsent() {
        DPTConfig c = DPTConfig.fromJson("{\"out_indices\": [5, 11, 17, 23], \"num_hidden_layers\": 24, \"channels\": 64,"
                + " \"in_index\": -2, \"use_batch_norm\": true, \"torch_dtype\": \"float16\"}");
        assertEquals(List.of(5, 11, 17, 23), c.backboneOutIndices);
        assertEquals(64, c.fusionHiddenSize);
        assertEquals(-2, c.headInIndex);
        assertTrue(c.useBatchNormInFusionResidual);
        assertEquals("float16", c.dtype);
        DPTConfig both = DPTConfig.fromJson("{\"backbone_out_indices\": [0, 1, 2, 3], \"out_indices\": [5, 6, 7, 8], \"dtype\": \"float32\", \"torch_dtype\": \"float16\"}");
        assertEquals(List.of(0, 1, 2, 3), both.backboneOutIndices);
        assertEquals("float32", both.dtype);
    }

    @Test
    void badValuesNameTheKeyAndTheExpectation() {
        ConfigException e = assertThrows(ConfigException.class, () -> DPTConfig.fromJson("{\"hidden_size\": \"big\"}"));
        assertTrue(e.getMessage().contains("\"hidden_size\" must be an integer"), e.getMessage());
        assertEquals(ConfigException.Kind.INVALID_VALUE, e.kind());
        e = assertThrows(ConfigException.class, () -> DPTConfig.fromJson("{\"readout_type\": \"concat\"}"));
        assertTrue(e.getMessage().contains("readout_type") && e.getMessage().contains("ignore, add, project"), e.getMessage());
        assertEquals(ConfigException.Kind.INVALID_VALUE, e.kind());
        e = assertThrows(ConfigException.class, () -> DPTConfig.fromJson("{\"hidden_size\": 100, \"num_attention_heads\": 12}"));
        assertTrue(e.getMessage().contains("multiple of \"num_attention_heads\""), e.getMessage());
        assertEquals(ConfigException.Kind.INCONSISTENT_VALUES, e.kind());
        assertEquals(0.3, DPTConfig.fromJson("{\"reassemble_factors\": [4, 2, 1, 0.3]}").reassembleFactors.get(3));
        // neck settings are checked by the head models that build a neck (DPTModel has none)
        DPTConfig factors = DPTConfig.fromJson("{\"reassemble_factors\": [4, 2.5, 1, 0.5]}");
        e = assertThrows(ConfigException.class, () -> new DPTForDepthEstimation(factors).close());
        assertTrue(e.getMessage().contains("reassemble_factors"), e.getMessage());
        assertEquals(ConfigException.Kind.INVALID_VALUE, e.kind());
        e = assertThrows(ConfigException.class, () -> DPTConfig.fromJson("{\"is_hybrid\": true, \"readout_type\": \"add\"}"));
        assertTrue(e.getMessage().contains("is_hybrid"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> DPTConfig.fromJson("{\"backbone_config\": {\"model_type\": \"resnet\"}}"));
        assertTrue(e.getMessage().contains("resnet"), e.getMessage());
        assertEquals(ConfigException.Kind.UNSUPPORTED, e.kind());
        e = assertThrows(ConfigException.class, () -> DPTConfig.fromJson("{\"hidden_size\": 32,"));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        assertEquals(ConfigException.Kind.INVALID_JSON, e.kind());
    }

    @Test
    void saveRoundTripsUnknownKeysAndValues(@TempDir Path tmp) throws Exception {
        Path src = ReferenceCase.named("hybrid-depth").dir().resolve("config.json");
        ObjectMapper om = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode withExtra = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(src.toFile());
        withExtra.put("my_custom_key", "kept");
        withExtra.putObject("nested_unknown").put("a", 1);
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        Files.writeString(in.resolve("config.json"), om.writeValueAsString(withExtra));
        DPTConfig c = DPTConfig.fromPretrained(in);
        Path out = tmp.resolve("out");
        c.save(out);
        assertEquals(withExtra, om.readTree(out.resolve("config.json").toFile()));
        assertEquals(c.toString(), DPTConfig.fromPretrained(out).toString());
        // with() derives a validated copy
        DPTConfig d = c.with("num_hidden_layers", 6);
        assertEquals(6, d.numHiddenLayers);
        assertEquals(4, c.numHiddenLayers);
    }

    @Test
    void everyRealCheckpointConfigParses() throws Exception {
        for (String name : List.of("dpt-large", "dpt-hybrid-midas", "dpt-large-ade")) {
            Path p = Path.of(getClass().getResource("/configs/" + name + "/config.json").toURI());
            DPTConfig c = DPTConfig.fromPretrained(p);
            assertTrue(c.toString().startsWith("DPTConfig(DPTFor"), c.toString());
        }
        DPTConfig ade = DPTConfig.fromPretrained(Path.of(getClass().getResource("/configs/dpt-large-ade/config.json").toURI()));
        assertEquals(150, ade.numLabels());
        assertEquals("wall", ade.id2label.get(0));
    }
}
