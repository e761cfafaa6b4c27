package io.dpt4j.core.nn;

/**
 * torch's {@code upsample_bilinear2d} / {@code upsample_bicubic2d} (antialias=False) as separable
 * interpolation matrices, built in float32 exactly as torch computes source indices and weights.
 *
 * <p>Why matrices: DJL's interpolate binding enables antialiasing, which changes every downscale and
 * every align_corners=True resize; a resize written as {@code R_h · X · R_wᵀ} is torch's arithmetic
 * (width pass, then height pass) with zero-weight terms added.
 */
public final class Interpolation {
    private Interpolation() {}

    /** torch's area_pixel_compute_scale with no scale_factor given. */
    static float scale(int in, int out, boolean alignCorners) {
        if (alignCorners) {
            return out > 1 ? (float) (in - 1) / (float) (out - 1) : 0f;
        }
        return (float) in / (float) out;
    }

    /** [out x in] bilinear weights, row-major. */
    public static float[] bilinearMatrix(int in, int out, boolean alignCorners) {
        float[] m = new float[out * in];
        float scale = scale(in, out, alignCorners);
        for (int o = 0; o < out; o++) {
            float src;
            if (alignCorners) {
                src = scale * o;
            } else {
                src = scale * (o + 0.5f) - 0.5f;
                if (src < 0) {
                    src = 0;
                }
            }
            int i0 = (int) src;
            int step = i0 < in - 1 ? 1 : 0;
            float l1 = src - i0;
            float l0 = 1f - l1;
            m[o * in + i0] += l0;
            m[o * in + i0 + step] += l1;
        }
        return m;
    }

    /** torch's cubic convolution kernel pieces with A = -0.75. */
    static float cubic1(float x, float a) {
        return ((a + 2) * x - (a + 3)) * x * x + 1;
    }

    static float cubic2(float x, float a) {
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }

    /** [out x in] bicubic weights (A = -0.75), taps clamped to the edge as torch does. */
    public static float[] bicubicMatrix(int in, int out, boolean alignCorners) {
        float[] m = new float[out * in];
        float scale = scale(in, out, alignCorners);
        float a = -0.75f;
        for (int o = 0; o < out; o++) {
            // Bicubic does not clamp negative source coordinates (FACTS: its taps are clamped instead).
            float src = alignCorners ? scale * o : scale * (o + 0.5f) - 0.5f;
            int i = (int) Math.floor(src);
            float t = src - i;
            float[] w = {cubic2(t + 1, a), cubic1(t, a), cubic1(1 - t, a), cubic2(2 - t, a)};
            for (int k = 0; k < 4; k++) {
                int idx = Math.min(Math.max(i - 1 + k, 0), in - 1);
                m[o * in + idx] += w[k];
            }
        }
        return m;
    }
}
