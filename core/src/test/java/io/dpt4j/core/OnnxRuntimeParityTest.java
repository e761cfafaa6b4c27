package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.outputs.ModelOutput;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The ONNX Runtime engine's plain session (primary outputs only) reproduces transformers for every family it supports. */
class OnnxRuntimeParityTest {
    static final List<String> CASES = List.of("vit-depth", "vit-depth-resized", "vit-readout-add", "vit-readout-ignore",
            "vit-neck-options", "hybrid-depth", "seg-aux", "batch2", "dinov2-depth", "dinov2-add-projection",
            "depth-anything", "depth-anything-metric", "beit-depth", "beit-depth-resized", "swinv2-depth");

    static Stream<ReferenceCase> cases() {
        return CASES.stream().map(ReferenceCase::named);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesReference(ReferenceCase c) throws Exception {
        try (NDManager m = DptEngine.newManager();
                PreTrainedModel<?, ?> model = AutoModel.fromPretrained(c.dir());
                TensorReader inputs = Checkpoints.open(c.dir().resolve("inputs.safetensors"));
                TensorReader expected = Checkpoints.open(c.dir().resolve("outputs.safetensors"))) {
            model.setEngine(ExecutionEngine.ONNXRUNTIME);
            NDArray pixels = m.create(inputs.floats("pixel_values"), new Shape(inputs.info("pixel_values").shape()));
            ModelOutput out = model.forward(pixels);
            Map<String, NDArray> got = out.toMap();
            int compared = 0;
            for (String name : List.of("predicted_depth", "logits", "auxiliary_logits")) {
                if (!expected.contains(name)) {
                    continue;
                }
                NDArray g = got.get(name);
                assertEquals(new Shape(expected.info(name).shape()), g.getShape(), name);
                String err = DptParityTest.compare(g.toFloatArray(), expected.floats(name), c.atol, c.rtol);
                assertNull(err, c.name + " " + name + ": " + err);
                compared++;
            }
            assertTrue(compared >= 1);
            // hidden states come from ONNX Runtime too (DptParityTest compares every output on both engines)
            ModelOutput full = model.forward(pixels, ForwardOptions.defaults().outputHiddenStates(true));
            assertTrue(full.toMap().containsKey("hidden_states.0"));
            assertEquals(ExecutionEngine.ONNXRUNTIME, model.getEngine());
        }
    }

    @Test
    void bothEnginesCountTheSameFlops() throws Exception {
        for (String name : List.of("vit-depth", "hybrid-depth", "seg-aux", "depth-anything", "beit-depth", "swinv2-depth")) {
            ReferenceCase c = ReferenceCase.named(name);
            try (NDManager m = DptEngine.newManager(); PreTrainedModel<?, ?> model = AutoModel.fromPretrained(c.dir());
                    TensorReader inputs = Checkpoints.open(c.dir().resolve("inputs.safetensors"))) {
                long[] shape = inputs.info("pixel_values").shape();
                // a first pass computes the tables that depend on weights only (Swinv2's position bias) once
                model.forward(m.randomUniform(-1f, 1f, new Shape(shape))).close();
                io.dpt4j.core.nn.FlopCounter.start();
                model.forward(m.randomUniform(-1f, 1f, new Shape(shape))).close();
                long eager = io.dpt4j.core.nn.FlopCounter.stop();
                assertTrue(eager > 0);
                assertEquals(eager, model.onnxFlops(shape), name);
            }
        }
    }

    @Test
    void badInputsAreNamedOnThisEngineToo() throws Exception {
        try (NDManager m = DptEngine.newManager(); PreTrainedModel<?, ?> model = AutoModel.fromPretrained(ReferenceCase.named("vit-depth").dir())) {
            model.setEngine(ExecutionEngine.ONNXRUNTIME);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(m.zeros(new Shape(1, 1, 64, 64))));
            assertTrue(e.getMessage().contains("[batch, 3, height, width]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> model.forward(m.zeros(new Shape(3, 64, 64))));
            assertTrue(e.getMessage().contains("[batch, channels, height, width]"), e.getMessage());
        }
    }
}
