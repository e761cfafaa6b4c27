package io.dpt4j.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.config.PretrainedConfig;
import io.dpt4j.core.loading.ConfigCheckpointCheck;
import io.dpt4j.core.loading.LoadReport;
import io.dpt4j.core.loading.StateDictLoader;
import io.dpt4j.core.modeling.ForwardContext;
import io.dpt4j.core.nn.EagerOps;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.nn.Tensor;
import io.dpt4j.core.onnx.Int8Quantization;
import io.dpt4j.core.outputs.ModelOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What every model class shares: its config, its DJL block (the module tree with Hugging Face names),
 * the native memory that holds its weights, and the forward pass's memory discipline.
 *
 * @param <C> the config type
 * @param <O> the output type
 */
public abstract class PreTrainedModel<C extends PretrainedConfig, O extends ModelOutput> implements AutoCloseable {
    protected final C config;
    protected final HfBlock block;
    protected final NDManager manager;
    private LoadReport loadReport;
    private volatile boolean closed;
    private volatile ExecutionEngine engine = ExecutionEngine.PYTORCH;
    private volatile InferenceDtype dtype = InferenceDtype.FLOAT32;
    private OnnxRuntimeRunner ort;

    protected PreTrainedModel(C config, HfBlock block) {
        this.config = config;
        this.block = block;
        this.manager = DptEngine.newManager();
        block.registerFullNames();
    }

    public C getConfig() {
        return config;
    }

    /** The DJL block (e.g. for {@code ai.djl.Model#setBlock}). */
    public HfBlock block() {
        return block;
    }

    /** The manager that owns the weights; closing the model closes it. */
    public NDManager getManager() {
        return manager;
    }

    /** What loading found (missing / unexpected keys), or null for a model built without weights. */
    public LoadReport loadReport() {
        return loadReport;
    }

    /** transformers' {@code base_model_prefix}: the head models' key prefix of the base model. */
    protected String baseModelPrefix() {
        return "dpt";
    }

    /** Loads weights from a safetensors / .bin file, index, or model directory. */
    public LoadReport loadWeights(Path weights, LoadOptions options) throws IOException {
        try (TensorReader reader = Checkpoints.open(weights)) {
            return loadWeights(reader, options);
        }
    }

    public LoadReport loadWeights(TensorReader reader, LoadOptions options) throws IOException {
        ensureOpen();
        loadReport = StateDictLoader.load(reader, block.namedParameters(), block.namedShapes(), baseModelPrefix(), manager,
                options != null && options.allowMissingKeys);
        return loadReport;
    }

    public O forward(NDArray pixelValues) {
        return forward(pixelValues, ForwardOptions.defaults());
    }

