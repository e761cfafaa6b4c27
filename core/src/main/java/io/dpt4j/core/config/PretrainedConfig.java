package io.dpt4j.core.config;

import java.util.List;

/**
 * What every model config shares, like transformers' {@code PretrainedConfig}: the {@code model_type},
 * the {@code architectures} and the input size the model was built for. {@link AutoConfig} reads the
 * right one from a model directory.
 */
public interface PretrainedConfig {
    /** {@code model_type}. */
    String modelType();

    /** {@code architectures} (empty when the config has none). */
    List<String> architectures();

    /**
     * The input size {height, width} the model expects by default: the config's {@code image_size}, or
     * its backbone's where a separate backbone (DINOv2, BEiT, Swinv2) sets it.
     */
    int[] inputSize();

    /**
     * The only input size {height, width} the model accepts, or null when it takes any size (DPT-Hybrid's
     * BiT embeddings check the input against {@code image_size}, as transformers does).
     */
    default int[] fixedInputSize() {
        return null;
    }
}
