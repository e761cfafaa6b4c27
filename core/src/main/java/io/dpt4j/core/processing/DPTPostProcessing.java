package io.dpt4j.core.processing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * transformers' {@code DPTImageProcessor.post_process_semantic_segmentation} and
 * {@code post_process_depth_estimation} on plain float arrays, with torch's CPU
 * {@code F.interpolate(..., align_corners=False)} reproduced in float32:
 * {@code src = scale * (dst + 0.5) - 0.5} with {@code scale = (float) in / out}, separable, the outer
 * (height) sum taken over inner (width) sums in torch's order.
 */
public final class DPTPostProcessing {
    /** torch's cubic convolution coefficient for {@code upsample_bicubic2d}. */
    static final float CUBIC_A = -0.75f;

    private DPTPostProcessing() {}

    /**
     * Semantic segmentation maps from logits.
     *
     * @param logits N x C x H x W, row-major
     * @param shape {N, C, H, W}
     * @param targetSizes null for none, else one {height, width} per image: logits are resized there with
     *     bilinear interpolation (align_corners false) before the argmax
     * @return per image an int64 H x W map of class indices; ties go to the lowest class (torch's argmax)
     * @throws IllegalArgumentException when the shape is not 4-D, does not match the data, or the number
     *     of target sizes differs from N
     */
    public static List<LongTensor> postProcessSemanticSegmentation(float[] logits, long[] shape,
            List<int[]> targetSizes) {
        checkShape(logits, shape, 4, "logits");
        int n = (int) shape[0];
        int c = (int) shape[1];
        int h = (int) shape[2];
        int w = (int) shape[3];
        if (targetSizes != null && targetSizes.size() != n) {
            throw new IllegalArgumentException("Make sure that you pass in as many target sizes as the batch "
                    + "dimension of the logits (" + n + " images, " + targetSizes.size() + " target sizes)");
        }
        List<LongTensor> out = new ArrayList<>(n);
        int per = c * h * w;
        for (int i = 0; i < n; i++) {
            float[] img = Arrays.copyOfRange(logits, i * per, (i + 1) * per);
            int oh = h;
            int ow = w;
            if (targetSizes != null) {
                int[] t = targetSizes.get(i);
                oh = t[0];
                ow = t[1];
                img = bilinear(img, c, h, w, oh, ow);
            }
            out.add(new LongTensor(argmax(img, c, oh * ow), oh, ow));
        }
        return out;
    }

    /**
     * Depth maps at the requested sizes.
     *
     * @param predictedDepth N x H x W (or N x 1 x H x W), row-major
     * @param shape its shape
     * @param targetSizes null to return the maps unchanged, else one {height, width} (or null) per image:
     *     resized with bicubic interpolation (A = -0.75, align_corners false); like torch's
     *     {@code .squeeze()}, size-1 dimensions are dropped from a resized result
     * @return per image the depth tensor ({@code predicted_depth})
     */
    public static List<FloatTensor> postProcessDepthEstimation(float[] predictedDepth, long[] shape,
            List<int[]> targetSizes) {
        if (shape.length == 4 && shape[1] == 1) {
            shape = new long[] {shape[0], shape[2], shape[3]};
        }
        checkShape(predictedDepth, shape, 3, "predicted_depth");
        int n = (int) shape[0];
        int h = (int) shape[1];
        int w = (int) shape[2];
        if (targetSizes != null && targetSizes.size() != n) {
            throw new IllegalArgumentException("Make sure that you pass in as many target sizes as the batch "
                    + "dimension of the predicted depth (" + n + " images, " + targetSizes.size() + " target sizes)");
        }
        List<FloatTensor> out = new ArrayList<>(n);
        int per = h * w;
        for (int i = 0; i < n; i++) {
            float[] d = Arrays.copyOfRange(predictedDepth, i * per, (i + 1) * per);
            int[] t = targetSizes == null ? null : targetSizes.get(i);
            if (t == null) {
                out.add(new FloatTensor(d, h, w));
                continue;
            }
            float[] r = bicubic(d, 1, h, w, t[0], t[1]);
            List<Long> dims = new ArrayList<>();
            if (t[0] != 1) {
                dims.add((long) t[0]);
            }
            if (t[1] != 1) {
                dims.add((long) t[1]);
            }
            out.add(new FloatTensor(r, dims.stream().mapToLong(Long::longValue).toArray()));
        }
        return out;
    }

    private static void checkShape(float[] data, long[] shape, int rank, String name) {
        if (shape.length != rank) {
            throw new IllegalArgumentException(name + " must be " + rank + "-D, got shape " + Arrays.toString(shape));
        }
        long total = 1;
        for (long s : shape) {
            total *= s;
        }
        if (total != data.length) {
            throw new IllegalArgumentException(name + " shape " + Arrays.toString(shape) + " holds " + total
                    + " values, the array has " + data.length);
        }
    }

