package io.dpt4j.core.processing;

import io.dpt4j.core.CoreConstants;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * Colours for segmentation maps: a deterministic 256-entry palette in the PASCAL VOC / ADE20K demo style
 * (the bits of the class index spread over the high bits of R, G and B, so neighbouring classes get
 * clearly different colours), plus colourising and overlay helpers.
 *
 * <p>Label 255 (the ignore index of {@code do_reduce_labels}) is drawn black by {@link #colorize} and left
 * uncovered by {@link #overlay}.
 */
public final class SegmentationPalette {
    private static final int[][] PALETTE = build();

    private SegmentationPalette() {}

    private static int[][] build() {
        int[][] p = new int[256][3];
        for (int i = 0; i < 256; i++) {
            int r = 0;
            int g = 0;
            int b = 0;
            int c = i;
            for (int j = 0; j < 8; j++) {
                r |= ((c >> 0) & 1) << (7 - j);
                g |= ((c >> 1) & 1) << (7 - j);
                b |= ((c >> 2) & 1) << (7 - j);
                c >>= 3;
            }
            p[i] = new int[] {r, g, b};
        }
        p[CoreConstants.IGNORE_LABEL] = new int[] {0, 0, 0};
        return p;
    }

    /** The colour of a class as {R, G, B}; classes beyond 255 wrap around. */
    public static int[] color(long label) {
        int[] c = PALETTE[(int) Math.floorMod(label, 256L)];
        return c.clone();
    }

    /** A label map (row-major, e.g. from post-processing) drawn in palette colours. */
    public static BufferedImage colorize(long[] labels, int width, int height) {
        check(labels.length, width, height);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < labels.length; i++) {
            int[] c = PALETTE[(int) Math.floorMod(labels[i], 256L)];
            dst[3 * i] = (byte) c[2];
            dst[3 * i + 1] = (byte) c[1];
            dst[3 * i + 2] = (byte) c[0];
        }
        return img;
    }

    /**
     * Blends the palette colours over an RGB image: {@code out = (1 - alpha) * image + alpha * colour},
     * rounded; pixels labelled 255 keep the image colour. The label map must have the image's size
     * (post-process with the image's {height, width} as target size).
     *
     * @param alpha opacity of the colours, 0..1
     */
    public static BufferedImage overlay(Uint8Image image, long[] labels, int width, int height, double alpha) {
        check(labels.length, width, height);
        if (image.width() != width || image.height() != height || image.channels() != 3) {
            throw new IllegalArgumentException("the label map is " + width + "x" + height + " but the image is "
                    + image + "; post-process with target size (" + image.height() + ", " + image.width() + ")");
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be within 0..1, got " + alpha);
        }
        byte[] src = image.data();
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < labels.length; i++) {
            boolean ignore = labels[i] == CoreConstants.IGNORE_LABEL;
            int[] c = PALETTE[(int) Math.floorMod(labels[i], 256L)];
            for (int k = 0; k < 3; k++) {
                int v = src[3 * i + k] & 0xFF;
                int o = ignore ? v : (int) Math.round((1 - alpha) * v + alpha * c[k]);
                dst[3 * i + 2 - k] = (byte) o;
            }
        }
        return img;
    }

    private static void check(int n, int width, int height) {
        if (width <= 0 || height <= 0 || (long) width * height != n) {
            throw new IllegalArgumentException("label map has " + n + " values, not " + width + "x" + height);
        }
    }
}
