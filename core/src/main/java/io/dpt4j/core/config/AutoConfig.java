package io.dpt4j.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpt4j.core.CoreConstants;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * transformers' {@code AutoConfig} for the model types this build runs: reads {@code config.json} and
 * returns the config class its {@code model_type} names ({@link DPTConfig} when absent, as transformers'
 * DPT checkpoints predate the key).
 */
public final class AutoConfig {
    private AutoConfig() {}

    /** The config of a model directory, or of the given JSON file. */
    public static PretrainedConfig fromPretrained(Path dirOrFile) throws IOException {
        Path file = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(CoreConstants.CONFIG_FILE) : dirOrFile;
        ObjectNode json = DPTConfig.readObject(file);
        String type = json.path("model_type").asText("dpt");
        return DepthAnythingConfig.MODEL_TYPE.equals(type) ? DepthAnythingConfig.fromJson(json, file.toString())
                : DPTConfig.fromJson(json, file.toString());
    }
}
