package io.dpt4j.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The backbone configs and DepthAnythingConfig: transformers' defaults, alignment, legacy keys, errors. */
class FamilyConfigTest {

    private static DPTConfig dpt(String backbone) {
        return DPTConfig.fromJson("{\"model_type\": \"dpt\", \"backbone_config\": " + backbone + "}");
    }

    @Test
    void dinov2DefaultsAreTransformers() {
        Dinov2Config c = (Dinov2Config) dpt("{\"model_type\": \"dinov2\", \"reshape_hidden_states\": false}").backboneConfig;
        assertEquals(768, c.hiddenSize);
        assertEquals(12, c.numHiddenLayers);
        assertEquals(14, c.patchSize);
        assertEquals(1e-6, c.layerNormEps);
        assertEquals(3072, c.mlpHiddenSize());
        assertTrue(c.applyLayernorm);
        assertTrue(c.useMaskToken);
        assertFalse(c.useSwigluFfn);
        assertEquals(224, c.imageSize[0]);
        // neither out_features nor out_indices: the last stage
        assertEquals(List.of("stage12"), c.outFeatures());
        assertEquals(List.of(12), c.outIndices());
        String summary = dpt("{\"model_type\": \"dinov2\", \"reshape_hidden_states\": false}").toString();
        assertTrue(summary.contains("backbone=Dinov2Config(hidden_size=768, layers=12, heads=12, patch=14"), summary);
    }

    @Test
    void outIndicesAloneAreAlignedAndSelectionFollowsStageOrder() {
        Dinov2Config c = (Dinov2Config) dpt("{\"model_type\": \"dinov2\", \"num_hidden_layers\": 4, \"out_indices\": [4, 2],"
                + " \"reshape_hidden_states\": false, \"stage_names\": [\"stale\"]}").backboneConfig;
        assertEquals(List.of("stage4", "stage2"), c.outFeatures());
        assertEquals(List.of("stem", "stage1", "stage2", "stage3", "stage4"), c.stageNames());
        assertFalse(c.selectsStage(0));
        assertTrue(c.selectsStage(2));
        assertTrue(c.selectsStage(4));
        assertFalse(c.selectsStage(3));
    }