    /**
     * Selects the engine of later forward passes. ONNX Runtime runs the same module definitions, written
     * as one ONNX graph with symbolic batch, height and width (one session for every input size);
     * hidden states, attentions and intermediates come from it as extra graph outputs.
     *
     * @throws UnsupportedOperationException when this model's configuration has no ONNX graph
     */
    public synchronized void setEngine(ExecutionEngine engine) {
        ensureOpen();
        if (engine == ExecutionEngine.AUTO) {
            engine = supportsOnnx() ? ExecutionEngine.ONNXRUNTIME : ExecutionEngine.PYTORCH;
        }
        if (engine == ExecutionEngine.ONNXRUNTIME && !supportsOnnx()) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " with this config has no ONNX Runtime graph "
                    + "(its backbone is not written for both engines yet); use the pytorch engine");
        }
        if (engine == ExecutionEngine.PYTORCH && dtype.isInt8()) {
            throw new IllegalArgumentException("dtype int8 runs on ONNX Runtime only; use the onnxruntime (or auto) engine, or dtype f32 on pytorch");
        }
        this.engine = engine;
    }

    /**
     * Selects the precision of later forward passes. {@link InferenceDtype#INT8} quantizes the weights
     * of every matmul with a constant weight (symmetric, per output channel) when ONNX Runtime builds a
     * session, and switches this model to the ONNX Runtime engine. int8 passes return the primary
     * outputs only; a forward that asks for hidden states, attentions or intermediates is refused
     * (set float32 for those).
     *
     * @throws UnsupportedOperationException for int8 when this model's family has no ONNX graph
     */
    public synchronized void setDtype(InferenceDtype dtype) {
        ensureOpen();
        Objects.requireNonNull(dtype, "dtype (use InferenceDtype.FLOAT32 for float32)");
        if (dtype.isInt8()) {
            if (!supportsOnnx()) {
                throw new UnsupportedOperationException(getClass().getSimpleName() + " with this config has no ONNX Runtime graph, "
                        + "so no int8; use dtype f32");
            }
            engine = ExecutionEngine.ONNXRUNTIME;
        }
        if (dtype != this.dtype && ort != null) {
            // Sessions hold the other precision's graph.
            ort.close();
            ort = null;
        }
        this.dtype = dtype;
    }

    public InferenceDtype getDtype() {
        return dtype;
    }

    /** What int8 quantization did for the latest ONNX Runtime session, or null (float32, or no session yet). */
    public synchronized Int8Quantization.Report int8Report() {
        return ort == null ? null : ort.lastQuantization();
    }

    public ExecutionEngine getEngine() {
        return engine;
    }

    /**
     * How many ONNX Runtime sessions this model has built: one serves every input size and batch; a
     * forward asking for hidden states, attentions or intermediates adds one with those outputs.
     */
    public synchronized int onnxRuntimeSessions() {
        return ort == null ? 0 : ort.sessionCount();
    }

    /**
     * How this model's ONNX Runtime session was made: built from the weights (and saved as an
     * optimized model next to the checkpoint), or loaded from that saved model.
     */
    public synchronized String onnxRuntimeSessionOrigin() {
        return ort == null ? "no session yet" : ort.cacheStatus();
    }

    /** Whether every module of this model (with this config) can be written as an ONNX graph. */
    public boolean supportsOnnx() {
        return true;
    }

    /**
     * The forward pass, written once for both engines: the outputs by the names of
     * {@link ModelOutput#toMap()} ({@code predicted_depth}, {@code hidden_states.0}, ...), only those
     * {@code ctx} asks for beyond the primary ones. Intermediates go to {@code ctx.capture}.
     */
    protected abstract Map<String, Tensor> forward(Tensor pixelValues, ForwardContext ctx);

    /** The output object from named arrays (the names {@link #forward(Tensor, ForwardContext)} uses). */
    protected abstract O output(Map<String, NDArray> named);

    /** The graph input's dims: numbers, or names of symbolic sizes (height and width fixed where the config fixes them). */
    public Object[] onnxInputDims() {
        int[] fixed = config.fixedInputSize();
        return fixed == null ? new Object[] {"batch", numChannels(), "height", "width"}
                : new Object[] {"batch", numChannels(), (long) fixed[0], (long) fixed[1]};
    }

    /** The number of input channels (pixel_values' dim 1). */
    protected abstract int numChannels();

    /**
     * The ONNX model (opset 17, weights inline): symbolic batch, height and width, or fixed to
     * {@code inputShape} [batch, channels, height, width] when given; in this model's dtype: int8 models use
     * ONNX Runtime's {@code com.microsoft.DynamicQuantizeMatMul} (full int8 weight range, for VNNI/AMX/ARM CPUs).
     */
    public byte[] toOnnx(long... inputShape) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeOnnx(out, inputShape);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * {@link #toOnnx} written to {@code out} as it is serialised: the weights are streamed from the
     * loaded (memory-mapped) tensors, so a model of any size is written without a copy on the heap.
     */
    public void writeOnnx(OutputStream out, long... inputShape) throws IOException {
        ensureOpen();
        if (!supportsOnnx()) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " with this config has no ONNX graph");
        }
        OnnxRuntimeRunner.export(this, inputShape.length == 0 ? null : inputShape, dtype, out);
    }

    /** FLOPs of one forward at this input shape, counted on the ONNX graph (no pass is run). */
    public long onnxFlops(long... inputShape) {
        ensureOpen();
        return OnnxRuntimeRunner.flops(this, inputShape);
    }

    /**
     * Runs the model (eval mode). Scratch tensors live in a sub-manager closed before returning; the
     * outputs are attached to {@code pixelValues}' manager.
     */
    public O forward(NDArray pixelValues, ForwardOptions options) {
        ensureOpen();
        NDManager caller = pixelValues.getManager();
        boolean primaryOnly = !options.outputHiddenStates && !options.outputAttentions && !options.captureIntermediates;
        if (dtype.isInt8() && !primaryOnly) {
            throw new UnsupportedOperationException("an int8 " + getClass().getSimpleName() + " returns the primary outputs only "
                    + "(no hidden states, attentions or intermediates); use dtype f32 for those");
        }
        if (engine == ExecutionEngine.ONNXRUNTIME) {
            OnnxRuntimeRunner r;
            synchronized (this) {
                if (ort == null) {
                    ort = new OnnxRuntimeRunner(this, dtype);
                }
                r = ort;
            }
            long t0 = System.nanoTime();
            ForwardContext ctx = options.toContext();
            Map<String, NDArray> named = r.run(pixelValues, ctx, caller);
            Map<String, NDArray> intermediates = new LinkedHashMap<>();
            named.keySet().removeIf(k -> {
                if (k.startsWith("debug.")) {
                    intermediates.put(k, named.get(k));
                    return true;
                }
                return false;
            });
            O out = output(named);
            out.setIntermediates(intermediates);
            if (options.timeStages) {
                out.setStageSeconds(Map.of("onnxruntime", (System.nanoTime() - t0) / 1e9));
            }
            return out;
        }
        try (NDManager scratch = caller.newSubManager()) {
            pixelValues.tempAttach(scratch);
            ForwardContext ctx = options.toContext();
            ctx.keepOn(scratch);
            EagerOps ops = new EagerOps(scratch);
            Map<String, NDArray> named = new LinkedHashMap<>();
            forward(ops.wrap(pixelValues), ctx).forEach((k, t) -> named.put(k, t.nd()));
            O out = output(named);
            out.setIntermediates(ctx.captured());
            out.setStageSeconds(ctx.stageSeconds());
            out.attach(caller);
            return out;
        }
    }

    /** Adds a list of tensors as {@code name.i} entries. */
    protected static void putAll(Map<String, Tensor> m, String name, List<Tensor> list) {
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                m.put(name + "." + i, list.get(i));
            }
        }
    }

    /** The {@code name.i} entries of a named map, in order, or null when there are none. */
    protected static List<NDArray> listOf(Map<String, NDArray> named, String name) {
        List<NDArray> l = new ArrayList<>();
        while (named.containsKey(name + "." + l.size())) {
            l.add(named.get(name + "." + l.size()));
        }
        return l.isEmpty() ? null : l;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
    }

    /** Frees the weights' native memory. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            synchronized (this) {
                if (ort != null) {
                    ort.close();
                }
            }
            manager.close();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + config + ", " + String.format("%,d", numParameters()) + " parameters"
                + (loadReport == null ? "" : ", loaded from " + loadReport.source()) + ")";
    }

    public long numParameters() {
        Map<String, Parameter> ps = block.namedParameters();
        return block.namedShapes().entrySet().stream()
                .filter(e -> ps.get(e.getKey()).getType() != Parameter.Type.RUNNING_MEAN)
                .mapToLong(e -> e.getValue().size()).sum();
    }

    /**
     * Checks {@code config} against the checkpoint in {@code dir} before the model is built (layer count,
     * embedding shapes: see {@link ConfigCheckpointCheck}); returns it.
     */
    static <C> C checkedAgainstCheckpoint(C config, Path dir, LoadOptions options) throws IOException {
        Path configFile = Files.isDirectory(dir) ? dir.resolve(CoreConstants.CONFIG_FILE) : dir;
        Path modelDir = Files.isDirectory(dir) ? dir : dir.toAbsolutePath().getParent();
        try (TensorReader reader = Checkpoints.open(modelDir)) {
            ConfigCheckpointCheck.check(config, configFile.toString(), reader, options != null && options.allowMissingKeys);
        }
        return config;
    }

    static <M extends PreTrainedModel<?, ?>> M load(M model, Path dir, LoadOptions options) {
        try {
            if (options != null && options.engine() == ExecutionEngine.PYTORCH && options.dtype() != null && options.dtype().isInt8()) {
                throw new IllegalArgumentException("dtype int8 runs on ONNX Runtime only; use the onnxruntime (or auto) engine, "
                        + "or dtype f32 on pytorch");
            }
            model.loadWeights(dir, options);
            if (options != null && options.engine() != null) {
                model.setEngine(options.engine());
            }
            if (options != null && options.dtype() != null) {
                model.setDtype(options.dtype());
            }
            return model;
        } catch (IOException e) {
            model.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }
}
