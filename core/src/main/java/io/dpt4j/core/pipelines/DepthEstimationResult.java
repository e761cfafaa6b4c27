package io.dpt4j.core.pipelines;

import io.dpt4j.core.processing.DepthColormap;
import io.dpt4j.core.processing.FloatTensor;
import java.awt.image.BufferedImage;

/**
 * One image's result of the depth-estimation pipeline, like transformers': {@code predictedDepth}
 * resized to the source image ([height, width], bicubic), and {@code depth}, the min-max normalised
 * 8-bit image. Larger values are nearer for relative-depth models (inverse depth), metres for metric
 * ones.
 */
public final class DepthEstimationResult {
    private final FloatTensor predictedDepth;
    private final int width;
    private final int height;

    public DepthEstimationResult(FloatTensor predictedDepth) {
        this.predictedDepth = predictedDepth;
        this.height = (int) predictedDepth.dim(0);
        this.width = (int) predictedDepth.dim(1);
    }

    /** The depth map at the source image's size, [height, width]. */
    public FloatTensor predictedDepth() {
        return predictedDepth;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** transformers' "depth": min-max normalised to 0..255 (clamped before the cast), grayscale. */
    public BufferedImage depth() {
        return DepthColormap.grayscale(predictedDepth.data(), width, height);
    }

    /** The depth coloured with the inferno map, as depth viewers show it (bright = near). */
    public BufferedImage coloredDepth() {
        return DepthColormap.inferno(predictedDepth.data(), width, height);
    }

    @Override
    public String toString() {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : predictedDepth.data()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return String.format("DepthEstimationResult(%dx%d, depth range %.4g .. %.4g)", width, height, min, max);
    }
}
