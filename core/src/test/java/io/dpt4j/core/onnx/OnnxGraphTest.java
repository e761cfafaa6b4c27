package io.dpt4j.core.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The ModelProto writer: large inline tensors are streamed from their buffers, and ONNX Runtime reads the result. */
class OnnxGraphTest {
    @Test
    void streamedInlineWeightsGiveTheModelOnnxRuntimeExpects() throws Exception {
        int k = 300;
        int n = 200; // 240 KB of weights: above the streaming threshold
        float[] w = new float[k * n];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i * 0.37) * 0.1f;
        }
        ByteBuffer view = ByteBuffer.allocateDirect(w.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        view.asFloatBuffer().put(w);
        OnnxGraph g = new OnnxGraph();
        String x = g.input("x", 2L, (long) k);
        String wName = g.initializer("encoder.layer.0.weight", OnnxGraph.FLOAT, new long[] {k, n}, view, false);
        String b = g.constant("bias", new float[] {1f, 2f}, 2, 1); // a small tensor, copied into the message
        String y = g.op("Add", g.op("MatMul", x, wName), b);
        g.rename(y, "y");
        g.output("y", 2L, (long) n);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        g.writeModel("t", out);
        byte[] streamed = out.toByteArray();
        assertArrayEquals(streamed, g.toModelBytes("t"), "one writer for files and sessions");
        assertEquals(0, view.position(), "the caller's buffer is not consumed");

        float[] in = new float[2 * k];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) Math.cos(i * 0.11);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(streamed, new OrtSession.SessionOptions());
                OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(in), new long[] {2, k});
                OrtSession.Result r = s.run(Map.of("x", t))) {
            float[][] got = (float[][]) r.get("y").get().getValue();
            for (int row = 0; row < 2; row++) {
                for (int c = 0; c < n; c++) {
                    double want = row + 1;
                    for (int i = 0; i < k; i++) {
                        want += in[row * k + i] * (double) w[i * n + c];
                    }
                    assertEquals(want, got[row][c], 1e-4, "y[" + row + "][" + c + "]");
                }
            }
        }
    }
}
