package io.dpt4j.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import io.dpt4j.core.modeling.ForwardContext;
import io.dpt4j.core.nn.OnnxOps;
import io.dpt4j.core.nn.Tensor;
import io.dpt4j.core.onnx.Int8Quantization;
import io.dpt4j.core.onnx.OnnxGraph;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a model with ONNX Runtime: the model's modules written as one ONNX graph with symbolic batch,
 * height and width, so one session serves every input size. A forward that asks for hidden states,
 * attentions or intermediates gets them from a second graph that also exposes them as outputs (built
 * on first such request; the plain session stays free of them, so ONNX Runtime can fuse and reuse
 * memory across them).
 */
final class OnnxRuntimeRunner implements AutoCloseable {
    /** Set to a file prefix to write ONNX Runtime's per-node profile (JSON) for each session. */
    static final String PROFILE_ENV = CoreConstants.ENV_ORT_PROFILE;

    /** Input shapes already checked against the modules' own validation (bounded). */
    private static final int MAX_CHECKED_SHAPES = 64;

    private final PreTrainedModel<?, ?> model;
    private final Map<List<Boolean>, OrtSession> sessions = new LinkedHashMap<>();
    private final List<OnnxTensor> externals = new ArrayList<>();
    private final Set<List<Long>> checkedShapes = Collections.synchronizedSet(new LinkedHashSet<>());
    private String cacheStatus = "no session yet";
    private final InferenceDtype dtype;
    private volatile Int8Quantization.Report lastQuantization;

    OnnxRuntimeRunner(PreTrainedModel<?, ?> model, InferenceDtype dtype) {
        this.model = model;
        this.dtype = dtype;
    }

    /** What int8 quantization did for the latest session, or null (float32, or no session yet). */
    Int8Quantization.Report lastQuantization() {
        return lastQuantization;
    }

    /** Weight-name prefixes of the decoder (the DPT neck and heads), where int8-conv quantizes convolutions. */
    static final List<String> DECODER_SCOPES = List.of("neck.", "head.", "auxiliary_head.");

    static final int INT8_CONV_MIN_CHANNELS = 128;

    /**
     * The quantization pass's options for {@code dtype} (int8-conv adds the decoder's convolutions):
     * full int8 range where the CPU's int8 dot products do not saturate (VNNI, AMX, ARM), 7-bit weights
     * ("reduce range") on x86 without them, or always full range for a file meant for other machines.
     */
    static Int8Quantization.Options int8Options(InferenceDtype dtype, boolean forThisCpu) {
        Int8Quantization.Options o = Int8Quantization.Options.defaults();
        if (dtype == InferenceDtype.INT8_CONV) {
            // Decoder convolutions only: BiT's weight-standardised backbone convs (each followed by a
            // GroupNorm) compound int8's rounding to tens of percent. Narrower convolutions than 128
            // channels gained nothing: the im2col copy costs what the int8 GEMM saves.
            o = o.withConvMinChannels(INT8_CONV_MIN_CHANNELS).withConvScopes(DECODER_SCOPES);
        }
        return forThisCpu && CpuFeatures.current().int8MaySaturate() ? o.withQmax(63) : o;
    }

    static OrtEnvironment env() {
        return OrtEnvironment.getEnvironment();
    }

    /** The model's graph, with inputs fixed to {@code inputShape} or (null) the model's symbolic dims. */
    static OnnxOps build(PreTrainedModel<?, ?> model, long[] inputShape, ForwardContext ctx, boolean inline, boolean contribOps) {
        return build(model, inputShape, ctx, new OnnxOps(inline, contribOps));
    }

    private static OnnxOps build(PreTrainedModel<?, ?> model, long[] inputShape, ForwardContext ctx, OnnxOps ops) {
        Object[] dims = model.onnxInputDims();
        if (inputShape != null) {
            if (inputShape.length != 4) {
                throw new IllegalArgumentException("pixel_values must have shape [batch, channels, height, width], got "
                        + Arrays.toString(inputShape));
            }
            dims = new Object[] {inputShape[0], inputShape[1], inputShape[2], inputShape[3]};
        }
        Tensor px = ops.input("pixel_values", dims);
        Map<String, Tensor> outs = model.forward(px, ctx);
        outs.forEach((name, t) -> ops.output(t, name));
        ctx.capturedGraph().forEach((name, t) -> {
            if (!outs.containsKey(name)) {
                ops.output(t, name);
            }
        });
        return ops;
    }

    /** FLOPs of the graph for one input shape (matmuls and convolutions), without building a session. */
    static long flops(PreTrainedModel<?, ?> model, long[] inputShape) {
        return build(model, inputShape, ForwardContext.plain(), OnnxOps.sizesOnly()).flops();
    }

    /**
     * A self-contained ONNX model (weights inline) in {@code dtype}; {@code inputShape} null keeps the
     * sizes symbolic.
     */
    static void export(PreTrainedModel<?, ?> model, long[] inputShape, InferenceDtype dtype, OutputStream out) throws IOException {
        // An f32 file stays standard ONNX (any runtime reads it); an int8 one needs ONNX Runtime anyway.
        OnnxGraph g = build(model, inputShape, ForwardContext.plain(), true, dtype.isInt8()).graph();
        if (dtype.isInt8()) {
            Int8Quantization.apply(g, int8Options(dtype, false));
        }
        g.writeModel(model.getClass().getSimpleName(), out);
    }

