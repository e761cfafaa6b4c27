package io.dpt4j.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpt4j.converters.AtomicFiles;
import io.dpt4j.core.CoreConstants;
import io.dpt4j.core.nn.F;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * transformers' {@code DPTConfig}: every field a DPT {@code config.json} carries, with transformers'
 * defaults. The JSON as read is kept, so unknown keys survive {@link #save}; {@link #with} derives a
 * changed config.
 */
public final class DPTConfig implements PretrainedConfig {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ObjectNode raw;
    private final String where;

    public final String modelType;
    public final List<String> architectures;
    public final int hiddenSize;
    public final int numHiddenLayers;
    public final int numAttentionHeads;
    public final int intermediateSize;
    public final String hiddenAct;
    public final double layerNormEps;
    /** (height, width); a config's int image_size gives a square. */
    public final int[] imageSize;
    public final int patchSize;
    public final int numChannels;
    public final boolean qkvBias;
    public final boolean isHybrid;
    public final List<Integer> backboneOutIndices;
    public final String readoutType;
    public final List<Double> reassembleFactors;
    public final List<Integer> neckHiddenSizes;
    public final int fusionHiddenSize;
    public final int headInIndex;
    public final boolean useBatchNormInFusionResidual;
    /** null means "not use_batch_norm_in_fusion_residual", as in transformers. */
    public final Boolean useBiasInFusionResidual;
    public final boolean addProjection;
    public final boolean useAuxiliaryHead;
    public final double auxiliaryLossWeight;
    public final int semanticLossIgnoreIndex;
    public final double semanticClassifierDropout;
    public final List<Integer> backboneFeatmapShape;
    public final List<Integer> neckIgnoreStages;
    public final BackboneConfig backboneConfig;
    public final int poolerOutputSize;
    public final String poolerAct;
    public final Map<Integer, String> id2label;
    public final Map<String, Integer> label2id;
    /** "dtype", or the older "torch_dtype"; null when absent. */
    public final String dtype;

    private DPTConfig(ObjectNode raw, String where) {
        this.raw = raw;
        this.where = where;
        JsonFields f = new JsonFields(raw, where);
        modelType = f.string("model_type", "dpt");
        if (!modelType.equals("dpt")) {
            throw new ConfigException(ConfigException.Kind.MODEL_TYPE_MISMATCH, where + ": \"model_type\" is \"" + modelType + "\", expected \"dpt\""
                    + (modelType.equals("depth_anything") ? " (use DepthAnythingConfig / DepthAnythingForDepthEstimation)" : ""));
        }
        architectures = f.stringList("architectures", List.of());
        hiddenSize = f.positive("hidden_size", 768);
        isHybrid = f.bool("is_hybrid", false);

        ObjectNode bb = f.object("backbone_config");
        if (isHybrid) {
            backboneConfig = BackboneConfig.fromJson(bb != null ? bb : BitConfig.hybridDefault(MAPPER), where + " backbone_config");
            if (!(backboneConfig instanceof BitConfig)) {
                throw new ConfigException(ConfigException.Kind.INCONSISTENT_VALUES,
                        where + ": a hybrid DPT (is_hybrid: true) needs a \"bit\" backbone_config, got \""
                        + backboneConfig.modelType() + "\"");
            }
            backboneFeatmapShape = f.intList("backbone_featmap_shape", List.of(1, 1024, 24, 24));
            if (backboneFeatmapShape.size() != 4) {
                throw f.error("backbone_featmap_shape", "a list of 4 integers [1, channels, height, width]");
            }
            // transformers only honours neck_ignore_stages for hybrids; other DPTs always use [].
            neckIgnoreStages = f.intList("neck_ignore_stages", List.of(0, 1));
        } else {
            if (f.has("backbone") && !f.has("backbone_config")) {
                throw new ConfigException(ConfigException.Kind.UNSUPPORTED, where + ": \"backbone\" names a timm/hub backbone (" + raw.get("backbone")
                        + "); only configs with a nested \"backbone_config\" are supported");
            }
            backboneConfig = bb == null ? null : BackboneConfig.fromJson(bb, where + " backbone_config");
            backboneFeatmapShape = null;
            neckIgnoreStages = List.of();
        }

        numHiddenLayers = f.positive("num_hidden_layers", 12);
        numAttentionHeads = f.positive("num_attention_heads", 12);
        intermediateSize = f.positive("intermediate_size", 3072);
        hiddenAct = f.string("hidden_act", "gelu");
        if (!F.isKnownActivation(hiddenAct)) {
            throw f.error("hidden_act", "a known activation such as \"gelu\"");
        }
        layerNormEps = f.number("layer_norm_eps", 1e-12);
        imageSize = readImageSize(f);
        patchSize = f.positive("patch_size", 16);
        numChannels = f.positive("num_channels", 3);
        qkvBias = f.bool("qkv_bias", true);
        if (backboneConfig == null && hiddenSize % numAttentionHeads != 0) {
            throw new ConfigException(ConfigException.Kind.INCONSISTENT_VALUES,
                    where + ": \"hidden_size\" (" + hiddenSize + ") must be a multiple of \"num_attention_heads\" ("
                    + numAttentionHeads + ")");
        }
        // Legacy spellings from the first DPT release (out_indices, channels, in_index, use_batch_norm):
        // transformers 4.57 would silently ignore them and use defaults; we honour them when the
        // current key is absent, because the defaults would give a wrong model.
        backboneOutIndices = f.has("backbone_out_indices") ? f.intList("backbone_out_indices", null)
                : f.intList("out_indices", List.of(2, 5, 8, 11));
        readoutType = f.oneOf("readout_type", "project", "ignore", "add", "project");
        if (isHybrid && !readoutType.equals("project")) {
            throw new ConfigException(ConfigException.Kind.INCONSISTENT_VALUES,
                    where + ": \"readout_type\" must be \"project\" when \"is_hybrid\" is true, got \"" + readoutType + "\"");
        }
        reassembleFactors = f.numberList("reassemble_factors", List.of(4.0, 2.0, 1.0, 0.5));
        neckHiddenSizes = f.intList("neck_hidden_sizes", List.of(96, 192, 384, 768));
        fusionHiddenSize = f.has("fusion_hidden_size") ? f.positive("fusion_hidden_size", 256) : f.positive("channels", 256);
        headInIndex = f.has("head_in_index") ? f.integer("head_in_index", -1) : f.integer("in_index", -1);
        useBatchNormInFusionResidual = f.has("use_batch_norm_in_fusion_residual")
                ? f.bool("use_batch_norm_in_fusion_residual", false) : f.bool("use_batch_norm", false);
        useBiasInFusionResidual = f.optBool("use_bias_in_fusion_residual");
        addProjection = f.bool("add_projection", false);
        useAuxiliaryHead = f.bool("use_auxiliary_head", true);
        auxiliaryLossWeight = f.number("auxiliary_loss_weight", 0.4);
        semanticLossIgnoreIndex = f.integer("semantic_loss_ignore_index", 255);
        semanticClassifierDropout = f.number("semantic_classifier_dropout", 0.1);
        Integer pos = f.optInteger("pooler_output_size");
        poolerOutputSize = pos == null || pos == 0 ? hiddenSize : pos;
        poolerAct = f.string("pooler_act", "tanh");
        id2label = readId2Label(f);
        Map<String, Integer> l2i = new LinkedHashMap<>();
        id2label.forEach((k, v) -> l2i.put(v, k));
        label2id = Collections.unmodifiableMap(l2i);
        dtype = f.has("dtype") ? f.string("dtype", null) : f.string("torch_dtype", null);
    }

    private static int[] readImageSize(JsonFields f) {
        if (!f.has("image_size")) {
            return new int[] {384, 384};
        }
        JsonNode v = f.node().get("image_size");
        if (v.isArray() && v.size() == 2 && v.get(0).canConvertToInt() && v.get(1).canConvertToInt()) {
            return new int[] {v.get(0).intValue(), v.get(1).intValue()};
        }
        int s = f.positive("image_size", 384);
        return new int[] {s, s};
    }

    static Map<Integer, String> readId2Label(JsonFields f) {
        Map<Integer, String> m = new LinkedHashMap<>();
        ObjectNode o = f.object("id2label");
        if (o != null) {
            for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) o::fields) {
                try {
                    m.put(Integer.parseInt(e.getKey()), e.getValue().asText());
                } catch (NumberFormatException ex) {
                    throw f.error("id2label", "an object with integer keys");
                }
            }
        } else {
            int n = f.has("num_labels") ? f.positive("num_labels", 2) : 2;
            for (int i = 0; i < n; i++) {
                m.put(i, "LABEL_" + i);
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * The checks of the settings the head models (DPTForDepthEstimation, DPTForSemanticSegmentation)
     * build their neck and head from: stages, reassemble factors, head_in_index, the backbone's output
     * form, the projection's width. backbone_out_indices is checked when the neck selects its inputs
     * (transformers builds such a model and fails in forward).
     */
    public void validateNeckAndHead() {
        JsonFields f = new JsonFields(raw, where);
        boolean swin = backboneConfig != null && backboneConfig.modelType().equals("swinv2");
        validateNeck(f, neckHiddenSizes, reassembleFactors, !swin, headInIndex);
        if (usesAutoBackbone() && !swin && !backboneConfig.returnsTokenSequences()) {
            throw new ConfigException(ConfigException.Kind.INCONSISTENT_VALUES,
                    where + ": the " + backboneConfig.modelType() + " backbone_config has \"reshape_hidden_states\": true, "
                    + "but DPT's reassemble stage needs token sequences; set it to false (as the hub's DPT checkpoints do)");
        }
        if (addProjection && fusionHiddenSize != 256) {
            throw new ConfigException(ConfigException.Kind.INCONSISTENT_VALUES,
                    where + ": \"add_projection\" needs \"fusion_hidden_size\" 256 (the projection is a fixed 256->256 conv), got "
                    + fusionHiddenSize);
        }
    }

    /**
     * Checks shared by the DPT and Depth Anything necks: stages, one reassemble factor per stage (unless
     * the backbone is hierarchical and has no reassemble stage), factors transformers can build, and
     * head_in_index within the stages.
     */
    static void validateNeck(JsonFields f, List<Integer> neckHiddenSizes, List<Double> reassembleFactors,
            boolean factorPerStage, int headInIndex) {
        int n = neckHiddenSizes.size();
        if (n == 0) {
            throw f.error("neck_hidden_sizes", "a non-empty list of integers");
        }
        if (factorPerStage && reassembleFactors.size() < n) {
            throw new ConfigException(ConfigException.Kind.INCONSISTENT_VALUES, f.where() + ": \"reassemble_factors\" has " + reassembleFactors.size()
                    + " entries but \"neck_hidden_sizes\" has " + n + "; one factor per neck stage is expected");
        }
        for (double r : reassembleFactors) {
            // > 1: the ConvTranspose kernel (an integer); < 1: a stride-int(1/factor) conv, as transformers builds it.
            if (!(r > 0) || (r > 1 && r != Math.rint(r)) || (r < 1 && (int) (1 / r) < 1)) {
                throw f.error("reassemble_factors", "positive numbers: integers above 1, or fractions whose inverse gives the downsampling stride");
            }
        }
        if (headInIndex < -n || headInIndex >= n) {
            throw f.error("head_in_index", "an index into the " + n + " neck stages (-" + n + " .. " + (n - 1) + ")");
        }
    }

    @Override
    public String modelType() {
        return modelType;
    }

    @Override
    public List<String> architectures() {
        return architectures;
    }

    /** DPT-Hybrid only accepts its configured {@code image_size}. */
    @Override
    public int[] fixedInputSize() {
        return isHybrid ? imageSize.clone() : null;
    }

    /** {@code image_size}, or the backbone's for a DPT on a DINOv2/BEiT/Swinv2 backbone (hybrids use their own). */
    @Override
    public int[] inputSize() {
        int[] backbone = usesAutoBackbone() ? backboneConfig.imageSize() : null;
        return (backbone != null ? backbone : imageSize).clone();
    }

    /** The number of segmentation classes (len(id2label)). */
    public int numLabels() {
        return id2label.size();
    }

    /** The head class named by architectures[0], or null. */
    public String architecture() {
        return architectures.isEmpty() ? null : architectures.get(0);
    }

    /** transformers' {@code _get_backbone_hidden_size}. */
    public int backboneHiddenSize() {
        return backboneConfig != null && !isHybrid ? backboneConfig.hiddenSize() : hiddenSize;
    }

    /** Whether the ViT trunk comes from a separate backbone (DINOv2, BEiT, Swinv2) rather than DPT's own. */
    public boolean usesAutoBackbone() {
        return backboneConfig != null && !isHybrid;
    }

    public boolean effectiveUseBiasInFusionResidual() {
        return useBiasInFusionResidual != null ? useBiasInFusionResidual : !useBatchNormInFusionResidual;
    }

    // ---------------------------------------------------------------- reading and writing

    public static DPTConfig fromJson(ObjectNode node, String where) {
        return new DPTConfig(node.deepCopy(), where);
    }

    public static DPTConfig fromJson(String json) {
        return fromJson(parse(json, "config"), "config");
    }

    /** Reads {@code config.json} from a model directory, or the given JSON file. */
    public static DPTConfig fromPretrained(Path dirOrFile) throws IOException {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(CoreConstants.CONFIG_FILE) : dirOrFile;
        return fromJson(readObject(file), file.toString());
    }

    static ObjectNode readObject(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(ConfigException.Kind.MISSING_FILE, file + ": no such file (a model directory needs a config.json)");
        }
        return parse(Files.readString(file), file.toString());
    }

    static ObjectNode parse(String json, String where) {
        JsonNode n;
        try {
            n = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ConfigException(ConfigException.Kind.INVALID_JSON, where + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new ConfigException(ConfigException.Kind.INVALID_JSON, where + ": expected a JSON object");
        }
        return (ObjectNode) n;
    }

    /** A config with {@code key} set to {@code value} (any JSON-able value), validated anew. */
    public DPTConfig with(String key, Object value) {
        ObjectNode copy = raw.deepCopy();
        copy.set(key, MAPPER.valueToTree(value));
        return new DPTConfig(copy, where);
    }

    /** The config as JSON: the keys as read, unknown ones included, in their order. */
    public ObjectNode toJson() {
        return raw.deepCopy();
    }

    public String toJsonString() {
        try {
            return MAPPER.writeValueAsString(raw);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code config.json} into {@code dir} atomically (temp file, then move). */
    public void save(Path dir) throws IOException {
        writeAtomically(dir.resolve(CoreConstants.CONFIG_FILE), toJsonString() + "\n");
    }

    static void writeAtomically(Path target, String content) throws IOException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path tmp = AtomicFiles.tempSibling(target); // the umask's mode, not createTempFile's 0600
        try {
            Files.writeString(tmp, content);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("DPTConfig(");
        sb.append(architecture() == null ? "DPT" : architecture());
        if (backboneConfig != null) {
            // BiT's settings are the hybrid's own; the other backbones summarise themselves
            sb.append(", backbone=").append(isHybrid ? backboneConfig.modelType() : backboneConfig.toString());
        }
        if (backboneConfig == null || isHybrid) {
            sb.append(", hidden_size=").append(hiddenSize).append(", layers=").append(numHiddenLayers)
                    .append(", heads=").append(numAttentionHeads).append(", patch=").append(patchSize)
                    .append(", image_size=").append(imageSize[0]).append('x').append(imageSize[1])
                    .append(", out_indices=").append(backboneOutIndices);
        }
        sb.append(", readout=").append(readoutType).append(", neck=").append(neckHiddenSizes)
                .append(", fusion=").append(fusionHiddenSize);
        if (id2label.size() > 2 || (architecture() != null && architecture().contains("Segmentation"))) {
            sb.append(", labels=").append(id2label.size());
        }
        return sb.append(')').toString();
    }
}
