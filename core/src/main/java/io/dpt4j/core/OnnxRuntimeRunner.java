package io.dpt4j.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.dpt4j.core.modeling.OnnxExport;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a model with ONNX Runtime: one session per input shape (the graph is static, so ONNX Runtime
 * can plan memory and fuse freely), built from the model's loaded weights on first use.
 */
final class OnnxRuntimeRunner implements AutoCloseable {
    /** Sessions kept per model; a new input shape beyond this evicts the oldest. */
    static final int MAX_SESSIONS = 2;

    private final PreTrainedModel<?, ?> model;
    private final LinkedHashMap<List<Long>, OrtSession> sessions = new LinkedHashMap<>();

    OnnxRuntimeRunner(PreTrainedModel<?, ?> model) {
        this.model = model;
    }

    static OrtEnvironment env() {
        return OrtEnvironment.getEnvironment();
    }

    /** The ONNX model bytes for one input shape (also what {@code ./dpt convert --format onnx} writes). */
    static byte[] export(PreTrainedModel<?, ?> model, long[] inputShape) {
        try (NDManager scratch = DptEngine.newManager()) {
            OnnxExport x = new OnnxExport(scratch);
            OnnxExport.V px = x.input("pixel_values", inputShape);
            Map<String, OnnxExport.V> outs = model.exportOnnx(x, px);
            outs.forEach((name, v) -> x.output(v, name));
            return x.g.toModelBytes(model.getClass().getSimpleName());
        }
    }

    private synchronized OrtSession session(long[] shape) throws OrtException {
        List<Long> key = new ArrayList<>();
        for (long d : shape) {
            key.add(d);
        }
        OrtSession s = sessions.get(key);
        if (s == null) {
            byte[] bytes = export(model, shape);
            OrtSession.SessionOptions o = new OrtSession.SessionOptions();
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setIntraOpNumThreads(DptEngine.numThreads());
            o.setInterOpNumThreads(1);
            s = env().createSession(bytes, o);
            if (sessions.size() >= MAX_SESSIONS) {
                List<Long> oldest = sessions.keySet().iterator().next();
                sessions.remove(oldest).close();
            }
            sessions.put(key, s);
        }
        return s;
    }

    /** Runs the session for {@code pixelValues}; outputs are created on {@code out}. */
    Map<String, NDArray> run(NDArray pixelValues, NDManager out) {
        long[] shape = pixelValues.getShape().getShape();
        try {
            OrtSession s = session(shape);
            float[] data = pixelValues.toFloatArray();
            try (OnnxTensor in = OnnxTensor.createTensor(env(), FloatBuffer.wrap(data), shape);
                    OrtSession.Result r = s.run(Map.of("pixel_values", in))) {
                Map<String, NDArray> m = new LinkedHashMap<>();
                for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
                    OnnxTensor t = (OnnxTensor) e.getValue();
                    long[] os = t.getInfo().getShape();
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] vals = new float[fb.remaining()];
                    fb.get(vals);
                    m.put(e.getKey(), out.create(vals, new Shape(os)));
                }
                return m;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on input " + Arrays.toString(shape) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        for (OrtSession s : sessions.values()) {
            try {
                s.close();
            } catch (OrtException e) {
                // closing native sessions; nothing to recover
            }
        }
        sessions.clear();
    }
}
