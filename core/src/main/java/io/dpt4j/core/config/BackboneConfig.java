package io.dpt4j.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A backbone config nested in a DPT config ({@code backbone_config}), resolved by its {@code model_type}
 * like transformers' {@code CONFIG_MAPPING}. Carries the backbone API's stage selection
 * ({@code stage_names}, {@code out_features}, {@code out_indices}).
 */
public abstract class BackboneConfig {
    protected final ObjectNode raw;
    protected List<String> stageNames;
    protected List<String> outFeatures;
    protected List<Integer> outIndices;

    protected BackboneConfig(ObjectNode raw) {
        this.raw = raw;
    }

    public abstract String modelType();

    /** The backbone's token width where the DPT neck needs it (ViT-like backbones). */
    public int hiddenSize() {
        throw new ConfigException(ConfigException.Kind.UNSUPPORTED, modelType() + " backbone has no single hidden_size");
    }

    public int patchSize() {
        throw new ConfigException(ConfigException.Kind.UNSUPPORTED, modelType() + " backbone has no patch_size");
    }

    /** The input's channel count ({@code num_channels}, 3 unless the config says otherwise). */
    public int numChannels() {
        return raw.path("num_channels").asInt(3);
    }

    /**
     * Whether the selected feature maps are token sequences with the CLS token first ([B, 1 + N, C]),
     * which DPT's reassemble stage needs; false for backbones returning [B, C, H, W] maps.
     */
    public boolean returnsTokenSequences() {
        return false;
    }

    /** The backbone's {@code image_size} {height, width}, or null for backbones without one (BiT). */
    public int[] imageSize() {
        return null;
    }

    /** A config's {@code image_size}: an int (a square) or a [height, width] pair. */
    protected static int[] imageSize(JsonFields f, int dflt) {
        if (!f.has("image_size")) {
            return new int[] {dflt, dflt};
        }
        JsonNode v = f.node().get("image_size");
        if (v.isArray() && v.size() == 2 && v.get(0).canConvertToInt() && v.get(1).canConvertToInt()
                && v.get(0).intValue() > 0 && v.get(1).intValue() > 0) {
            return new int[] {v.get(0).intValue(), v.get(1).intValue()};
        }
        int s = f.positive("image_size", dflt);
        return new int[] {s, s};
    }

    public List<String> stageNames() {
        return stageNames;
    }

    /**
     * Whether the backbone returns stage {@code stageIndex} (0 = stem): transformers walks the stages in
     * order and keeps those named in out_features, so maps come in stage order.
     */
    public boolean selectsStage(int stageIndex) {
        return outFeatures.contains(stageNames.get(stageIndex));
    }

    public List<String> outFeatures() {
        return outFeatures;
    }

    public List<Integer> outIndices() {
        return outIndices;
    }

    /** The JSON as read (unknown keys included), for writing the config back. */
    public ObjectNode toJson() {
        return raw.deepCopy();
    }

    /**
     * transformers' {@code get_aligned_output_features_output_indices}: fills whichever of
     * out_features / out_indices is missing from the other, defaulting to the last stage.
     */
    protected void alignOutputs(JsonFields f, int numStages) {
        // transformers recomputes stage_names from the depth in every backbone config's __init__,
        // whatever the JSON carries, so a stale "stage_names" is ignored here too.
        stageNames = new ArrayList<>();
        stageNames.add("stem");
        for (int i = 1; i <= numStages; i++) {
            stageNames.add("stage" + i);
        }
        List<String> feats = f.stringList("out_features", null);
        List<Integer> idx = f.intList("out_indices", null);
        if (feats == null && idx == null) {
            feats = List.of(stageNames.get(stageNames.size() - 1));
            idx = List.of(stageNames.size() - 1);
        } else if (feats == null) {
            feats = new ArrayList<>();
            for (int i : idx) {
                int j = i < 0 ? i + stageNames.size() : i;
                if (j < 0 || j >= stageNames.size()) {
                    throw f.error("out_indices", "indices into stage_names " + stageNames);
                }
                feats.add(stageNames.get(j));
            }
        } else if (idx == null) {
            idx = new ArrayList<>();
            for (String s : feats) {
                int j = stageNames.indexOf(s);
                if (j < 0) {
                    throw f.error("out_features", "names from stage_names " + stageNames);
                }
                idx.add(j);
            }
        } else {
            for (String s : feats) {
                if (!stageNames.contains(s)) {
                    throw f.error("out_features", "names from stage_names " + stageNames);
                }
            }
        }
        outFeatures = List.copyOf(feats);
        outIndices = List.copyOf(idx);
    }

    /** Resolves a nested backbone config by its model_type. */
    public static BackboneConfig fromJson(ObjectNode node, String where) {
        JsonFields f = new JsonFields(node, where);
        String type = f.string("model_type", null);
        if (type == null) {
            throw new ConfigException(ConfigException.Kind.INVALID_VALUE, where + ": \"model_type\" is missing; expected one of bit, dinov2, beit, swinv2");
        }
        switch (type) {
            case "bit":
                return new BitConfig(node, where);
            default:
                return BackboneConfigs.resolve(type, node, where);
        }
    }
}
