package io.dpt4j.core.pipelines;

import io.dpt4j.core.processing.SegmentationPalette;
import io.dpt4j.core.processing.Uint8Image;
import java.awt.image.BufferedImage;
import java.util.List;

/** The segments of one image and its label map (class id per pixel, at the image's size). */
public final class SegmentationResult {
    private final List<Segment> segments;
    private final long[] labelMap;
    private final int width;
    private final int height;
    private final Uint8Image image;

    SegmentationResult(List<Segment> segments, long[] labelMap, int width, int height, Uint8Image image) {
        this.segments = segments;
        this.labelMap = labelMap;
        this.width = width;
        this.height = height;
        this.image = image;
    }

    /** One entry per class present, by ascending class id. */
    public List<Segment> segments() {
        return segments;
    }

    /** Class id per pixel, row-major [height, width]. */
    public long[] labelMap() {
        return labelMap;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The label map in the segmentation palette. */
    public BufferedImage colorizedLabels() {
        return SegmentationPalette.colorize(labelMap, width, height);
    }

    /** The palette colours blended over the photo ({@code alpha} = colour weight). */
    public BufferedImage overlay(double alpha) {
        return SegmentationPalette.overlay(image, labelMap, width, height, alpha);
    }

    public BufferedImage overlay() {
        return overlay(0.5);
    }

    @Override
    public String toString() {
        return "SegmentationResult(" + width + "x" + height + ", " + segments + ")";
    }
}
