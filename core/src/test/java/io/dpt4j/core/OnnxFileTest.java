package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.dpt4j.core.outputs.ModelOutput;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One {@code model.onnx} per model (symbolic batch, height and width) runs in plain ONNX Runtime, with
 * no DPT4J code between the file and the session, at two input sizes and batch sizes, and equals the
 * PyTorch engine on the same input.
 */
class OnnxFileTest {
    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("vit-depth", new long[] {1, 3, 64, 64}, new long[] {2, 3, 96, 96}),
                Arguments.of("vit-model-nonsquare", new long[] {1, 3, 48, 80}, new long[] {3, 3, 64, 32}),
                Arguments.of("seg-aux", new long[] {1, 3, 64, 64}, new long[] {2, 3, 32, 32}),
                // DPT-Hybrid accepts only its configured image_size (as transformers): the batch varies
                Arguments.of("hybrid-depth", new long[] {1, 3, 64, 64}, new long[] {3, 3, 64, 64}),
                Arguments.of("dinov2-depth", new long[] {1, 3, 64, 64}, new long[] {2, 3, 48, 80}),
                Arguments.of("depth-anything", new long[] {1, 3, 42, 70}, new long[] {2, 3, 70, 56}),
                Arguments.of("depth-anything-metric", new long[] {2, 3, 56, 56}, new long[] {1, 3, 28, 84}),
                // BEiT: the bias tables resized and the relative position index built in the graph for each grid
                Arguments.of("beit-depth", new long[] {1, 3, 96, 96}, new long[] {2, 3, 64, 112}),
                Arguments.of("beit-depth-resized", new long[] {2, 3, 48, 80}, new long[] {1, 3, 112, 64}),
                // Swinv2 (windows from the configured 96x96): grids 16x24 and 25x17 need window padding under the shift mask
                Arguments.of("swinv2-depth", new long[] {2, 3, 64, 96}, new long[] {1, 3, 100, 68}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void oneFileServesEverySizeInPlainOnnxRuntime(String name, long[] first, long[] second, @TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("model.onnx");
        try (PreTrainedModel<?, ?> model = AutoModel.fromPretrained(ReferenceCase.named(name).dir())) {
            Files.write(file, model.toOnnx());
            // standard ONNX only: no ONNX Runtime contrib operator (their domain would be imported)
            assertFalse(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1).contains("com.microsoft"), "an f32 file stays portable");
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (NDManager m = DptEngine.newManager(); OrtSession session = env.createSession(file.toString())) {
                for (long[] shape : new long[][] {first, second}) {
                    float[] px = random(shape, name.hashCode() + shape[2]);
                    ModelOutput eager = model.forward(m.create(px, new Shape(shape)));
                    try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(px), shape);
                            OrtSession.Result r = session.run(Map.of("pixel_values", in))) {
                        int compared = 0;
                        for (Map.Entry<String, NDArray> e : eager.toMap().entrySet()) {
                            OnnxValue v = r.get(e.getKey()).orElseThrow(() -> new AssertionError("no output " + e.getKey()));
                            OnnxTensor t = (OnnxTensor) v;
                            assertArrayEquals(e.getValue().getShape().getShape(), t.getInfo().getShape(), e.getKey());
                            FloatBuffer fb = t.getFloatBuffer();
                            float[] got = new float[fb.remaining()];
                            fb.get(got);
                            assertClose(name + " " + Arrays.toString(shape) + " " + e.getKey(), e.getValue().toFloatArray(), got);
                            compared++;
                        }
                        assertTrue(compared >= 1);
                        assertEquals(shape[0], eager.toMap().values().iterator().next().getShape().get(0));
                    }
                }
            }
        }
    }

    /**
     * {@code convert --size}: a graph fixed to one input shape, where every size is a number and the
     * size-dependent tables (BEiT's resized bias and its relative position index) are constants.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("fixedSizes")
    void fixedSizeFileEqualsPyTorch(String name, long[] shape, @TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("model.onnx");
        try (PreTrainedModel<?, ?> model = AutoModel.fromPretrained(ReferenceCase.named(name).dir())) {
            Files.write(file, model.toOnnx(shape));
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (NDManager m = DptEngine.newManager(); OrtSession session = env.createSession(file.toString())) {
                assertArrayEquals(shape, ((TensorInfo) session.getInputInfo().get("pixel_values").getInfo()).getShape());
                float[] px = random(shape, name.hashCode());
                ModelOutput eager = model.forward(m.create(px, new Shape(shape)));
                try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(px), shape);
                        OrtSession.Result r = session.run(Map.of("pixel_values", in))) {
                    for (Map.Entry<String, NDArray> e : eager.toMap().entrySet()) {
                        OnnxTensor t = (OnnxTensor) r.get(e.getKey()).orElseThrow(() -> new AssertionError("no output " + e.getKey()));
                        FloatBuffer fb = t.getFloatBuffer();
                        float[] got = new float[fb.remaining()];
                        fb.get(got);
                        assertClose(name + " " + Arrays.toString(shape) + " " + e.getKey(), e.getValue().toFloatArray(), got);
                    }
                }
            }
        }
    }

    static Stream<Arguments> fixedSizes() {
        return Stream.of(Arguments.of("beit-depth-resized", new long[] {2, 3, 48, 80}));
    }

    static float[] random(long[] shape, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] px = new float[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return px;
    }

    /** Float32 differences between two engines' kernels, relative to the output's scale. */
    static void assertClose(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what);
        double max = 0;
        for (float v : want) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= 1e-4 * Math.max(1, max) + 1e-4 * Math.abs(want[i]),
                    what + "[" + i + "]: pytorch " + want[i] + " vs onnx file " + got[i]);
        }
    }
}
