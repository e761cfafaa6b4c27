package io.dpt4j.core;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.loading.LoadReport;
import io.dpt4j.core.loading.StateDictLoader;
import io.dpt4j.core.modeling.ForwardContext;
import io.dpt4j.core.onnx.Int8Quantization;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.outputs.ModelOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What every model class shares: its config, its DJL block (the module tree with Hugging Face names),
 * the native memory that holds its weights, and the forward pass's memory discipline.
 *
 * @param <C> the config type
 * @param <O> the output type
 */
public abstract class PreTrainedModel<C, O extends ModelOutput> implements AutoCloseable {
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
     * Selects the engine of later forward passes. ONNX Runtime runs the same weights through a graph
     * written in Java per input shape; it returns the primary outputs only, so passes that ask for
     * hidden states, attentions or intermediates still run on PyTorch.
     *
     * @throws UnsupportedOperationException when this model's family has no ONNX graph (BEiT, Swinv2)
     */
    public synchronized void setEngine(ExecutionEngine engine) {
        ensureOpen();
        if (engine == ExecutionEngine.AUTO) {
            engine = supportsOnnx() ? ExecutionEngine.ONNXRUNTIME : ExecutionEngine.PYTORCH;
        }
        if (engine == ExecutionEngine.ONNXRUNTIME && !supportsOnnx()) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " with this config has no ONNX Runtime graph "
                    + "(supported: DPT-ViT, DPT-Hybrid, DINOv2 DPT, Depth Anything); use the pytorch engine");
        }
        if (engine == ExecutionEngine.PYTORCH && dtype == InferenceDtype.INT8) {
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
        if (dtype == InferenceDtype.INT8) {
            if (!supportsOnnx()) {
                throw new UnsupportedOperationException(getClass().getSimpleName() + " with this config has no ONNX Runtime graph, "
                        + "so no int8 (supported: DPT-ViT, DPT-Hybrid, DINOv2 DPT, Depth Anything); use dtype f32");
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

    /** Whether {@link #exportOnnx} can write this model's graph. */
    public boolean supportsOnnx() {
        return false;
    }

    /**
     * Writes this model's graph for one static input shape; returns the outputs by name. Models that
     * support ONNX Runtime override it.
     */
    protected Map<String, io.dpt4j.core.modeling.OnnxExport.V> exportOnnx(io.dpt4j.core.modeling.OnnxExport x,
            io.dpt4j.core.modeling.OnnxExport.V pixelValues) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no ONNX graph");
    }

    /**
     * The ONNX model (opset 17, weights inline) of this model for one input shape [batch, channels,
     * height, width], in this model's dtype: int8 models use ONNX Runtime's
     * {@code com.microsoft.DynamicQuantizeMatMul} (full int8 weight range, for VNNI/AMX/ARM CPUs).
     */
    public byte[] toOnnx(long... inputShape) {
        ensureOpen();
        if (!supportsOnnx()) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " with this config has no ONNX graph");
        }
        return OnnxRuntimeRunner.export(this, inputShape, dtype);
    }

    /** FLOPs of one forward at this input shape, counted on the ONNX graph (no pass is run). */
    public long onnxFlops(long... inputShape) {
        ensureOpen();
        return OnnxRuntimeRunner.flops(this, inputShape);
    }

    /** Builds the primary outputs from ONNX Runtime's named results. */
    protected O outputFromOnnx(Map<String, NDArray> outputs) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no ONNX graph");
    }

    /**
     * Runs the model (eval mode). Scratch tensors live in a sub-manager closed before returning; the
     * outputs are attached to {@code pixelValues}' manager.
     */
    public O forward(NDArray pixelValues, ForwardOptions options) {
        ensureOpen();
        NDManager caller = pixelValues.getManager();
        boolean primaryOnly = !options.outputHiddenStates && !options.outputAttentions && !options.captureIntermediates;
        if (dtype == InferenceDtype.INT8 && !primaryOnly) {
            throw new UnsupportedOperationException("an int8 " + getClass().getSimpleName() + " returns the primary outputs only "
                    + "(no hidden states, attentions or intermediates); use dtype f32 for those");
        }
        if (engine == ExecutionEngine.ONNXRUNTIME && primaryOnly) {
            OnnxRuntimeRunner r;
            synchronized (this) {
                if (ort == null) {
                    ort = new OnnxRuntimeRunner(this, dtype);
                }
                r = ort;
            }
            long t0 = System.nanoTime();
            O out = outputFromOnnx(r.run(pixelValues, caller));
            if (options.timeStages) {
                out.setStageSeconds(Map.of("onnxruntime", (System.nanoTime() - t0) / 1e9));
            }
            return out;
        }
        try (NDManager scratch = caller.newSubManager()) {
            pixelValues.tempAttach(scratch);
            ForwardContext ctx = options.toContext();
            ctx.keepOn(scratch);
            O out = forwardImpl(pixelValues, ctx);
            out.setIntermediates(ctx.captured());
            out.setStageSeconds(ctx.stageSeconds());
            out.attach(caller);
            return out;
        }
    }

    protected abstract O forwardImpl(NDArray pixelValues, ForwardContext ctx);

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
        Map<String, ai.djl.nn.Parameter> ps = block.namedParameters();
        return block.namedShapes().entrySet().stream()
                .filter(e -> ps.get(e.getKey()).getType() != ai.djl.nn.Parameter.Type.RUNNING_MEAN)
                .mapToLong(e -> e.getValue().size()).sum();
    }

    static <M extends PreTrainedModel<?, ?>> M load(M model, Path dir, LoadOptions options) {
        try {
            if (options != null && options.engine() == ExecutionEngine.PYTORCH && options.dtype() == InferenceDtype.INT8) {
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