    /** torch.argmax over the class dimension of a C x P array; the first maximum wins. */
    static long[] argmax(float[] v, int classes, int pixels) {
        long[] out = new long[pixels];
        for (int p = 0; p < pixels; p++) {
            float best = v[p];
            int bi = 0;
            for (int k = 1; k < classes; k++) {
                float x = v[k * pixels + p];
                // NaN counts as the maximum in torch; otherwise strictly greater only.
                if (x > best || (Float.isNaN(x) && !Float.isNaN(best))) {
                    best = x;
                    bi = k;
                }
            }
            out[p] = bi;
        }
        return out;
    }

    /** torch {@code area_pixel_compute_scale} for align_corners false and no scale factor. */
    private static float scale(int in, int out) {
        return (float) in / (float) out;
    }

    /**
     * {@code F.interpolate(x, size=(oh, ow), mode="bilinear", align_corners=False)} on C planes.
     * Public for the pipelines; float32 arithmetic as torch's CPU kernel.
     */
    public static float[] bilinear(float[] src, int channels, int h, int w, int oh, int ow) {
        int[] y0 = new int[oh];
        int[] y1 = new int[oh];
        float[] hl0 = new float[oh];
        float[] hl1 = new float[oh];
        linearIndices(h, oh, y0, y1, hl0, hl1);
        int[] x0 = new int[ow];
        int[] x1 = new int[ow];
        float[] wl0 = new float[ow];
        float[] wl1 = new float[ow];
        linearIndices(w, ow, x0, x1, wl0, wl1);
        float[] out = new float[channels * oh * ow];
        for (int c = 0; c < channels; c++) {
            int sb = c * h * w;
            int ob = c * oh * ow;
            for (int y = 0; y < oh; y++) {
                int r0 = sb + y0[y] * w;
                int r1 = sb + y1[y] * w;
                for (int x = 0; x < ow; x++) {
                    float t0 = src[r0 + x0[x]] * wl0[x] + src[r0 + x1[x]] * wl1[x];
                    float t1 = src[r1 + x0[x]] * wl0[x] + src[r1 + x1[x]] * wl1[x];
                    out[ob + y * ow + x] = t0 * hl0[y] + t1 * hl1[y];
                }
            }
        }
        return out;
    }

    private static void linearIndices(int in, int out, int[] i0, int[] i1, float[] l0, float[] l1) {
        float scale = scale(in, out);
        for (int d = 0; d < out; d++) {
            float src = scale * (d + 0.5f) - 0.5f;
            if (src < 0) {
                src = 0;
            }
            int idx = Math.min((int) src, in - 1);
            float lambda = Math.min(Math.max(src - idx, 0f), 1f);
            i0[d] = idx;
            i1[d] = idx + (idx < in - 1 ? 1 : 0);
            l1[d] = lambda;
            l0[d] = 1f - lambda;
        }
    }

    /**
     * {@code F.interpolate(x, size=(oh, ow), mode="bicubic", align_corners=False)} on C planes
     * (A = -0.75, taps clamped to the border). Public for the pipelines; float32 as torch's CPU kernel.
     */
    public static float[] bicubic(float[] src, int channels, int h, int w, int oh, int ow) {
        int[][] yi = new int[4][oh];
        float[][] yw = new float[4][oh];
        cubicIndices(h, oh, yi, yw);
        int[][] xi = new int[4][ow];
        float[][] xw = new float[4][ow];
        cubicIndices(w, ow, xi, xw);
        float[] out = new float[channels * oh * ow];
        for (int c = 0; c < channels; c++) {
            int sb = c * h * w;
            int ob = c * oh * ow;
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    float acc = 0f;
                    for (int j = 0; j < 4; j++) {
                        int row = sb + yi[j][y] * w;
                        float t = src[row + xi[0][x]] * xw[0][x];
                        for (int k = 1; k < 4; k++) {
                            t += src[row + xi[k][x]] * xw[k][x];
                        }
                        acc = j == 0 ? t * yw[0][y] : acc + t * yw[j][y];
                    }
                    out[ob + y * ow + x] = acc;
                }
            }
        }
        return out;
    }

    private static void cubicIndices(int in, int out, int[][] idx, float[][] wts) {
        float scale = scale(in, out);
        for (int d = 0; d < out; d++) {
            float src = scale * (d + 0.5f) - 0.5f;
            int i = (int) Math.floor(src);
            float t = src - i;
            float[] c = cubicCoefficients(t);
            for (int k = 0; k < 4; k++) {
                idx[k][d] = Math.min(Math.max(i - 1 + k, 0), in - 1);
                wts[k][d] = c[k];
            }
        }
    }

    /** torch {@code get_cubic_upsample_coefficients}: weights of taps -1, 0, +1, +2 for fraction t. */
    static float[] cubicCoefficients(float t) {
        float x1 = t;
        float x2 = 1.0f - t;
        return new float[] {cubic2(x1 + 1.0f), cubic1(x1), cubic1(x2), cubic2(x2 + 1.0f)};
    }

    private static float cubic1(float x) {
        return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
    }

    private static float cubic2(float x) {
        return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
    }
}
