package io.dpt4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.core.DPTForDepthEstimation;
import io.dpt4j.core.DptEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** convert -> load -> same outputs (f32 exactly; f16/bf16 with their error measured against f32). */
class ConvertRoundTripTest {
    static final Path MODEL = PipelineCommandsTest.DEPTH;

    static float[] depth(Path dir, NDArray x) throws Exception {
        try (DPTForDepthEstimation m = DPTForDepthEstimation.fromPretrained(dir)) {
            return m.forward(x).predictedDepth.toFloatArray();
        }
    }

    static float[] flatten(float[][][] a) {
        int n = a.length * a[0].length * a[0][0].length;
        float[] out = new float[n];
        int k = 0;
        for (float[][] b : a) {
            for (float[] c : b) {
                for (float v : c) {
                    out[k++] = v;
                }
            }
        }
        return out;
    }

    @Test
    void convertedCheckpointsGiveTheSourceOutputs(@TempDir Path tmp) throws Exception {
        try (NDManager mgr = DptEngine.newManager()) {
            NDArray x = mgr.randomUniform(-1f, 1f, new Shape(1, 3, 64, 64));
            float[] ref = depth(MODEL, x);
            Path f32 = tmp.resolve("f32");
            assertEquals(0, CliTestSupport.run("convert", "--model", MODEL.toString(), "--output", f32.toString(),
                    "--dtype", "f32", "--max-shard-size", "200KB").exitCode());
            assertTrue(Files.exists(f32.resolve("model.safetensors.index.json")), "sharded output");
            assertArrayEquals(ref, depth(f32, x));
            double maxRef = 0;
            for (float v : ref) {
                maxRef = Math.max(maxRef, Math.abs(v));
            }
            for (String dtype : new String[] {"f16", "bf16"}) {
                Path out = tmp.resolve(dtype);
                assertEquals(0, CliTestSupport.run("convert", "--model", MODEL.toString(), "--output", out.toString(),
                        "--dtype", dtype).exitCode());
                float[] got = depth(out, x);
                double worst = 0;
                for (int i = 0; i < ref.length; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - ref[i]));
                }
                System.out.printf("convert --dtype %s: max |depth - f32 depth| = %.3g (%.3g of max |depth|)%n", dtype, worst, worst / maxRef);
                assertTrue(worst > 0, dtype + " must differ from f32 (weights were rounded)");
                assertTrue(worst / maxRef < (dtype.equals("f16") ? 1e-2 : 5e-2), dtype + " error " + worst);
            }
            // --format onnx: a self-contained model.onnx that plain ONNX Runtime runs to the same depth
            Path onnx = tmp.resolve("onnx");
            CliTestSupport.Result ro = CliTestSupport.run("convert", "--model", MODEL.toString(), "--output", onnx.toString(), "--format", "onnx");
            assertEquals(0, ro.exitCode(), ro.err());
            ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
            try (ai.onnxruntime.OrtSession s = env.createSession(onnx.resolve("model.onnx").toString());
                    ai.onnxruntime.OnnxTensor in = ai.onnxruntime.OnnxTensor.createTensor(env,
                            java.nio.FloatBuffer.wrap(x.toFloatArray()), new long[] {1, 3, 64, 64});
                    ai.onnxruntime.OrtSession.Result out = s.run(java.util.Map.of("pixel_values", in))) {
                float[] got = flatten((float[][][]) out.get("predicted_depth").get().getValue());
                for (int i = 0; i < ref.length; i++) {
                    assertTrue(Math.abs(got[i] - ref[i]) <= 3.4e-5 + 1e-4 * Math.abs(ref[i]), i + ": " + got[i] + " vs " + ref[i]);
                }
            }
            assertTrue(Files.exists(onnx.resolve("config.json")));

            Path djl = tmp.resolve("djl");
            CliTestSupport.Result r = CliTestSupport.run("convert", "--model", MODEL.toString(), "--output", djl.toString(), "--format", "djl");
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(Files.exists(djl.resolve("djl-0000.params")));
            assertTrue(Files.exists(djl.resolve("serving.properties")));
        }
    }
}
