package io.dpt4j.core.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.Translator;
import io.dpt4j.core.DptEngine;
import io.dpt4j.core.ExecutionEngine;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.ReferenceCase;
import io.dpt4j.core.pipelines.DepthEstimationResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The translator factory builds a translator from the directory and the arguments only; the block factory
 * loads the model and applies the arguments (engine, ...) parsed by LoadOptions.fromArguments.
 */
class DptTranslatorFactoryTest {
    /** A reference case's config and weights with a fixed-size 64x64 processor. */
    private static Path model(String name, Path tmp) throws Exception {
        Path src = ReferenceCase.named(name).dir();
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("preprocessor_config.json"), "{\"do_resize\": true, \"size\": {\"height\": 64, \"width\": 64}}");
        return dir;
    }

    @Test
    void newInstanceLoadsNothingAndLeavesTheBlockAlone(@TempDir Path tmp) throws Exception {
        Path dir = model("vit-depth", tmp);
        DptEngine.get();
        try (Model m = Model.newInstance("t", DptEngine.ENGINE)) {
            Block placeholder = new LambdaBlock(Function.identity());
            m.setBlock(placeholder);
            m.load(dir, null, Map.of("hasParameter", "false"));
            Translator<Image, DepthEstimationResult> t = new DptTranslatorFactory().newInstance(Image.class, DepthEstimationResult.class, m,
                    Map.of("engine", "onnxruntime", "dtype", "float32", "unrelated", "x"));
            assertInstanceOf(DepthEstimationTranslator.class, t);
            assertSame(placeholder, m.getBlock());
            // A segmentation output for a depth model is refused from the config alone.
            assertThrows(IllegalArgumentException.class, () -> new DptTranslatorFactory().newInstance(Image.class, CategoryMask.class, m, Map.of()));
            // Bad argument values fail here, named.
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new DptTranslatorFactory().newInstance(Image.class, DepthEstimationResult.class, m, Map.of("dtype", "int4")));
            assertTrue(e.getMessage().contains("dtype=int4"), e.getMessage());
        }
    }

    @Test
    void argumentsReachTheModel(@TempDir Path tmp) throws Exception {
        Path dir = model("vit-depth", tmp);
        try (ZooModel<Image, DepthEstimationResult> zoo = DptCriteria.builder(Image.class, DepthEstimationResult.class, dir.toString())
                .optArgument("engine", "pytorch").build().loadModel()) {
            assertEquals(ExecutionEngine.PYTORCH, ((PreTrainedModelBlock) zoo.getBlock()).getModel().getEngine());
        }
        // LoadOptions given to DptCriteria travel as the same arguments.
        try (ZooModel<Image, DepthEstimationResult> zoo = DptCriteria.builder(Image.class, DepthEstimationResult.class, dir.toString(),
                LoadOptions.defaults().engine(ExecutionEngine.ONNXRUNTIME)).build().loadModel()) {
            assertEquals(ExecutionEngine.ONNXRUNTIME, ((PreTrainedModelBlock) zoo.getBlock()).getModel().getEngine());
        }
        Exception e = assertThrows(Exception.class, () -> DptCriteria.builder(Image.class, DepthEstimationResult.class, dir.toString())
                .optArgument("engine", "tpu").build().loadModel());
        Throwable root = e;
        while (root.getCause() != null && !(root instanceof IllegalArgumentException)) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains("argument engine=tpu"), root.getMessage());
    }

    @Test
    void loadOptionsArgumentsRoundTrip() {
        LoadOptions o = LoadOptions.fromArguments(Map.of("engine", "ORT", "allowMissingKeys", "true", "blockFactory", new Object()));
        assertEquals(ExecutionEngine.ONNXRUNTIME, o.engine());
        assertTrue(o.allowMissingKeys());
        assertEquals(Map.of("engine", "onnxruntime", "allowMissingKeys", "true"), o.toArguments());
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.fromArguments(Map.of("allowMissingKeys", "yes")));
    }
}
