package io.dpt4j.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.dpt4j.core.modeling.OnnxExport;
import io.dpt4j.core.onnx.Int8Quantization;
import io.dpt4j.core.onnx.OnnxGraph;
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
    /** Set to a file prefix to write ONNX Runtime's per-node profile (JSON) for each session. */
    static final String PROFILE_ENV = "DPT4J_ORT_PROFILE";

    /** Sessions kept per model; a new input shape beyond this evicts the oldest. */
    static final int MAX_SESSIONS = 2;

    private final PreTrainedModel<?, ?> model;
    private final InferenceDtype dtype;
    private volatile Int8Quantization.Report lastQuantization;
    private final LinkedHashMap<List<Long>, OrtSession> sessions = new LinkedHashMap<>();
    private final Map<List<Long>, Resources> resources = new LinkedHashMap<>();

    /** What a session's external weights point into: freed with the session. */
    private record Resources(NDManager keep, List<OnnxTensor> tensors) implements AutoCloseable {
        @Override
        public void close() {
            tensors.forEach(OnnxTensor::close);
            keep.close();
        }
    }

    OnnxRuntimeRunner(PreTrainedModel<?, ?> model, InferenceDtype dtype) {
        this.model = model;
        this.dtype = dtype;
    }

    /** What int8 quantization did for the latest session, or null (float32, or no session yet). */
    Int8Quantization.Report lastQuantization() {
        return lastQuantization;
    }

    /**
     * The quantization pass's options: full int8 range where the CPU's int8 dot products do not
     * saturate (VNNI, AMX, ARM), 7-bit weights ("reduce range") on x86 without them, or always full
     * range for a file meant for other machines.
     */
    static Int8Quantization.Options int8Options(boolean forThisCpu) {
        Int8Quantization.Options o = Int8Quantization.Options.defaults();
        return forThisCpu && CpuFeatures.current().int8MaySaturate() ? o.withQmax(63) : o;
    }

    static OrtEnvironment env() {
        return OrtEnvironment.getEnvironment();
    }

    /** FLOPs of the graph for one input shape (matmuls and convolutions), without building a session. */
    static long flops(PreTrainedModel<?, ?> model, long[] inputShape) {
        try (NDManager scratch = DptEngine.newManager()) {
            return build(model, inputShape, scratch, false).flops();
        }
    }

    /** A self-contained ONNX model (weights inline) for one input shape. */
    static byte[] export(PreTrainedModel<?, ?> model, long[] inputShape, InferenceDtype dtype) {
        try (NDManager scratch = DptEngine.newManager()) {
            OnnxGraph g = build(model, inputShape, scratch, true).g;
            if (dtype == InferenceDtype.INT8) {
                Int8Quantization.apply(g, int8Options(false));
            }
            return g.toModelBytes(model.getClass().getSimpleName());
        }
    }

    private static OnnxExport build(PreTrainedModel<?, ?> model, long[] inputShape, NDManager keep, boolean inline) {
        OnnxExport x = new OnnxExport(keep, inline);
        OnnxExport.V px = x.input("pixel_values", inputShape);
        Map<String, OnnxExport.V> outs = model.exportOnnx(x, px);
        outs.forEach((name, v) -> x.output(v, name));
        return x;
    }

    private synchronized OrtSession session(long[] shape) throws OrtException {
        List<Long> key = new ArrayList<>();
        for (long d : shape) {
            key.add(d);
        }
        OrtSession s = sessions.get(key);
        if (s == null) {
            NDManager keep = DptEngine.newManager();
            List<OnnxTensor> tensors = new ArrayList<>();
            OrtSession.SessionOptions o = new OrtSession.SessionOptions();
            OnnxExport x = build(model, shape, keep, false);
            if (dtype == InferenceDtype.INT8) {
                lastQuantization = Int8Quantization.apply(x.g, int8Options(true));
            }
            Map<String, OnnxTensorLike> ext = new LinkedHashMap<>();
            for (OnnxGraph.Initializer i : x.g.initializers().values()) {
                if (!i.external()) {
                    continue;
                }
                // Direct buffers are used in place: float32 views of the loaded weights, int8 quantized ones.
                OnnxTensor t = i.elemType() == OnnxGraph.INT8
                        ? OnnxTensor.createTensor(env(), i.data(), i.dims())
                        : OnnxTensor.createTensor(env(), i.data().asFloatBuffer(), i.dims());
                tensors.add(t);
                ext.put(i.name(), t);
            }
            o.addExternalInitializers(ext);
            byte[] bytes = x.g.toModelBytes(model.getClass().getSimpleName());
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setIntraOpNumThreads(DptEngine.numThreads());
            o.setInterOpNumThreads(1);
            // The arena keeps its high-water mark for the session's life: without it dpt-large peaks at
            // 3.4 GB instead of 4.4 GB, at the same speed (what remains is mostly the prepacked weights).
            o.setCPUArenaAllocator(false);
            String profile = System.getenv(PROFILE_ENV);
            if (profile != null) {
                o.enableProfiling(profile);
            }
            s = env().createSession(bytes, o);
            if (sessions.size() >= MAX_SESSIONS) {
                List<Long> oldest = sessions.keySet().iterator().next();
                sessions.remove(oldest).close();
                resources.remove(oldest).close();
            }
            sessions.put(key, s);
            resources.put(key, new Resources(keep, tensors));
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
                for (Map.Entry<String, OnnxValue> e : r) {
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
        resources.values().forEach(Resources::close);
        resources.clear();
    }
}
