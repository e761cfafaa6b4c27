package io.dpt4j.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.config.DepthAnythingConfig;
import io.dpt4j.core.loading.ConfigCheckpointCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks the model class named by {@code architectures[0]} in config.json, like transformers' Auto
 * classes do for these checkpoints.
 */
public final class AutoModel {
    /** Builds an unloaded model of one architecture from a model directory's config. */
    public interface Factory {
        PreTrainedModel<?, ?> create(Path configFile) throws IOException;
    }

    private static final Map<String, Factory> ARCHITECTURES = new LinkedHashMap<>();

    static {
        register("DPTModel", f -> new DPTModel(DPTConfig.fromPretrained(f)));
        register("DPTForDepthEstimation", f -> new DPTForDepthEstimation(DPTConfig.fromPretrained(f)));
        register("DPTForSemanticSegmentation", f -> new DPTForSemanticSegmentation(DPTConfig.fromPretrained(f)));
        register("DepthAnythingForDepthEstimation", f -> new DepthAnythingForDepthEstimation(DepthAnythingConfig.fromPretrained(f)));
    }

    private AutoModel() {}

    public static synchronized void register(String architecture, Factory factory) {
        ARCHITECTURES.put(architecture, factory);
    }

    /** The architectures this build can run. */
    public static synchronized List<String> supportedArchitectures() {
        return List.copyOf(ARCHITECTURES.keySet());
    }

    /** The architecture config.json names (architectures[0]), or a default for its model_type. */
    public static String architectureOf(Path configFile) throws IOException {
        if (!Files.isRegularFile(configFile)) {
            throw new ConfigException(ConfigException.Kind.MISSING_FILE, configFile + ": no such file (a model directory needs a config.json)");
        }
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(configFile.toFile());
        } catch (JsonProcessingException e) {
            throw new ConfigException(ConfigException.Kind.INVALID_JSON, configFile + ": not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode arch = n.path("architectures");
        if (arch.isArray() && arch.size() > 0 && arch.get(0).isTextual()) {
            return arch.get(0).textValue();
        }
        String type = n.path("model_type").asText("");
        switch (type) {
            case "dpt":
                return "DPTForDepthEstimation";
            case "depth_anything":
                return "DepthAnythingForDepthEstimation";
            default:
                throw new ConfigException(ConfigException.Kind.UNSUPPORTED, configFile + ": has no \"architectures\" and \"model_type\" is \"" + type
                        + "\"; cannot tell which model class to run");
        }
    }

    /**
     * Builds the model class config.json names, without weights (parameters are declared, nothing is
     * allocated): for inspecting the module tree or loading weights later.
     */
    public static PreTrainedModel<?, ?> fromConfig(Path dirOrConfigFile) throws IOException {
        Path config = Files.isDirectory(dirOrConfigFile) ? dirOrConfigFile.resolve(CoreConstants.CONFIG_FILE) : dirOrConfigFile;
        Factory factory = factory(config);
        Object parsed = parsedConfig(config);
        if (parsed != null) {
            ConfigCheckpointCheck.checkBuildable(parsed, config.toString());
        }
        return factory.create(config);
    }

    /** The config of a built-in architecture (for the checks made before building), or null for others. */
    private static Object parsedConfig(Path config) throws IOException {
        String arch = architectureOf(config);
        if (arch.equals("DepthAnythingForDepthEstimation")) {
            return DepthAnythingConfig.fromPretrained(config);
        }
        if (arch.equals("DPTModel") || arch.equals("DPTForDepthEstimation") || arch.equals("DPTForSemanticSegmentation")) {
            return DPTConfig.fromPretrained(config);
        }
        return null;
    }

    private static Factory factory(Path config) throws IOException {
        String arch = architectureOf(config);
        Factory f;
        synchronized (AutoModel.class) {
            f = ARCHITECTURES.get(arch);
        }
        if (f == null) {
            throw new ConfigException(ConfigException.Kind.UNSUPPORTED, config + ": architecture \"" + arch + "\" is not supported; supported: "
                    + String.join(", ", supportedArchitectures()));
        }
        return f;
    }

    public static PreTrainedModel<?, ?> fromPretrained(Path dir) throws IOException {
        return fromPretrained(dir, LoadOptions.defaults());
    }

    public static PreTrainedModel<?, ?> fromPretrained(Path dir, LoadOptions options) throws IOException {
        Path config = Files.isDirectory(dir) ? dir.resolve(CoreConstants.CONFIG_FILE) : dir;
        Path modelDir = Files.isDirectory(dir) ? dir : dir.toAbsolutePath().getParent();
        Factory factory = factory(config);
        Object parsed = parsedConfig(config);
        if (parsed != null) {
            PreTrainedModel.checkedAgainstCheckpoint(parsed, modelDir, options);
        }
        return PreTrainedModel.load(factory.create(config), modelDir, options);
    }

    public static PreTrainedModel<?, ?> fromPretrained(String idOrPath, LoadOptions options) throws IOException {
        return fromPretrained(ModelFiles.resolve(idOrPath, options), options);
    }

}
