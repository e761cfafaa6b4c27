package io.dpt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpt4j.cli.RandomCheckpointCommand.InitRules;
import org.junit.jupiter.api.Test;

/** The random checkpoint starts each parameter where transformers' _init_weights does. */
class RandomCheckpointInitTest {
    private static InitRules rules(String json) throws Exception {
        return InitRules.of(new ObjectMapper().readTree(json));
    }

    @Test
    void dinov2LayerScalesAndEmbeddingsFollowTheBackboneConfig() throws Exception {
        InitRules r = rules("{\"initializer_range\": 0.03, \"backbone_config\": {\"model_type\": \"dinov2\", \"layerscale_value\": 0.5,"
                + " \"initializer_range\": 0.01}}");
        assertEquals(0.5, r.constant("backbone.encoder.layer.3.layer_scale1.lambda1"));
        assertNull(r.constant("backbone.embeddings.cls_token"), "DINOv2 draws its class token");
        assertNull(r.constant("backbone.embeddings.position_embeddings"));
        assertEquals(0.0, r.constant("backbone.embeddings.mask_token"));
        assertEquals(0.01, r.std("backbone.encoder.layer.0.mlp.fc1.weight"));
        assertEquals(0.03, r.std("head.conv1.weight"));
        assertEquals(1.0, rules("{\"backbone_config\": {\"model_type\": \"dinov2\"}}").constant("backbone.encoder.layer.0.layer_scale2.lambda1"));
    }

    @Test
    void vitBeitAndSwinv2Constants() throws Exception {
        InitRules vit = rules("{\"model_type\": \"dpt\"}");
        assertEquals(0.0, vit.constant("dpt.embeddings.cls_token"));
        assertEquals(0.0, vit.constant("dpt.embeddings.position_embeddings"));
        assertEquals(1.0, vit.constant("dpt.encoder.layer.0.layernorm_before.weight"));
        assertEquals(0.0, vit.constant("dpt.encoder.layer.0.attention.attention.query.bias"));
        assertNull(vit.constant("dpt.encoder.layer.0.attention.attention.query.weight"));
        assertEquals(0.02, vit.std("dpt.encoder.layer.0.attention.attention.query.weight"));
        InitRules beit = rules("{\"backbone_config\": {\"model_type\": \"beit\"}}");
        assertEquals(0.1, beit.constant("backbone.encoder.layer.0.lambda_2"));
        assertEquals(0.0, beit.constant("backbone.encoder.layer.0.attention.attention.relative_position_bias.relative_position_bias_table"));
        InitRules swin = rules("{\"backbone_config\": {\"model_type\": \"swinv2\"}}");
        assertEquals(Math.log(10), swin.constant("backbone.encoder.layers.0.blocks.0.attention.self.logit_scale"));
    }
}
