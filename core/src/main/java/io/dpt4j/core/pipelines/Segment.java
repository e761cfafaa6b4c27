package io.dpt4j.core.pipelines;

import java.awt.image.BufferedImage;

/**
 * One class present in a semantic segmentation, like an entry of transformers' image-segmentation
 * pipeline output: its label, a binary mask (255 where the class is, 0 elsewhere) and its pixel share.
 * {@code score} is null for semantic segmentation, as in transformers.
 */
public record Segment(int labelId, String label, Float score, BufferedImage mask, double pixelShare) {
    @Override
    public String toString() {
        return String.format("Segment(%s, id=%d, %.2f%% of pixels)", label, labelId, 100 * pixelShare);
    }
}
