package io.dpt4j.core.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/** transformers' BitConfig (the ResNet-style backbone of DPT-Hybrid), with its defaults. */
public final class BitConfig extends BackboneConfig {
    public final int numChannels;
    public final int embeddingSize;
    public final List<Integer> hiddenSizes;
    public final List<Integer> depths;
    public final String layerType;
    public final String hiddenAct;
    /** "SAME", "VALID" or null, upper-cased as transformers stores it. */
    public final String globalPadding;
    public final int numGroups;
    public final boolean embeddingDynamicPadding;
    public final int outputStride;
    public final int widthFactor;

    BitConfig(ObjectNode node, String where) {
        super(node);
        JsonFields f = new JsonFields(node, where);
        numChannels = f.positive("num_channels", 3);
        embeddingSize = f.positive("embedding_size", 64);
        hiddenSizes = f.intList("hidden_sizes", List.of(256, 512, 1024, 2048));
        depths = f.intList("depths", List.of(3, 4, 6, 3));
        layerType = f.oneOf("layer_type", "preactivation", "preactivation", "bottleneck");
        hiddenAct = f.string("hidden_act", "relu");
        String gp = f.string("global_padding", null);
        if (gp != null) {
            gp = gp.toUpperCase(Locale.ROOT);
            if (!gp.equals("SAME") && !gp.equals("VALID")) {
                throw f.error("global_padding", "\"SAME\", \"VALID\" or null");
            }
        }
        globalPadding = gp;
        numGroups = f.positive("num_groups", 32);
        embeddingDynamicPadding = f.bool("embedding_dynamic_padding", false);
        outputStride = f.positive("output_stride", 32);
        widthFactor = f.positive("width_factor", 1);
        alignOutputs(f, depths.size());
    }

    /** The default backbone of DPT-Hybrid when a hybrid config has no backbone_config. */
    static ObjectNode hybridDefault(ObjectMapper m) {
        ObjectNode n = m.createObjectNode();
        n.put("global_padding", "same");
        n.put("layer_type", "bottleneck");
        n.putArray("depths").add(3).add(4).add(9);
        n.putArray("out_features").add("stage1").add("stage2").add("stage3");
        n.put("embedding_dynamic_padding", true);
        n.put("model_type", "bit");
        return n;
    }

    @Override
    public String modelType() {
        return "bit";
    }
}
