package io.dpt4j.core.djl;

import ai.djl.Model;
import io.dpt4j.core.AutoModel;
import io.dpt4j.core.CoreConstants;
import io.dpt4j.core.DptEngine;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.PreTrainedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * DJL's own model format for a DPT checkpoint, for DJL Serving users: {@code <name>-0000.params} (DJL's
 * parameter file, written by {@code Model.save}), {@code config.json}, {@code preprocessor_config.json}
 * and a {@code serving.properties} naming {@link DptTranslatorFactory}. Load it with
 * {@link DptCriteria#builder}, which rebuilds the graph from config.json and lets DJL read the
 * parameters.
 */
public final class DjlModelFormat {
    public static final String SERVING_PROPERTIES = CoreConstants.DJL_SERVING_PROPERTIES;

    private DjlModelFormat() {}

    /** Converts a Hugging Face model directory into DJL's format in {@code target} (created). */
    public static void export(Path hfDirectory, Path target) throws IOException {
        export(hfDirectory, target, modelName(target));
    }

    /** As {@link #export(Path, Path)}, with the parameter file prefix given (e.g. when writing to a staging folder). */
    public static void export(Path hfDirectory, Path target, String name) throws IOException {
        DptEngine.get();
        Files.createDirectories(target);
        try (PreTrainedModel<?, ?> model = AutoModel.fromPretrained(hfDirectory, LoadOptions.defaults());
                Model djl = Model.newInstance(name, DptEngine.ENGINE)) {
            djl.setBlock(new PreTrainedModelBlock(model));
            djl.save(target, name);
        }
        Files.copy(hfDirectory.resolve(CoreConstants.CONFIG_FILE), target.resolve(CoreConstants.CONFIG_FILE), StandardCopyOption.REPLACE_EXISTING);
        Path pre = hfDirectory.resolve(CoreConstants.PREPROCESSOR_CONFIG_FILE);
        if (Files.isRegularFile(pre)) {
            Files.copy(pre, target.resolve(CoreConstants.PREPROCESSOR_CONFIG_FILE), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(target.resolve(SERVING_PROPERTIES), "engine=" + DptEngine.ENGINE + "\n"
                + "option.modelName=" + name + "\n"
                + CoreConstants.ARG_DJL_BLOCK_FACTORY + "=" + DptBlockFactory.class.getName() + "\n"
                + "translatorFactory=" + DptTranslatorFactory.class.getName() + "\n");
    }

    /** Whether {@code dir} holds a model in this format. */
    public static boolean isDjlFormat(Path dir) throws IOException {
        if (!Files.isRegularFile(dir.resolve(SERVING_PROPERTIES)) || !Files.isRegularFile(dir.resolve(CoreConstants.CONFIG_FILE))) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".params"));
        }
    }

    /** The model name DJL uses as the parameter file prefix: the folder's name. */
    public static String modelName(Path dir) {
        String n = dir.toAbsolutePath().normalize().getFileName().toString().replaceAll("[^A-Za-z0-9_.-]", "_");
        return n.isEmpty() ? "dpt" : n;
    }

    static String savedModelName(Path dir) throws IOException {
        for (String line : Files.readAllLines(dir.resolve(SERVING_PROPERTIES))) {
            if (line.startsWith("option.modelName=")) {
                return line.substring("option.modelName=".length()).trim();
            }
        }
        return modelName(dir);
    }
}
