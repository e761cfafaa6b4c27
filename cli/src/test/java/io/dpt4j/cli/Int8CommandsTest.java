package io.dpt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.DType;
import io.dpt4j.converters.SafetensorsWriter;
import io.dpt4j.converters.TensorData;
import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.DptEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --dtype int8} on the commands, and the quantized model.onnx in plain ONNX Runtime. */
class Int8CommandsTest {
    static final Path MODEL = PipelineCommandsTest.DEPTH;

    /** int8 vs f32 relative L2 allowed on the tiny depth model (measured about 0.6%). */
    static final double TOLERANCE = 0.03;

    /** int8-conv vs f32 relative L2 allowed on the wide random model above (measured 2.1%). */
    static final double INT8_CONV_TOLERANCE = 0.06;

    @Test
    void quantizedModelOnnxRunsInPlainOnnxRuntime(@TempDir Path tmp) throws Exception {
        try (NDManager mgr = DptEngine.newManager()) {
            mgr.getEngine().setRandomSeed(3);
            NDArray x = mgr.randomUniform(-1f, 1f, new Shape(1, 3, 64, 64));
            float[] ref = ConvertRoundTripTest.depth(MODEL, x);
            Path f32 = tmp.resolve("f32");
            Path int8 = tmp.resolve("int8");
            CliTestSupport.Result r = CliTestSupport.run("convert", "--model", MODEL.toString(), "--output", f32.toString(), "--format", "onnx");
            assertEquals(0, r.exitCode(), r.err());
            r = CliTestSupport.run("convert", "--model", MODEL.toString(), "--output", int8.toString(), "--format", "onnx", "--dtype", "int8");
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.out().contains("DynamicQuantizeMatMul"), r.out());
            byte[] bytes = Files.readAllBytes(int8.resolve("model.onnx"));
            assertTrue(new String(bytes, StandardCharsets.ISO_8859_1).contains("com.microsoft"), "contrib opset imported");
            assertTrue(Files.exists(int8.resolve("config.json")));
            float[] got = runOnnx(int8.resolve("model.onnx"), x.toFloatArray());
            double err = relativeL2(got, ref);
            System.out.printf("convert --format onnx --dtype int8: relative L2 vs f32 %.4f%n", err);
            assertTrue(err > 0 && err < TOLERANCE, "relative L2 " + err);
            // the f32 file is still f32 (within float noise of the eager path)
            assertTrue(relativeL2(runOnnx(f32.resolve("model.onnx"), x.toFloatArray()), ref) < 1e-5);
        }
    }

    /**
     * int8-conv on a model whose decoder is wide enough (fusion_hidden_size 128) for its convolutions to
     * be quantized: bench and the written model.onnx, run in plain ONNX Runtime, against f32.
     */
    @Test
    void int8ConvQuantizesTheDecoderConvolutions(@TempDir Path tmp) throws Exception {
        Path config = tmp.resolve("config.json");
        Files.writeString(config, "{\"model_type\": \"dpt\", \"architectures\": [\"DPTForDepthEstimation\"], \"hidden_size\": 32,"
                + " \"num_hidden_layers\": 4, \"num_attention_heads\": 2, \"intermediate_size\": 64, \"image_size\": 64, \"patch_size\": 8,"
                + " \"backbone_out_indices\": [0, 1, 2, 3], \"neck_hidden_sizes\": [32, 64, 128, 128], \"fusion_hidden_size\": 128,"
                + " \"readout_type\": \"project\", \"reassemble_factors\": [4, 2, 1, 0.5]}");
        Path model = tmp.resolve("wide");
        assertEquals(0, CliTestSupport.run("random-checkpoint", "--config", config.toString(), "--output", model.toString()).exitCode());
        CliTestSupport.Result r = CliTestSupport.run("bench", "--model", model.toString(), "--dtype", "int8-conv", "--runs", "1", "--warmup", "0");
        assertEquals(0, r.exitCode(), r.err());
        String convs = r.out().replaceAll("(?s).* matmuls and (\\d+) convs quantized.*", "$1");
        assertTrue(Integer.parseInt(convs) > 0, r.out());
        assertTrue(r.out().contains("\"dtype\": \"int8-conv\""), r.out());

        Path out = tmp.resolve("onnx");
        r = CliTestSupport.run("convert", "--model", model.toString(), "--output", out.toString(), "--format", "onnx", "--dtype", "int8-conv");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(new String(Files.readAllBytes(out.resolve("model.onnx")), StandardCharsets.ISO_8859_1).contains("MatMulIntegerToFloat"));
        try (NDManager mgr = DptEngine.newManager()) {
            mgr.getEngine().setRandomSeed(5);
            NDArray x = mgr.randomUniform(-1f, 1f, new Shape(1, 3, 64, 64));
            double err = relativeL2(runOnnx(out.resolve("model.onnx"), x.toFloatArray()), ConvertRoundTripTest.depth(model, x));
            System.out.printf("convert --format onnx --dtype int8-conv: relative L2 vs f32 %.4f%n", err);
            // a wrong window order, padding or scale in the im2col convolutions is an error of order 100%
            assertTrue(err > 0 && err < INT8_CONV_TOLERANCE, "relative L2 " + err);
        }
    }

    private static float[] runOnnx(Path file, float[] x) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(file.toString());
                OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {1, 3, 64, 64});
                OrtSession.Result out = s.run(Map.of("pixel_values", in))) {
            return ConvertRoundTripTest.flatten((float[][][]) out.get("predicted_depth").get().getValue());
        }
    }

    static double relativeL2(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += b[i] * (double) b[i];
        }
        return Math.sqrt(num / den);
    }

    @Test
    void benchReportsBothPrecisionsTheErrorAndTheCpu() {
        CliTestSupport.Result r = CliTestSupport.run("bench", "--model", MODEL.toString(), "--dtype", "int8", "--runs", "1", "--warmup", "0");
        assertEquals(0, r.exitCode(), r.err());
        String json = r.out().lines().reduce((a, b) -> b).orElse("");
        for (String key : new String[] {"\"f32_median_s\"", "\"int8_median_s\"", "\"speedup\"", "\"relative_l2\"", "\"max_diff_over_range\"",
            "\"quantize_s\"", "\"int8_peak_rss_mb\"", "\"speedup_min\"", "\"cpu\""}) {
            assertTrue(json.contains(key), key + " in " + json);
        }
        assertTrue(r.out().contains("cpu: "), r.out());
        double rel = Double.parseDouble(json.replaceAll(".*\"relative_l2\": ([0-9.]+).*", "$1"));
        assertTrue(rel > 0 && rel < TOLERANCE, json);
    }

    @Test
    void int8OnPytorchIsRefusedInOneLine(@TempDir Path tmp) {
        CliTestSupport.Result r = CliTestSupport.run("depth", "--model", MODEL.toString(), "--output", tmp.toString(), "--engine", "pytorch",
                "--dtype", "int8", PipelineCommandsTest.PHOTO.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--dtype int8 runs on ONNX Runtime only"), r.err());
        r = CliTestSupport.run("convert", "--model", MODEL.toString(), "--output", tmp.resolve("c").toString(), "--dtype", "int8");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--format onnx"), r.err());
        r = CliTestSupport.run("bench", "--model", MODEL.toString(), "--dtype", "int4");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("expected f32, int8 or int8-conv"), r.err());
    }

    @Test
    void depthSegmentAndForwardRunInInt8(@TempDir Path tmp) throws Exception {
        CliTestSupport.Result r = CliTestSupport.run("depth", "--model", MODEL.toString(), "--output", tmp.resolve("d").toString(), "--dtype", "int8",
                PipelineCommandsTest.PHOTO.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Files.exists(tmp.resolve("d/chelsea_depth.npy")));
        r = CliTestSupport.run("segment", "--model", PipelineCommandsTest.SEG.toString(), "--output", tmp.resolve("s").toString(), "--dtype", "int8",
                PipelineCommandsTest.PHOTO.toString());
        assertEquals(0, r.exitCode(), r.err());

        Path in = tmp.resolve("in.safetensors");
        float[] px = new float[3 * 64 * 64];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) Math.sin(i * 0.01);
        }
        ByteBuffer b = ByteBuffer.allocate(px.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(px);
        SafetensorsWriter.write(in, Map.of("pixel_values", new TensorData(DType.F32, new long[] {1, 3, 64, 64}, b)), Map.of());
        Path f32 = tmp.resolve("f32.safetensors");
        Path int8 = tmp.resolve("int8.safetensors");
        assertEquals(0, CliTestSupport.run("forward", "--model", MODEL.toString(), "--inputs", in.toString(), "--output", f32.toString()).exitCode());
        r = CliTestSupport.run("forward", "--model", MODEL.toString(), "--inputs", in.toString(), "--output", int8.toString(), "--dtype", "int8");
        assertEquals(0, r.exitCode(), r.err());
        try (TensorReader want = Checkpoints.open(f32); TensorReader got = Checkpoints.open(int8)) {
            assertTrue(want.contains("hidden_states.0"));
            assertFalse(got.contains("hidden_states.0"), "int8 writes the primary outputs only");
            assertEquals(1, got.names().size(), got.names().toString());
            double err = relativeL2(got.floats("predicted_depth"), want.floats("predicted_depth"));
            assertTrue(err > 0 && err < TOLERANCE, "relative L2 " + err);
        }
    }
}
