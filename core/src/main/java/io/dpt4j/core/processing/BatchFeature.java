package io.dpt4j.core.processing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * What {@link DPTImageProcessor#preprocess} returns, the counterpart of transformers' {@code BatchFeature}:
 * {@code pixel_values} (float32, one C x H x W tensor per image, stacked to N x C x H x W) and, when
 * segmentation maps were given, {@code labels} (int64, H x W per map, stacked to N x H x W).
 *
 * <p>When the images end up with different sizes (e.g. {@code keep_aspect_ratio} on photos of different
 * shapes), transformers can only return a list ({@code return_tensors=None}); asking it for a tensor
 * fails. Likewise here: {@link #pixelValuesList()} always works, {@link #pixelValues()} throws
 * {@link IllegalStateException} for a ragged batch.
 */
public final class BatchFeature {
    private final List<FloatTensor> pixelValues;
    private final List<LongTensor> labels;

    /**
     * @param pixelValues one C x H x W tensor per image
     * @param labels one H x W tensor per segmentation map, or null when none were given
     */
    public BatchFeature(List<FloatTensor> pixelValues, List<LongTensor> labels) {
        this.pixelValues = Collections.unmodifiableList(new ArrayList<>(pixelValues));
        this.labels = labels == null ? null : Collections.unmodifiableList(new ArrayList<>(labels));
    }

    /** Number of images. */
    public int size() {
        return pixelValues.size();
    }

    /** Per-image {@code pixel_values}, each C x H x W (what transformers returns with {@code return_tensors=None}). */
    public List<FloatTensor> pixelValuesList() {
        return pixelValues;
    }

    /** True when every image has the same C x H x W, so {@link #pixelValues()} can stack them. */
    public boolean isStackable() {
        return sameShapes(pixelValues.stream().map(FloatTensor::shape).toList());
    }

    /**
     * {@code pixel_values} stacked to N x C x H x W.
     *
     * @throws IllegalStateException when the images have different sizes, listing them
     */
    public FloatTensor pixelValues() {
        List<long[]> shapes = pixelValues.stream().map(FloatTensor::shape).toList();
        requireSame("pixel_values", shapes);
        long[] one = shapes.isEmpty() ? new long[] {0, 0, 0} : shapes.get(0);
        int per = pixelValues.isEmpty() ? 0 : pixelValues.get(0).data().length;
        float[] all = new float[per * pixelValues.size()];
        for (int i = 0; i < pixelValues.size(); i++) {
            System.arraycopy(pixelValues.get(i).data(), 0, all, i * per, per);
        }
        return new FloatTensor(all, prepend(pixelValues.size(), one));
    }

    /** True when segmentation maps were processed. */
    public boolean hasLabels() {
        return labels != null;
    }

    /**
     * Per-map {@code labels}, each H x W int64.
     *
     * @throws IllegalStateException when no segmentation maps were given
     */
    public List<LongTensor> labelsList() {
        if (labels == null) {
            throw new IllegalStateException("no labels: preprocess was called without segmentation maps");
        }
        return labels;
    }

    /**
     * {@code labels} stacked to N x H x W.
     *
     * @throws IllegalStateException when no maps were given or they have different sizes
     */
    public LongTensor labels() {
        List<LongTensor> l = labelsList();
        List<long[]> shapes = l.stream().map(LongTensor::shape).toList();
        requireSame("labels", shapes);
        long[] one = shapes.isEmpty() ? new long[] {0, 0} : shapes.get(0);
        int per = l.isEmpty() ? 0 : l.get(0).data().length;
        long[] all = new long[per * l.size()];
        for (int i = 0; i < l.size(); i++) {
            System.arraycopy(l.get(i).data(), 0, all, i * per, per);
        }
        return new LongTensor(all, prepend(l.size(), one));
    }

    private static boolean sameShapes(List<long[]> shapes) {
        for (long[] s : shapes) {
            if (!Arrays.equals(s, shapes.get(0))) {
                return false;
            }
        }
        return true;
    }

    private static void requireSame(String name, List<long[]> shapes) {
        if (!sameShapes(shapes)) {
            StringBuilder sb = new StringBuilder();
            for (long[] s : shapes) {
                sb.append(sb.length() == 0 ? "" : ", ").append(Arrays.toString(s));
            }
            throw new IllegalStateException("cannot stack " + name + ": the images have different sizes after "
                    + "preprocessing (" + sb + "); use the per-image list, or a fixed size "
                    + "(keep_aspect_ratio=false) or do_pad so that they agree");
        }
    }

    private static long[] prepend(long n, long[] shape) {
        long[] r = new long[shape.length + 1];
        r[0] = n;
        System.arraycopy(shape, 0, r, 1, shape.length);
        return r;
    }
}
