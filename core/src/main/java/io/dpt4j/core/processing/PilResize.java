package io.dpt4j.core.processing;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Bit-exact re-implementation of Pillow 9.4's {@code Image.resize(size, resample)} on 8-bit images
 * (modes L and RGB), i.e. {@code ImagingResample} with no box and no {@code reducing_gap}.
 *
 * <p>Convolution filters: per axis, coefficients are computed in double, normalised, and stored as
 * 22-bit fixed point; the horizontal pass runs first (only if the width changes) and its result is
 * rounded and clamped to uint8 before the vertical pass (only if the height changes). Downscaling
 * widens the kernel support by the scale factor (antialiasing). NEAREST uses Pillow's affine
 * scale path, where the source coordinate is accumulated by repeated double addition.
 *
 * <p>Images are interleaved, row-major byte arrays ({@code data[(y * width + x) * channels + c]}).
 * Everything runs on primitive arrays; large horizontal passes are split across threads by rows,
 * which does not change any value.
 */
public final class PilResize {
    /** Pillow's {@code PRECISION_BITS}: 32 - 8 (uint8 samples) - 2 (headroom). */
    static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);
    /** Below this many output samples a pass runs on the calling thread only. */
    private static final long PARALLEL_THRESHOLD = 1L << 18;

    private PilResize() {}

    /**
     * Resizes an interleaved uint8 image like Pillow's {@code Image.resize((outWidth, outHeight), filter)}.
     *
     * @param src interleaved samples, {@code width * height * channels} bytes
     * @param channels samples per pixel (1 for L, 3 for RGB; any count works, each is independent)
     * @return a new array of {@code outWidth * outHeight * channels} bytes (a copy when the size is unchanged)
     * @throws IllegalArgumentException when a size is not positive or the array length does not match
     */
    public static byte[] resize(byte[] src, int width, int height, int channels, int outWidth, int outHeight,
            PilResampling filter) {
        if (width <= 0 || height <= 0 || outWidth <= 0 || outHeight <= 0 || channels <= 0) {
            throw new IllegalArgumentException("height and width must be > 0: resize " + width + "x" + height
                    + " to " + outWidth + "x" + outHeight + " (width x height)");
        }
        if ((long) width * height * channels != src.length) {
            throw new IllegalArgumentException("image buffer has " + src.length + " bytes, expected "
                    + width + "*" + height + "*" + channels);
        }
        if (width == outWidth && height == outHeight) {
            return src.clone();
        }
        if (filter == PilResampling.NEAREST) {
            return nearest(src, width, height, channels, outWidth, outHeight);
        }
        Coefficients horiz = coefficients(width, outWidth, filter);
        Coefficients vert = coefficients(height, outHeight, filter);
        byte[] cur = src;
        int curHeight = height;
        int rowOffset = 0;
        if (width != outWidth) {
            // Like Pillow, only the rows that the vertical pass reads are resampled horizontally.
            int first = vert.bounds[0];
            int last = vert.bounds[(outHeight - 1) * 2] + vert.bounds[(outHeight - 1) * 2 + 1];
            if (height == outHeight) {
                first = 0;
                last = height;
            }
            cur = horizontal(src, width, channels, first, last - first, horiz);
            curHeight = last - first;
            rowOffset = first;
        }
        if (height != outHeight) {
            cur = vertical(cur, outWidth, curHeight, channels, rowOffset, vert);
        }
        return cur;
    }

    /** Per-output-index tap windows and 22-bit fixed-point weights for one axis. */
    static final class Coefficients {
        final int ksize;
        /** {@code bounds[2i]} first input index, {@code bounds[2i+1]} tap count. */
        final int[] bounds;
        final int[] weights;

        Coefficients(int ksize, int[] bounds, int[] weights) {
            this.ksize = ksize;
            this.bounds = bounds;
            this.weights = weights;
        }
    }

    /** Pillow's {@code precompute_coeffs} followed by {@code normalize_coeffs_8bpc}. */
    static Coefficients coefficients(int inSize, int outSize, PilResampling filter) {
        double scale = (double) inSize / outSize;
        double filterscale = scale < 1.0 ? 1.0 : scale;
        double support = filter.support() * filterscale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[outSize * 2];
        int[] weights = new int[outSize * ksize];
        double[] k = new double[ksize];
        double ss = 1.0 / filterscale;
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = filter.weight(((x + xmin) - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                if (ww != 0.0) {
                    k[x] /= ww;
                }
            }
            int base = xx * ksize;
            for (int x = 0; x < xmax; x++) {
                double v = k[x];
                weights[base + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                        : (int) (0.5 + v * (1 << PRECISION_BITS));
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = Math.max(xmax, 0);
        }
        return new Coefficients(ksize, bounds, weights);
    }

    /** Pillow's {@code clip8}: fixed point to uint8 with an arithmetic shift and clamping. */
    static int clip8(int acc) {
        if (acc >= (1 << PRECISION_BITS << 8)) {
            return 255;
        }
        if (acc <= 0) {
            return 0;
        }
        return acc >> PRECISION_BITS;
    }

    private static byte[] horizontal(byte[] src, int width, int channels, int firstRow, int rows, Coefficients c) {
        int outWidth = c.bounds.length / 2;
        byte[] out = new byte[ArraySizes.of("a resized image", outWidth, rows, channels)];
        IntStream range = IntStream.range(0, rows);
        if ((long) outWidth * rows * c.ksize > PARALLEL_THRESHOLD) {
            range = range.parallel();
        }
        range.forEach(y -> horizontalRow(src, width, channels, firstRow + y, out, y, outWidth, c));
        return out;
    }

    private static void horizontalRow(byte[] src, int width, int channels, int srcRow, byte[] out, int outRow,
            int outWidth, Coefficients c) {
        int[] bounds = c.bounds;
        int[] w = c.weights;
        int ksize = c.ksize;
        int rowBase = srcRow * width * channels;
        int outBase = outRow * outWidth * channels;
        if (channels == 3) {
            for (int xx = 0; xx < outWidth; xx++) {
                int xmin = bounds[2 * xx];
                int n = bounds[2 * xx + 1];
                int kb = xx * ksize;
                int s0 = HALF;
                int s1 = HALF;
                int s2 = HALF;
                int p = rowBase + xmin * 3;
                for (int x = 0; x < n; x++, p += 3) {
                    int k = w[kb + x];
                    s0 += (src[p] & 0xFF) * k;
                    s1 += (src[p + 1] & 0xFF) * k;
                    s2 += (src[p + 2] & 0xFF) * k;
                }
                int o = outBase + xx * 3;
                out[o] = (byte) clip8(s0);
                out[o + 1] = (byte) clip8(s1);
                out[o + 2] = (byte) clip8(s2);
            }
            return;
        }
        for (int xx = 0; xx < outWidth; xx++) {
            int xmin = bounds[2 * xx];
            int n = bounds[2 * xx + 1];
            int kb = xx * ksize;
            for (int ch = 0; ch < channels; ch++) {
                int s = HALF;
                int p = rowBase + xmin * channels + ch;
                for (int x = 0; x < n; x++, p += channels) {
                    s += (src[p] & 0xFF) * w[kb + x];
                }
                out[outBase + xx * channels + ch] = (byte) clip8(s);
            }
        }
    }

    private static byte[] vertical(byte[] src, int width, int height, int channels, int rowOffset, Coefficients c) {
        int outHeight = c.bounds.length / 2;
        int rowLen = width * channels;
        byte[] out = new byte[ArraySizes.of("a resized image", rowLen, outHeight)];
        IntStream range = IntStream.range(0, outHeight);
        if ((long) rowLen * outHeight * c.ksize > PARALLEL_THRESHOLD) {
            range = range.parallel();
        }
        range.forEach(yy -> {
            int ymin = c.bounds[2 * yy] - rowOffset;
            int n = c.bounds[2 * yy + 1];
            int kb = yy * c.ksize;
            int[] acc = new int[rowLen];
            Arrays.fill(acc, HALF);
            // Row-wise accumulation keeps memory access sequential; integer sums are order independent.
            for (int y = 0; y < n; y++) {
                int k = c.weights[kb + y];
                int base = (ymin + y) * rowLen;
                for (int i = 0; i < rowLen; i++) {
                    acc[i] += (src[base + i] & 0xFF) * k;
                }
            }
            int o = yy * rowLen;
            for (int i = 0; i < rowLen; i++) {
                out[o + i] = (byte) clip8(acc[i]);
            }
        });
        return out;
    }

    /** Pillow's {@code ImagingScaleAffine}: nearest neighbour with accumulated double coordinates. */
    private static byte[] nearest(byte[] src, int width, int height, int channels, int outWidth, int outHeight) {
        int[] xs = nearestIndices(width, outWidth);
        int[] ys = nearestIndices(height, outHeight);
        byte[] out = new byte[ArraySizes.of("a resized image", outWidth, outHeight, channels)];
        int o = 0;
        for (int y = 0; y < outHeight; y++) {
            int rowBase = ys[y] * width * channels;
            for (int x = 0; x < outWidth; x++) {
                System.arraycopy(src, rowBase + xs[x] * channels, out, o, channels);
                o += channels;
            }
        }
        return out;
    }

    /** Source index per output index on one axis, as Pillow accumulates it ({@code v += step}). */
    static int[] nearestIndices(int inSize, int outSize) {
        double step = (double) inSize / outSize;
        double v = 0.0 + step * 0.5;
        int[] idx = new int[outSize];
        for (int i = 0; i < outSize; i++) {
            int s = v < 0.0 ? -1 : (int) v;
            // Pillow leaves out-of-range positions unfilled; with a full box they cannot occur,
            // but clamp defensively so a rounding accident can never read outside the image.
            idx[i] = Math.min(Math.max(s, 0), inSize - 1);
            v += step;
        }
        return idx;
    }
}
