package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.core.outputs.DepthEstimatorOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The second model on the same checkpoint loads ONNX Runtime's saved optimized model and gives the same depth. */
class OptimizedModelCacheTest {
    /** vit-depth's checkpoint in a folder of its own, where the cache may write. */
    private static Path checkpointCopy(Path tmp) throws Exception {
        Path src = ReferenceCase.named("vit-depth").dir();
        Path dir = tmp.resolve("m");
        Files.createDirectories(dir);
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    @Test
    void laterModelsLoadTheSavedOptimizedModel(@TempDir Path tmp) throws Exception {
        Path dir = checkpointCopy(tmp);
        LoadOptions ort = LoadOptions.defaults().engine(ExecutionEngine.ONNXRUNTIME);
        try (NDManager m = DptEngine.newManager()) {
            NDArray x = m.randomUniform(-1f, 1f, new Shape(2, 3, 64, 64));
            float[] first;
            try (DPTForDepthEstimation a = DPTForDepthEstimation.fromPretrained(dir, ort)) {
                first = a.forward(x).predictedDepth.toFloatArray();
                assertTrue(a.onnxRuntimeSessionOrigin().startsWith("built, optimized model saved to"), a.onnxRuntimeSessionOrigin());
            }
            List<Path> entries;
            try (Stream<Path> s = Files.list(dir.resolve(".dpt4j-ort"))) {
                entries = s.toList();
            }
            assertEquals(1, entries.size(), "one entry, no temporary folder left: " + entries);
            assertTrue(Files.isRegularFile(entries.get(0).resolve("model.onnx")));
            try (DPTForDepthEstimation b = DPTForDepthEstimation.fromPretrained(dir, ort)) {
                DepthEstimatorOutput out = b.forward(x);
                assertTrue(b.onnxRuntimeSessionOrigin().startsWith("loaded the optimized model"), b.onnxRuntimeSessionOrigin());
                assertArrayEquals(first, out.predictedDepth.toFloatArray());
            }
            // other weights (same file name and size) get another entry
            Files.setLastModifiedTime(dir.resolve("model.safetensors"), FileTime.fromMillis(0));
            try (DPTForDepthEstimation c = DPTForDepthEstimation.fromPretrained(dir, ort)) {
                c.forward(x).close();
                assertTrue(c.onnxRuntimeSessionOrigin().startsWith("built"), c.onnxRuntimeSessionOrigin());
            }
            // more sets of weights than entries kept: only the KEEP newest stay
            for (int set = 1; set < OptimizedModelCache.KEEP; set++) {
                Files.setLastModifiedTime(dir.resolve("model.safetensors"), FileTime.fromMillis(1000L * set));
                try (DPTForDepthEstimation d = DPTForDepthEstimation.fromPretrained(dir, ort)) {
                    d.forward(x).close();
                }
            }
            try (Stream<Path> s = Files.list(dir.resolve(".dpt4j-ort"))) {
                assertEquals(OptimizedModelCache.KEEP, s.count(), "KEEP + 1 sets of weights were run");
            }
        }
    }

    @Test
    void aWarmInt8StartLoadsTheQuantizedModelWithoutQuantizingAgain(@TempDir Path tmp) throws Exception {
        Path dir = checkpointCopy(tmp);
        LoadOptions int8 = LoadOptions.defaults().dtype(InferenceDtype.INT8);
        try (NDManager m = DptEngine.newManager()) {
            NDArray x = m.randomUniform(-1f, 1f, new Shape(1, 3, 64, 64));
            float[] cold;
            float[] f32;
            try (DPTForDepthEstimation a = DPTForDepthEstimation.fromPretrained(dir, int8)) {
                cold = a.forward(x).predictedDepth.toFloatArray();
                assertTrue(a.onnxRuntimeSessionOrigin().startsWith("built, optimized model saved to"), a.onnxRuntimeSessionOrigin());
                assertTrue(a.int8Report().seconds() > 0, a.int8Report().toString());
            }
            try (DPTForDepthEstimation b = DPTForDepthEstimation.fromPretrained(dir, int8)) {
                float[] warm = b.forward(x).predictedDepth.toFloatArray();
                assertTrue(b.onnxRuntimeSessionOrigin().startsWith("loaded the optimized model"), b.onnxRuntimeSessionOrigin());
                assertEquals(0, b.int8Report().seconds(), "nothing quantized on a warm start");
                assertTrue(b.int8Report().matmuls() > 0, b.int8Report().toString());
                assertArrayEquals(cold, warm);
            }
            // float32 has its own entry: it must not load the int8 model
            try (DPTForDepthEstimation c = DPTForDepthEstimation.fromPretrained(dir, LoadOptions.defaults().engine(ExecutionEngine.ONNXRUNTIME))) {
                f32 = c.forward(x).predictedDepth.toFloatArray();
                assertTrue(c.onnxRuntimeSessionOrigin().startsWith("built"), c.onnxRuntimeSessionOrigin());
            }
            assertFalse(Arrays.equals(f32, cold));
        }
    }
}
