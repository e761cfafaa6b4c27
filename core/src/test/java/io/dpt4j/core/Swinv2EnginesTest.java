package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.core.outputs.ModelOutput;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Swinv2's input-dependent bookkeeping (window padding, the shift mask of the padded grid, odd sizes at
 * patch merging) is computed in the ONNX graph from symbolic sizes: at sizes far from the configured
 * 96x96, every output (hidden states and each stage's attentions included) equals the PyTorch engine's,
 * from one ONNX Runtime session.
 */
class Swinv2EnginesTest {
    @Test
    void everyOutputAgreesAtSizesThatNeedPadding() throws Exception {
        try (NDManager m = DptEngine.newManager(); PreTrainedModel<?, ?> model = AutoModel.fromPretrained(ReferenceCase.named("swinv2-depth").dir())) {
            model.setEngine(ExecutionEngine.AUTO);
            assertEquals(ExecutionEngine.ONNXRUNTIME, model.getEngine(), "AUTO runs Swinv2 on ONNX Runtime");
            // 4x4: one patch, padded to a whole 8x8 window; 9x37: patch padding, grid 3x10 padded to 8x16 under
            // the shift mask, odd sizes at every merge; 100x68: grid 25x17 padded to 32x24
            for (long[] shape : new long[][] {{1, 3, 4, 4}, {2, 3, 9, 37}, {1, 3, 100, 68}}) {
                NDArray x = m.create(OnnxFileTest.random(shape, shape[2] * 31 + shape[3]), new Shape(shape));
                model.setEngine(ExecutionEngine.PYTORCH);
                Map<String, NDArray> eager = model.forward(x, ForwardOptions.everything()).allTensors();
                model.setEngine(ExecutionEngine.ONNXRUNTIME);
                ModelOutput ort = model.forward(x, ForwardOptions.everything());
                Map<String, NDArray> graph = ort.allTensors();
                // predicted_depth, 5 hidden states, 4 attentions, and the debug taps
                assertTrue(eager.size() >= 10, eager.keySet().toString());
                assertEquals(eager.keySet(), graph.keySet());
                for (Map.Entry<String, NDArray> e : eager.entrySet()) {
                    NDArray o = graph.get(e.getKey());
                    assertNotNull(o, e.getKey());
                    OnnxFileTest.assertClose(e.getKey() + " at " + new Shape(shape), e.getValue().toFloatArray(), o.toFloatArray());
                    assertEquals(e.getValue().getShape(), o.getShape(), e.getKey());
                }
                assertEquals(shape[0], graph.get("predicted_depth").getShape().get(0));
            }
            // one plain session and one with every output, whatever the input size
            assertTrue(model.onnxRuntimeSessions() <= 2, "sessions: " + model.onnxRuntimeSessions());
        }
    }
}
