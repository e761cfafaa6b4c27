package io.dpt4j.core.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void aModelOverProtobufsLimitIsRefusedBeforeAnyByteIsWritten(@TempDir Path tmp) throws Exception {
        Path sparse = tmp.resolve("sparse.bin");
        long half = 1_100_000_000L; // two of these: 2.2 GB of weights, mapped from a sparse file (no memory used)
        try (RandomAccessFile f = new RandomAccessFile(sparse.toFile(), "rw")) {
            f.setLength(half);
            OnnxGraph g = new OnnxGraph();
            String x = g.input("x", 1L, 1L);
            for (int i = 0; i < 2; i++) {
                ByteBuffer view = f.getChannel().map(FileChannel.MapMode.READ_ONLY, 0, half).order(ByteOrder.LITTLE_ENDIAN);
                x = g.op("Add", x, g.initializer("w" + i, OnnxGraph.FLOAT, new long[] {half / 4}, view, false));
            }
            g.rename(x, "y");
            g.output("y", 1L, half / 4);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.writeModel("big", out));
            assertTrue(e.getMessage().contains("2 GB"), e.getMessage());
            assertEquals(0, out.size(), "nothing written");
        }
    }
}
