package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.outputs.ModelOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reference case of the supported families reproduces transformers' outputs within the
 * manifest's tolerance, on both engines: the primary output, every hidden state and attention, and the
 * debug.* intermediates (with the tolerance scaled by their magnitude).
 */
class DptParityTest {
    /** The reference cases this build covers, by family. */
    static final List<String> COVERED = List.of(
            "vit-depth", "vit-depth-resized", "vit-model", "vit-model-nonsquare", "vit-readout-add",
            "vit-readout-ignore", "vit-neck-options", "hybrid-depth", "seg-aux", "batch2",
            "dinov2-depth", "dinov2-add-projection", "depth-anything", "depth-anything-metric",
            "beit-depth", "beit-depth-resized", "swinv2-depth");

    /** Families whose modules are not yet written for both engines: PyTorch only until they are. */
    static final List<String> PYTORCH_ONLY = List.of();

    static Stream<Arguments> cases() {
        return COVERED.stream().flatMap(n -> Stream.concat(Stream.of(Arguments.of(ReferenceCase.named(n), ExecutionEngine.PYTORCH)),
                PYTORCH_ONLY.contains(n) ? Stream.empty() : Stream.of(Arguments.of(ReferenceCase.named(n), ExecutionEngine.ONNXRUNTIME))));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void matchesReference(ReferenceCase c, ExecutionEngine engine) throws Exception {
        try (NDManager m = DptEngine.newManager();
                PreTrainedModel<?, ?> model = AutoModel.fromPretrained(c.dir());
                TensorReader inputs = Checkpoints.open(c.dir().resolve("inputs.safetensors"));
                TensorReader expected = Checkpoints.open(c.dir().resolve("outputs.safetensors"))) {
            assertEquals(c.className, model.getClass().getSimpleName());
            assertTrue(model.loadReport().missingKeys().isEmpty(), model.loadReport().toString());
            model.setEngine(engine);
            NDArray pixels = m.create(inputs.floats("pixel_values"), new Shape(inputs.info("pixel_values").shape()));
            ModelOutput out = model.forward(pixels, ForwardOptions.everything());
            Map<String, NDArray> actual = out.allTensors();
            List<String> failures = new ArrayList<>();
            int compared = 0;
            for (String name : expected.names()) {
                NDArray got = actual.get(name);
                if (got == null) {
                    failures.add(name + ": not produced");
                    continue;
                }
                float[] want = expected.floats(name);
                long[] wantShape = expected.info(name).shape();
                if (!got.getShape().equals(new Shape(wantShape))) {
                    failures.add(name + ": shape " + got.getShape() + ", expected " + new Shape(wantShape));
                    continue;
                }
                double scale = name.startsWith("debug.") ? Math.max(1.0, c.maxAbs(name)) : 1.0;
                String err = compare(got.toType(DataType.FLOAT32, false).toFloatArray(), want, c.atol * scale, c.rtol);
                if (err != null) {
                    failures.add(name + ": " + err);
                }
                compared++;
            }
            assertTrue(failures.isEmpty(), c.name + " on " + engine + " (" + compared + " tensors compared):\n  " + String.join("\n  ", failures));
            assertTrue(compared >= 3, "too few tensors compared: " + compared);
            assertTrue(actual.containsKey(c.primaryOutput), "primary output " + c.primaryOutput + " missing");
        }
    }

    static Stream<ReferenceCase> onnxCases() {
        return COVERED.stream().filter(n -> !PYTORCH_ONLY.contains(n)).map(ReferenceCase::named);
    }

    /**
     * A primary-output forward on ONNX Runtime builds the plain session, where attention runs as ONNX
     * Runtime's fused MultiHeadAttention (the session above keeps the probabilities, so it cannot): it
     * must match the reference at the same tolerance.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("onnxCases")
    void primaryOutputsMatchOnThePlainOnnxRuntimeSession(ReferenceCase c) throws Exception {
        try (NDManager m = DptEngine.newManager();
                PreTrainedModel<?, ?> model = AutoModel.fromPretrained(c.dir(), LoadOptions.defaults().engine(ExecutionEngine.ONNXRUNTIME));
                TensorReader inputs = Checkpoints.open(c.dir().resolve("inputs.safetensors"));
                TensorReader expected = Checkpoints.open(c.dir().resolve("outputs.safetensors"))) {
            NDArray pixels = m.create(inputs.floats("pixel_values"), new Shape(inputs.info("pixel_values").shape()));
            Map<String, NDArray> actual = model.forward(pixels, ForwardOptions.defaults()).allTensors();
            NDArray got = actual.get(c.primaryOutput);
            assertTrue(got != null, c.primaryOutput + " missing");
            String err = compare(got.toFloatArray(), expected.floats(c.primaryOutput), c.atol, c.rtol);
            assertTrue(err == null, c.name + " " + c.primaryOutput + ": " + err);
        }
    }

    /** null when every element satisfies |a - b| <= atol + rtol * |b|, else the worst element. */
    static String compare(float[] got, float[] want, double atol, double rtol) {
        if (got.length != want.length) {
            return "length " + got.length + " vs " + want.length;
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < got.length; i++) {
            double d = Math.abs((double) got[i] - want[i]);
            double excess = d - (atol + rtol * Math.abs(want[i]));
            if (!(excess <= 0) && (at < 0 || excess > worst || Double.isNaN(d))) {
                worst = excess;
                at = i;
            }
        }
        if (at < 0) {
            return null;
        }
        return String.format("element %d: got %.7g, expected %.7g (|diff| %.3g > atol %.3g + rtol*|ref|)",
                at, got[at], want[at], Math.abs((double) got[at] - want[at]), atol);
    }
}