    private synchronized OrtSession session(ForwardContext ctx) throws OrtException {
        List<Boolean> key = List.of(ctx.outputHiddenStates, ctx.outputAttentions, ctx.capturing());
        OrtSession s = sessions.get(key);
        if (s == null) {
            OnnxOps x = build(model, null, new ForwardContext(ctx.outputHiddenStates, ctx.outputAttentions, ctx.capturing()), false, true);
            Int8Quantization.Options q = dtype.isInt8() ? int8Options(dtype, true) : null;
            String graphName = model.getClass().getSimpleName();
            byte[] bytes = x.graph().toModelBytes(graphName);
            boolean plain = !ctx.outputHiddenStates && !ctx.outputAttentions && !ctx.capturing();
            // Keyed by the float graph and the quantization's options (not the quantized graph), so that a
            // warm int8 start loads the saved model without quantizing the weights first.
            Path cached = plain ? OptimizedModelCache.location(model, bytes, q == null ? "f32" : q.toString()) : null;
            boolean saved = cached != null && Files.isRegularFile(cached.resolve(OptimizedModelCache.MODEL));
            if (q != null && saved) {
                lastQuantization = Int8Quantization.plan(x.graph(), q);
            }
            if (saved) {
                try {
                    // ONNX Runtime's optimizations were applied when it was saved: load it as it is
                    OrtSession.SessionOptions o = options();
                    o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
                    s = env().createSession(cached.resolve(OptimizedModelCache.MODEL).toString(), o);
                    cacheStatus = "loaded the optimized model " + cached;
                } catch (OrtException e) {
                    // a damaged cache entry: build from the weights (and replace it)
                    OptimizedModelCache.delete(cached);
                    s = null;
                }
            }
            if (s == null) {
                if (q != null) {
                    lastQuantization = Int8Quantization.apply(x.graph(), q);
                    bytes = x.graph().toModelBytes(graphName);
                }
                OrtSession.SessionOptions o = options();
                Map<String, OnnxTensorLike> ext = new LinkedHashMap<>();
                for (OnnxGraph.Initializer i : x.graph().initializers().values()) {
                    if (!i.external()) {
                        continue;
                    }
                    // Direct buffers are used in place: float32 views of the loaded weights, int8 quantized ones.
                    OnnxTensor t = i.elemType() == OnnxGraph.INT8
                            ? OnnxTensor.createTensor(env(), i.data(), i.dims())
                            : OnnxTensor.createTensor(env(), i.data().asFloatBuffer(), i.dims());
                    externals.add(t);
                    ext.put(i.name(), t);
                }
                o.addExternalInitializers(ext);
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                Path tmp = cached == null ? null : OptimizedModelCache.tempDir(cached);
                if (tmp != null) {
                    o.setOptimizedModelFilePath(tmp.resolve(OptimizedModelCache.MODEL).toString());
                    o.addConfigEntry("session.optimized_model_external_initializers_file_name", OptimizedModelCache.MODEL + ".data");
                    o.addConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes", "1024");
                }
                s = env().createSession(bytes, o);
                cacheStatus = tmp != null && OptimizedModelCache.publish(tmp, cached) ? "built, optimized model saved to " + cached
                        : "built from the weights";
            }
            sessions.put(key, s);
        }
        return s;
    }

    /** How the plain session was made (built from the weights, or loaded from the optimized-model cache). */
    synchronized String cacheStatus() {
        return cacheStatus;
    }

    private static OrtSession.SessionOptions options() throws OrtException {
        OrtSession.SessionOptions o = new OrtSession.SessionOptions();
        o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        o.setIntraOpNumThreads(DptEngine.numThreads());
        o.setInterOpNumThreads(1);
        // ORT warns at every save of the optimized model that it is specific to this machine; the cache key
        // already holds the CPU model and ORT version, so the warning says nothing the user can act on.
        o.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        // The arena keeps its high-water mark for the session's life: without it dpt-large peaks at
        // 3.4 GB instead of 4.4 GB, at the same speed (what remains is mostly the prepacked weights).
        o.setCPUArenaAllocator(false);
        String profile = System.getenv(PROFILE_ENV);
        if (profile != null) {
            o.enableProfiling(profile);
        }
        return o;
    }

    /**
     * The modules' own input validation for a new input shape (the graph keeps sizes symbolic, so it
     * cannot raise transformers' errors itself): the modules follow this shape's sizes, writing no nodes.
     */
    private void check(long[] shape) {
        List<Long> key = new ArrayList<>();
        for (long d : shape) {
            key.add(d);
        }
        if (checkedShapes.contains(key)) {
            return;
        }
        build(model, shape, ForwardContext.plain(), OnnxOps.sizesOnly());
        if (checkedShapes.size() >= MAX_CHECKED_SHAPES) {
            checkedShapes.clear();
        }
        checkedShapes.add(key);
    }

    /** Runs the session for {@code pixelValues}; outputs are created on {@code out}. */
    Map<String, NDArray> run(NDArray pixelValues, ForwardContext ctx, NDManager out) {
        long[] shape = pixelValues.getShape().getShape();
        check(shape);
        try {
            OrtSession s = session(ctx);
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

    synchronized int sessionCount() {
        return sessions.size();
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
        externals.forEach(OnnxTensor::close);
        externals.clear();
    }
}
