package io.dpt4j.core.processing;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * Depth visualisation: the 8-bit depth image of transformers' depth-estimation pipeline and a
 * perceptual colour map.
 *
 * <p>{@link #toUint8(float[])} follows the pipeline: {@code (d - min) / (max - min) * 255} in float32,
 * clamped to 0..255 before the truncating cast (a constant map gives 0 everywhere instead of NaN).
 * {@link #inferno} maps that to matplotlib's "inferno" (dark = far for relative depth, where larger
 * values are nearer), linearly interpolated between 33 evenly spaced control points sampled from the
 * matplotlib definition (within 4/255 of its 256-entry table).
 */
public final class DepthColormap {
    /** Inferno at t = i / 32, i = 0..32 (sRGB, 0..1). */
    private static final double[][] INFERNO = {
        {0.0015, 0.0005, 0.0139}, {0.0140, 0.0112, 0.0719}, {0.0423, 0.0281, 0.1411},
        {0.0820, 0.0433, 0.2153}, {0.1293, 0.0473, 0.2908}, {0.1834, 0.0403, 0.3550},
        {0.2383, 0.0366, 0.3964}, {0.2908, 0.0456, 0.4186}, {0.3415, 0.0623, 0.4294},
        {0.3915, 0.0809, 0.4331}, {0.4412, 0.0993, 0.4316}, {0.4910, 0.1172, 0.4256},
        {0.5409, 0.1347, 0.4151}, {0.5907, 0.1526, 0.4003}, {0.6401, 0.1714, 0.3811},
        {0.6887, 0.1922, 0.3576}, {0.7357, 0.2159, 0.3302}, {0.7805, 0.2433, 0.2995},
        {0.8224, 0.2752, 0.2661}, {0.8605, 0.3119, 0.2306}, {0.8943, 0.3534, 0.1936},
        {0.9232, 0.3994, 0.1552}, {0.9470, 0.4492, 0.1153}, {0.9654, 0.5022, 0.0739},
        {0.9784, 0.5579, 0.0349}, {0.9860, 0.6158, 0.0256}, {0.9879, 0.6753, 0.0653},
        {0.9841, 0.7361, 0.1295}, {0.9746, 0.7977, 0.2063}, {0.9606, 0.8591, 0.2980},
        {0.9476, 0.9174, 0.4107}, {0.9545, 0.9659, 0.5404}, {0.9884, 0.9984, 0.6449},
    };
    private static final byte[][] INFERNO_LUT = buildLut();

    private DepthColormap() {}

    private static byte[][] buildLut() {
        byte[][] lut = new byte[256][3];
        int last = INFERNO.length - 1;
        for (int v = 0; v < 256; v++) {
            double pos = v / 255.0 * last;
            int i = Math.min((int) pos, last - 1);
            double f = pos - i;
            for (int c = 0; c < 3; c++) {
                double x = INFERNO[i][c] * (1 - f) + INFERNO[i + 1][c] * f;
                lut[v][c] = (byte) Math.round(Math.min(Math.max(x, 0), 1) * 255);
            }
        }
        return lut;
    }

    /** The inferno colour for an 8-bit level, as {R, G, B} 0..255. */
    public static int[] infernoRgb(int level) {
        if (level < 0 || level > 255) {
            throw new IllegalArgumentException("level must be 0..255, got " + level);
        }
        byte[] c = INFERNO_LUT[level];
        return new int[] {c[0] & 0xFF, c[1] & 0xFF, c[2] & 0xFF};
    }

    /**
     * Min-max normalises a depth map to 0..255 like the depth-estimation pipeline (float32 arithmetic,
     * clamped before the cast; NaN becomes 0).
     */
    public static byte[] toUint8(float[] depth) {
        if (depth.length == 0) {
            return new byte[0];
        }
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float d : depth) {
            if (d < min) {
                min = d;
            }
            if (d > max) {
                max = d;
            }
        }
        float range = max - min;
        byte[] out = new byte[depth.length];
        if (!(range > 0) || Float.isInfinite(range)) {
            return out;
        }
        for (int i = 0; i < depth.length; i++) {
            float v = (depth[i] - min) / range * 255f;
            if (!(v > 0)) {
                v = 0;
            } else if (v > 255f) {
                v = 255f;
            }
            out[i] = (byte) (int) v;
        }
        return out;
    }

    /** The 8-bit depth image ({@link #toUint8}) as a {@code TYPE_BYTE_GRAY} image. */
    public static BufferedImage grayscale(float[] depth, int width, int height) {
        check(depth, width, height);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        System.arraycopy(toUint8(depth), 0, dst, 0, depth.length);
        return img;
    }

    /** The depth map coloured with inferno after min-max normalisation, as a {@code TYPE_3BYTE_BGR} image. */
    public static BufferedImage inferno(float[] depth, int width, int height) {
        check(depth, width, height);
        byte[] levels = toUint8(depth);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < levels.length; i++) {
            byte[] c = INFERNO_LUT[levels[i] & 0xFF];
            dst[3 * i] = c[2];
            dst[3 * i + 1] = c[1];
            dst[3 * i + 2] = c[0];
        }
        return img;
    }

    private static void check(float[] depth, int width, int height) {
        if (width <= 0 || height <= 0 || (long) width * height != depth.length) {
            throw new IllegalArgumentException("depth has " + depth.length + " values, not " + width + "x" + height);
        }
    }
}