    @Test
    void unknownOutFeatureIsRejectedWithTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> dpt("{\"model_type\": \"dinov2\", \"num_hidden_layers\": 2, \"out_features\": [\"stage7\"]}"));
        assertTrue(e.getMessage().contains("out_features"), e.getMessage());
        assertEquals(ConfigException.Kind.INVALID_VALUE, e.kind());
    }

    @Test
    void dptRefusesDinov2MapsBecauseTheNeckNeedsTokens() {
        // checked by the head model that builds the neck (the config alone is what transformers accepts)
        DPTConfig c = dpt("{\"model_type\": \"dinov2\"}");
        ConfigException e = assertThrows(ConfigException.class, c::validateNeckAndHead);
        assertTrue(e.getMessage().contains("reshape_hidden_states"), e.getMessage());
        assertEquals(ConfigException.Kind.INCONSISTENT_VALUES, e.kind());
    }

    @Test
    void swiGluWidthIsRoundedToMultipleOfEight() {
        Dinov2Config c = (Dinov2Config) dpt("{\"model_type\": \"dinov2\", \"hidden_size\": 1536, \"num_attention_heads\": 24,"
                + " \"use_swiglu_ffn\": true, \"reshape_hidden_states\": false}").backboneConfig;
        // int(1536 * 4) = 6144; int(6144 * 2 / 3) = 4096; (4096 + 7) // 8 * 8 = 4096
        assertEquals(4096, c.swigluHiddenSize());
    }

    @Test
    void beitDefaultsAndPatchShape() {
        BeitConfig c = (BeitConfig) dpt("{\"model_type\": \"beit\", \"image_size\": 384, \"reshape_hidden_states\": false}").backboneConfig;
        assertEquals(16, c.patchSize);
        assertEquals(1e-12, c.layerNormEps);
        assertEquals(0.1, c.layerScaleInitValue);
        assertFalse(c.useRelativePositionBias);
        assertFalse(c.useAbsolutePositionEmbeddings);
        assertEquals(24, c.patchShape()[0]);
        assertThrows(ConfigException.class, () -> dpt("{\"model_type\": \"beit\", \"add_fpn\": true, \"reshape_hidden_states\": false}"));
    }

    @Test
    void swinv2HiddenSizeIsComputedNotRead() {
        Swinv2Config c = (Swinv2Config) dpt("{\"model_type\": \"swinv2\", \"hidden_size\": 5}").backboneConfig;
        assertEquals(768, c.hiddenSize);
        assertEquals(List.of(2, 2, 6, 2), c.depths);
        assertEquals(7, c.windowSize);
        assertEquals(1e-5, c.layerNormEps);
        assertEquals(List.of("stage4"), c.outFeatures());
        assertEquals(192, c.stageDim(1));
        ConfigException e = assertThrows(ConfigException.class, () -> dpt("{\"model_type\": \"swinv2\", \"num_heads\": [3, 6]}"));
        assertTrue(e.getMessage().contains("num_heads"), e.getMessage());
        assertEquals(ConfigException.Kind.INCONSISTENT_VALUES, e.kind());
    }

    @Test
    void unknownBackboneTypeNamesTheSupportedOnes() {
        ConfigException e = assertThrows(ConfigException.class, () -> dpt("{\"model_type\": \"convnext\"}"));
        assertTrue(e.getMessage().contains("dinov2") && e.getMessage().contains("swinv2"), e.getMessage());
        assertEquals(ConfigException.Kind.UNSUPPORTED, e.kind());
    }

    @Test
    void depthAnythingDefaultsToDinov2Small() {
        DepthAnythingConfig c = DepthAnythingConfig.fromJson("{\"model_type\": \"depth_anything\"}");
        Dinov2Config b = assertInstanceOf(Dinov2Config.class, c.backboneConfig);
        assertEquals(384, b.hiddenSize);
        assertEquals(518, b.imageSize[0]);
        assertEquals(List.of(9, 10, 11, 12), b.outIndices());
        assertEquals(List.of(48, 96, 192, 384), c.neckHiddenSizes);
        assertEquals(64, c.fusionHiddenSize);
        assertEquals(32, c.headHiddenSize);
        assertEquals("relative", c.depthEstimationType);
        assertEquals(1.0, c.maxDepth);
    }

    @Test
    void depthAnythingLegacyKeyAndMaxDepth() {
        DepthAnythingConfig legacy = DepthAnythingConfig.fromJson(
                "{\"model_type\": \"depth_anything\", \"depth_estimation\": \"metric\", \"max_depth\": 80}");
        assertTrue(legacy.isMetric());
        assertEquals(80.0, legacy.maxDepth);
        DepthAnythingConfig current = DepthAnythingConfig.fromJson("{\"model_type\": \"depth_anything\","
                + " \"depth_estimation_type\": \"relative\", \"depth_estimation\": \"metric\", \"max_depth\": null}");
        assertFalse(current.isMetric());
        assertEquals(1.0, current.maxDepth);
        assertTrue(legacy.toString().contains("metric") && legacy.toString().contains("max_depth=80"), legacy.toString());
        ConfigException e = assertThrows(ConfigException.class,
                () -> DepthAnythingConfig.fromJson("{\"model_type\": \"depth_anything\", \"depth_estimation_type\": \"absolute\"}"));
        assertTrue(e.getMessage().contains("depth_estimation_type"), e.getMessage());
        assertEquals(ConfigException.Kind.INVALID_VALUE, e.kind());
    }

    @Test
    void depthAnythingRejectsOtherModelTypesAndMapBackbones() {
        ConfigException e = assertThrows(ConfigException.class, () -> DepthAnythingConfig.fromJson("{\"model_type\": \"dpt\"}"));
        assertTrue(e.getMessage().contains("DPTConfig"), e.getMessage());
        assertEquals(ConfigException.Kind.MODEL_TYPE_MISMATCH, e.kind());
        e = assertThrows(ConfigException.class, () -> DepthAnythingConfig.fromJson(
                "{\"model_type\": \"depth_anything\", \"backbone_config\": {\"model_type\": \"swinv2\"}}"));
        assertTrue(e.getMessage().contains("token sequences"), e.getMessage());
        assertEquals(ConfigException.Kind.INCONSISTENT_VALUES, e.kind());
        assertThrows(ConfigException.class, () -> DPTConfig.fromJson("{\"model_type\": \"depth_anything\"}"));
    }

    @Test
    void depthAnythingSurvivesSaveRoundTrip() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("da-config");
        DepthAnythingConfig c = DepthAnythingConfig.fromJson("{\"model_type\": \"depth_anything\", \"custom\": 1, \"max_depth\": 20,"
                + " \"depth_estimation_type\": \"metric\"}");
        c.save(dir);
        DepthAnythingConfig back = DepthAnythingConfig.fromPretrained(dir);
        assertEquals(c.toJson(), back.toJson());
        assertTrue(back.isMetric());
        java.nio.file.Files.delete(dir.resolve("config.json"));
        java.nio.file.Files.delete(dir);
    }
}
