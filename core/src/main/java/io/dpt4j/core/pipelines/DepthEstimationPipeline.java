package io.dpt4j.core.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.core.DptEngine;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.ModelFiles;
import io.dpt4j.core.PreTrainedModel;
import io.dpt4j.core.outputs.DepthEstimatorOutput;
import io.dpt4j.core.outputs.ModelOutput;
import io.dpt4j.core.processing.DPTImageProcessor;
import io.dpt4j.core.processing.FloatTensor;
import io.dpt4j.core.processing.Uint8Image;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

/**
 * transformers' depth-estimation pipeline: image(s) in, per image the depth map resized to the image
 * and an 8-bit depth image. Works with every depth model the project loads (DPT, DPT-Hybrid, DINOv2 /
 * BEiT / Swinv2 DPT, Depth Anything). For many images, the next image is decoded and preprocessed
 * while the model runs on the current one.
 */
public final class DepthEstimationPipeline implements AutoCloseable {
    private final DPTImageProcessor processor;
    private final PreTrainedModel<?, ?> model;
    private final boolean ownsModel;

    public DepthEstimationPipeline(DPTImageProcessor processor, PreTrainedModel<?, ?> model) {
        this(processor, model, false);
    }

    private DepthEstimationPipeline(DPTImageProcessor processor, PreTrainedModel<?, ?> model, boolean owns) {
        this.processor = processor;
        this.model = model;
        this.ownsModel = owns;
    }

    /** Processor + model from a model directory or hub id (e.g. "Intel/dpt-large"). */
    public static DepthEstimationPipeline fromPretrained(String idOrPath) throws IOException {
        return fromPretrained(idOrPath, LoadOptions.defaults());
    }

    public static DepthEstimationPipeline fromPretrained(String idOrPath, LoadOptions options) throws IOException {
        Path dir = ModelFiles.resolve(idOrPath, options);
        DPTImageProcessor processor = DPTImageProcessor.forModel(dir);
        PreTrainedModel<?, ?> model = Pipelines.model(dir, options, processor);
        if (!isDepthModel(model)) {
            String name = model.getClass().getSimpleName();
            model.close();
            throw new IllegalArgumentException(idOrPath + " is a " + name + ", not a depth-estimation model");
        }
        return new DepthEstimationPipeline(processor, model, true);
    }

    static boolean isDepthModel(PreTrainedModel<?, ?> model) {
        Type t = model.getClass().getGenericSuperclass();
        return t instanceof ParameterizedType
                && ((ParameterizedType) t).getActualTypeArguments()[1] == DepthEstimatorOutput.class;
    }

    public DPTImageProcessor processor() {
        return processor;
    }

    public PreTrainedModel<?, ?> model() {
        return model;
    }

    /** One image: a Path, File, file name, byte[], BufferedImage or Uint8Image. */
    public DepthEstimationResult predict(Object image) throws IOException {
        return predict(List.of(image)).get(0);
    }

    public List<DepthEstimationResult> predict(List<?> images) throws IOException {
        List<DepthEstimationResult> out = new ArrayList<>();
        predict(images, (i, r) -> out.add(r), null);
        return out;
    }

    /**
     * Runs every image, handing each result to {@code onResult} as it is ready (index, result). An image
     * that fails to load or run goes to {@code onError} (index, exception) and the batch goes on; with no
     * error handler the first failure is thrown.
     */
    public void predict(List<?> images, BiConsumer<Integer, DepthEstimationResult> onResult,
            BiConsumer<Integer, Exception> onError) throws IOException {
        ExecutorService prep = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dpt4j-preprocess");
            t.setDaemon(true);
            return t;
        });
        try (NDManager m = DptEngine.newManager()) {
            // Only LOOKAHEAD decoded images wait at a time: decoding every photo up front would hold
            // them all in memory (a 4000x3000 photo is 36 MB decoded).
            ArrayDeque<Future<Prepared>> ahead = new ArrayDeque<>();
            int submitted = 0;
            for (int i = 0; i < images.size(); i++) {
                while (submitted < images.size() && submitted <= i + LOOKAHEAD) {
                    Object img = images.get(submitted++);
                    ahead.add(prep.submit(() -> prepare(img)));
                }
                try {
                    Prepared p = ahead.poll().get();
                    onResult.accept(i, run(p, m));
                } catch (ExecutionException | RuntimeException e) {
                    Exception cause = e instanceof ExecutionException && e.getCause() instanceof Exception
                            ? (Exception) e.getCause() : e;
                    if (onError == null) {
                        if (cause instanceof IOException) {
                            throw (IOException) cause;
                        }
                        if (cause instanceof RuntimeException) {
                            throw (RuntimeException) cause;
                        }
                        throw new IOException(cause);
                    }
                    onError.accept(i, cause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
        } finally {
            prep.shutdownNow();
        }
    }

    /** Images decoded and preprocessed ahead of the one the model is running on. */
    static final int LOOKAHEAD = 1;

    record Prepared(Uint8Image image, FloatTensor pixelValues) {}

    private Prepared prepare(Object image) throws IOException {
        Uint8Image img = Images.load(image);
        FloatTensor px = processor.preprocess(List.of(img), Map.of()).pixelValues();
        return new Prepared(img, px);
    }

    private DepthEstimationResult run(Prepared p, NDManager m) {
        try (NDManager scratch = m.newSubManager()) {
            NDArray x = scratch.create(p.pixelValues.data(), new Shape(p.pixelValues.shape()));
            try (ModelOutput out = model.forward(x)) {
                NDArray depth = ((DepthEstimatorOutput) out).predictedDepth;
                List<FloatTensor> resized = processor.postProcessDepthEstimation(depth.toFloatArray(),
                        depth.getShape().getShape(), List.of(new int[] {p.image.height(), p.image.width()}));
                return new DepthEstimationResult(resized.get(0));
            }
        }
    }

    @Override
    public void close() {
        if (ownsModel) {
            model.close();
        }
    }

    @Override
    public String toString() {
        return "DepthEstimationPipeline(" + model + ")";
    }
}
