package io.dpt4j.core.nn;

/**
 * torch's {@code upsample_bilinear2d} / {@code upsample_bicubic2d} (antialias=False) as separable
 * gathers: for each output coordinate along one axis, the source indices and weights of its taps,
 * computed in float32 exactly as torch computes them.
 *
 * <p>Why not DJL's interpolate binding: it enables antialiasing, which changes every downscale and
 * every align_corners=True resize. Applied width first, then height, the taps reproduce torch's
 * arithmetic ({@code h0 * (w0 * x00 + w1 * x01) + h1 * (...)}).
 */
public final class Interpolation {
    private Interpolation() {}

    /** The taps of one axis: {@code index[k][o]} and {@code weight[k][o]} for tap k of output o. */
    public record Taps(long[][] index, float[][] weight) {
        public int count() {
            return index.length;
        }
    }

    /** torch's area_pixel_compute_scale with no scale_factor given. */
    static float scale(int in, int out, boolean alignCorners) {
        if (alignCorners) {
            return out > 1 ? (float) (in - 1) / (float) (out - 1) : 0f;
        }
        return (float) in / (float) out;
    }

    public static Taps bilinear(int in, int out, boolean alignCorners) {
        long[][] idx = new long[2][out];
        float[][] w = new float[2][out];
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
            idx[0][o] = i0;
            idx[1][o] = i0 + step;
            w[0][o] = 1f - l1;
            w[1][o] = l1;
        }
        return new Taps(idx, w);
    }

    /** torch's cubic convolution kernel pieces with A = -0.75. */
    static float cubic1(float x, float a) {
        return ((a + 2) * x - (a + 3)) * x * x + 1;
    }

    static float cubic2(float x, float a) {
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }

    public static Taps bicubic(int in, int out, boolean alignCorners) {
        long[][] idx = new long[4][out];
        float[][] w = new float[4][out];
        float scale = scale(in, out, alignCorners);
        float a = -0.75f;
        for (int o = 0; o < out; o++) {
            // Bicubic does not clamp negative source coordinates; its taps are clamped to the edge.
            float src = alignCorners ? scale * o : scale * (o + 0.5f) - 0.5f;
            int i = (int) Math.floor(src);
            float t = src - i;
            float[] c = {cubic2(t + 1, a), cubic1(t, a), cubic1(1 - t, a), cubic2(2 - t, a)};
            for (int k = 0; k < 4; k++) {
                idx[k][o] = Math.min(Math.max(i - 1 + k, 0), in - 1);
                w[k][o] = c[k];
            }
        }
        return new Taps(idx, w);
    }

    /** Whether the taps are the identity: same size, and every output reads only its own index with weight 1. */
    static boolean isIdentity(Taps t, int in) {
        if (t.index[0].length != in) {
            return false;
        }
        for (int o = 0; o < in; o++) {
            float own = 0;
            for (int k = 0; k < t.count(); k++) {
                if (t.weight[k][o] != 0f) {
                    if (t.index[k][o] != o) {
                        return false;
                    }
                    own += t.weight[k][o];
                }
            }
            if (own != 1f) {
                return false;
            }
        }
        return true;
    }
}
