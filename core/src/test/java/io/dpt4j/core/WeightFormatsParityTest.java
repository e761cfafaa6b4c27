package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.outputs.ModelOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every checkpoint container loads into the graph and reproduces transformers: pytorch_model.bin (zip,
 * legacy, sharded), sharded safetensors, and F16/BF16/mixed safetensors upcast to f32 as
 * from_pretrained(dtype=float32) does. The weight files are the converters module's test resources.
 */
class WeightFormatsParityTest {
    static final Path WEIGHTS = Path.of("../converters/src/test/resources/weights");

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "bin-zip, vit-depth, vit-depth",
        "bin-legacy, hybrid-depth, hybrid-depth",
        "bin-sharded, seg-aux, seg-aux",
        "dtypes-f16, , vit-depth",
        "dtypes-bf16, , vit-depth",
        "dtypes-mixed, , vit-neck-options",
    })
    void loadsAndMatches(String folder, String outputsCase, String toleranceCase) throws Exception {
        Path dir = WEIGHTS.resolve(folder);
        assertTrue(Files.isDirectory(dir), dir.toAbsolutePath().toString());
        ReferenceCase tol = ReferenceCase.named(toleranceCase);
        Path inputs = outputsCase == null ? dir.resolve("inputs.safetensors") : ReferenceCase.named(outputsCase).dir().resolve("inputs.safetensors");
        Path outputs = outputsCase == null ? dir.resolve("outputs.safetensors") : ReferenceCase.named(outputsCase).dir().resolve("outputs.safetensors");
        try (NDManager m = DptEngine.newManager();
                PreTrainedModel<?, ?> model = AutoModel.fromPretrained(dir);
                TensorReader in = Checkpoints.open(inputs);
                TensorReader want = Checkpoints.open(outputs)) {
            assertTrue(model.loadReport().missingKeys().isEmpty(), model.loadReport().toString());
            NDArray x = m.create(in.floats("pixel_values"), new Shape(in.info("pixel_values").shape()));
            ModelOutput out = model.forward(x, ForwardOptions.defaults().outputHiddenStates(true).outputAttentions(true));
            Map<String, NDArray> got = out.toMap();
            List<String> failures = new ArrayList<>();
            int compared = 0;
            for (String name : want.names()) {
                if (name.startsWith("debug.")) {
                    continue;
                }
                String err = DptParityTest.compare(got.get(name).toFloatArray(), want.floats(name), tol.atol, tol.rtol);
                if (err != null) {
                    failures.add(name + ": " + err);
                }
                compared++;
            }
            assertTrue(compared >= 9, "compared " + compared);
            assertTrue(failures.isEmpty(), folder + ":\n  " + String.join("\n  ", failures));
        }
    }
}
