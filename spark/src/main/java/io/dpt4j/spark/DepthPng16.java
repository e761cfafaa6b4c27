package io.dpt4j.spark;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferUShort;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * A depth map as a 16-bit grayscale PNG: min-max normalised to 0..65535 the way the depth-estimation
 * pipeline makes its 8-bit image (float32 arithmetic, clamped, truncating cast; a constant map gives 0).
 */
record DepthPng16(byte[] bytes, float min, float max) {
    static DepthPng16 encode(float[] depth, int width, int height) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : depth) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_USHORT_GRAY);
        short[] px = ((DataBufferUShort) img.getRaster().getDataBuffer()).getData();
        float range = max - min;
        if (range > 0) {
            for (int i = 0; i < depth.length; i++) {
                float s = (depth[i] - min) / range * 65535f;
                px[i] = (short) (int) Math.min(Math.max(s, 0f), 65535f);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer in this JVM");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new DepthPng16(out.toByteArray(), min, max);
    }
}
