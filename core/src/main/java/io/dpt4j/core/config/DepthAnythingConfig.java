package io.dpt4j.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpt4j.core.CoreConstants;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers' {@code DepthAnythingConfig} (model_type {@code depth_anything}): a backbone config
 * (DINOv2 by default) and the Depth Anything neck and head, relative or metric. The JSON as read is
 * kept, so unknown keys survive {@link #save}.
 */
public final class DepthAnythingConfig implements PretrainedConfig {
    /** This config's {@code model_type}. */
    public static final String MODEL_TYPE = "depth_anything";

    private final ObjectNode raw;
    private final String where;

    public final String modelType;
    public final List<String> architectures;
    public final BackboneConfig backboneConfig;
    public final int patchSize;
    public final int reassembleHiddenSize;
    public final List<Double> reassembleFactors;
    public final List<Integer> neckHiddenSizes;
    public final int fusionHiddenSize;
    public final int headInIndex;
    public final int headHiddenSize;
    /** "relative" (ReLU output) or "metric" (sigmoid * max_depth). */
    public final String depthEstimationType;
    /** The metric head's scale; transformers turns a missing or zero max_depth into 1. */
    public final double maxDepth;
    /** "dtype", or the older "torch_dtype"; null when absent. */
    public final String dtype;

    private DepthAnythingConfig(ObjectNode raw, String where) {
        this.raw = raw;
        this.where = where;
        JsonFields f = new JsonFields(raw, where);
        modelType = f.string("model_type", "depth_anything");
        if (!modelType.equals("depth_anything")) {
            throw new ConfigException(ConfigException.Kind.MODEL_TYPE_MISMATCH, where + ": \"model_type\" is \"" + modelType + "\", expected \"depth_anything\""
                    + (modelType.equals("dpt") ? " (use DPTConfig / DPTForDepthEstimation)" : ""));
        }
        architectures = f.stringList("architectures", List.of());
        ObjectNode bb = f.object("backbone_config");
        if (bb == null && f.has("backbone")) {
            throw new ConfigException(ConfigException.Kind.UNSUPPORTED, where + ": \"backbone\" names a timm/hub backbone (" + raw.get("backbone")
                    + "); only configs with a nested \"backbone_config\" are supported");
        }
        backboneConfig = BackboneConfig.fromJson(bb != null ? bb : defaultBackbone(), where + " backbone_config");
        patchSize = f.positive("patch_size", 14);
        reassembleHiddenSize = f.positive("reassemble_hidden_size", 384);
        reassembleFactors = f.numberList("reassemble_factors", List.of(4.0, 2.0, 1.0, 0.5));
        neckHiddenSizes = f.intList("neck_hidden_sizes", List.of(48, 96, 192, 384));
        fusionHiddenSize = f.positive("fusion_hidden_size", 64);
        headInIndex = f.integer("head_in_index", -1);
        headHiddenSize = f.positive("head_hidden_size", 32);
        // Some hub revisions spell the key "depth_estimation"; transformers would ignore it and build a
        // relative head, which gives a wrong model for the metric checkpoints, so it is honoured when the
        // current key is absent.
        depthEstimationType = f.has("depth_estimation_type") ? f.oneOf("depth_estimation_type", "relative", "relative", "metric")
                : f.oneOf("depth_estimation", "relative", "relative", "metric");
        double md = f.number("max_depth", 0);
        maxDepth = md == 0 ? 1 : md;
        dtype = f.has("dtype") ? f.string("dtype", null) : f.string("torch_dtype", null);
        validate(f);
    }

    /** transformers' default backbone when a config has none: DINOv2-small at 518. */
    static ObjectNode defaultBackbone() {
        ObjectNode n = DPTConfig.MAPPER.createObjectNode();
        n.put("model_type", "dinov2");
        n.put("image_size", 518);
        n.put("hidden_size", 384);
        n.put("num_attention_heads", 6);
        n.putArray("out_indices").add(9).add(10).add(11).add(12);
        n.put("apply_layernorm", true);
        n.put("reshape_hidden_states", false);
        return n;
    }

    private void validate(JsonFields f) {
        DPTConfig.validateNeck(f, neckHiddenSizes, reassembleFactors, true, headInIndex);
        if (!backboneConfig.returnsTokenSequences()) {
            throw new ConfigException(ConfigException.Kind.INCONSISTENT_VALUES,
                    where + ": Depth Anything's neck needs token sequences from the backbone, but the "
                    + backboneConfig.modelType() + " backbone_config returns image maps"
                    + (backboneConfig.modelType().equals("swinv2") ? "" : " (set \"reshape_hidden_states\": false)"));
        }
    }

    /** The head class named by architectures[0], or null. */
    public String architecture() {
        return architectures.isEmpty() ? null : architectures.get(0);
    }

    public boolean isMetric() {
        return depthEstimationType.equals("metric");
    }

    @Override
    public String modelType() {
        return modelType;
    }

    @Override
    public List<String> architectures() {
        return architectures;
    }

    /** The backbone's {@code image_size} (Depth Anything has none of its own; DINOv2's default is 518). */
    @Override
    public int[] inputSize() {
        int[] s = backboneConfig.imageSize();
        if (s == null) {
            throw new ConfigException(ConfigException.Kind.INVALID_VALUE, where + ": the " + backboneConfig.modelType() + " backbone_config has no image_size");
        }
        return s.clone();
    }

    // ---------------------------------------------------------------- reading and writing

    public static DepthAnythingConfig fromJson(ObjectNode node, String where) {
        return new DepthAnythingConfig(node.deepCopy(), where);
    }

    public static DepthAnythingConfig fromJson(String json) {
        return fromJson(DPTConfig.parse(json, "config"), "config");
    }

    /** Reads {@code config.json} from a model directory, or the given JSON file. */
    public static DepthAnythingConfig fromPretrained(Path dirOrFile) throws IOException {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(CoreConstants.CONFIG_FILE) : dirOrFile;
        return fromJson(DPTConfig.readObject(file), file.toString());
    }

    /** A config with {@code key} set to {@code value} (any JSON-able value), validated anew. */
    public DepthAnythingConfig with(String key, Object value) {
        ObjectNode copy = raw.deepCopy();
        copy.set(key, DPTConfig.MAPPER.valueToTree(value));
        return new DepthAnythingConfig(copy, where);
    }

    /** The config as JSON: the keys as read, unknown ones included, in their order. */
    public ObjectNode toJson() {
        return raw.deepCopy();
    }

    public String toJsonString() {
        try {
            return DPTConfig.MAPPER.writeValueAsString(raw);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code config.json} into {@code dir} atomically (temp file, then move). */
    public void save(Path dir) throws IOException {
        DPTConfig.writeAtomically(dir.resolve(CoreConstants.CONFIG_FILE), toJsonString() + "\n");
    }

    @Override
    public String toString() {
        return "DepthAnythingConfig(" + (architecture() == null ? "DepthAnything" : architecture()) + ", " + depthEstimationType
                + (isMetric() ? " (max_depth=" + fmt(maxDepth) + ")" : "") + ", backbone=" + backboneConfig
                + ", reassemble_hidden_size=" + reassembleHiddenSize + ", neck=" + neckHiddenSizes + ", fusion=" + fusionHiddenSize
                + ", head_hidden_size=" + headHiddenSize + ", patch=" + patchSize + ")";
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
