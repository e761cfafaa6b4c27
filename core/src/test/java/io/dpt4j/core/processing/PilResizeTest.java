package io.dpt4j.core.processing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Hand-computed expectations for Pillow's resampling on tiny single-row/column images. */
class PilResizeTest {
    private static byte[] b(int... v) {
        byte[] r = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = (byte) v[i];
        }
        return r;
    }

    private static int[] u(byte[] v) {
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = v[i] & 0xFF;
        }
        return r;
    }

    @Test
    void boxDownscaleRoundsHalfUp() {
        // pairs averaged: 15.0 -> 15, 35.5 -> 36 (2^21 rounding offset, then floor)
        assertArrayEquals(new int[] {15, 36}, u(PilResize.resize(b(10, 20, 30, 41), 4, 1, 1, 2, 1, PilResampling.BOX)));
    }

    @Test
    void bilinearUpscaleUsesEdgeTapsOnly() {
        // centers 0.25, 0.75, 1.25, 1.75: the outer two see one tap, the inner two weigh 3:1 and 1:3
        assertArrayEquals(new int[] {0, 25, 75, 100}, u(PilResize.resize(b(0, 100), 2, 1, 1, 4, 1,
                PilResampling.BILINEAR)));
    }

    @Test
    void bicubicNegativeLobesAreClamped() {
        // a = -0.5: weights at the edges normalise to {1.088, -0.088} -> -8.8 and 108.8, clamped to 0, 109;
        // inner samples 20.71 -> 21 and 79.29 -> 79
        assertArrayEquals(new int[] {0, 21, 79, 109}, u(PilResize.resize(b(0, 100), 2, 1, 1, 4, 1,
                PilResampling.BICUBIC)));
    }

    @Test
    void bilinearDownscaleWidensSupport() {
        // 8 -> 4: support 2, taps {0.75, 0.75, 0.25} over 0,255,0 -> 191.25 / 1.75 = 109.3 -> 109 (antialiasing)
        byte[] r = PilResize.resize(b(0, 255, 0, 255, 0, 255, 0, 255), 8, 1, 1, 4, 1, PilResampling.BILINEAR);
        assertEquals(109, r[0] & 0xFF);
    }

    @Test
    void verticalPassMatchesHorizontal() {
        assertArrayEquals(new int[] {0, 25, 75, 100}, u(PilResize.resize(b(0, 100), 1, 2, 1, 1, 4,
                PilResampling.BILINEAR)));
    }

    @Test
    void nearestAccumulatesCoordinates() {
        // step 0.6: positions 0.3, 0.9, 1.5, 2.1, 2.7
        assertArrayEquals(new int[] {7, 7, 8, 9, 9}, u(PilResize.resize(b(7, 8, 9), 3, 1, 1, 5, 1,
                PilResampling.NEAREST)));
        assertArrayEquals(new int[] {0, 0, 1, 2, 2}, PilResize.nearestIndices(3, 5));
    }

    @Test
    void rgbChannelsAreIndependent() {
        byte[] rgb = b(0, 10, 200, 100, 20, 100);
        assertArrayEquals(new int[] {0, 10, 200, 25, 13, 175, 75, 18, 125, 100, 20, 100},
                u(PilResize.resize(rgb, 2, 1, 3, 4, 1, PilResampling.BILINEAR)));
    }

    @ParameterizedTest
    @EnumSource(PilResampling.class)
    void constantImageStaysConstant(PilResampling f) {
        byte[] img = new byte[37 * 23 * 3];
        java.util.Arrays.fill(img, (byte) 200);
        for (int[] s : new int[][] {{5, 3}, {100, 61}, {37, 7}, {1, 1}, {384, 384}}) {
            byte[] r = PilResize.resize(img, 37, 23, 3, s[0], s[1], f);
            assertEquals(s[0] * s[1] * 3, r.length);
            for (byte v : r) {
                assertEquals(200, v & 0xFF, f + " " + s[0] + "x" + s[1]);
            }
        }
    }

    @Test
    void sameSizeIsACopy() {
        byte[] src = b(1, 2, 3, 4);
        byte[] r = PilResize.resize(src, 2, 2, 1, 2, 2, PilResampling.LANCZOS);
        assertArrayEquals(src, r);
        r[0] = 9;
        assertEquals(1, src[0]);
    }

    @Test
    void filterKernels() {
        assertEquals(1.0, PilResampling.BOX.weight(0.5));
        assertEquals(0.0, PilResampling.BOX.weight(-0.5));
        assertEquals(0.75, PilResampling.BILINEAR.weight(-0.25));
        assertEquals(0.8671875, PilResampling.BICUBIC.weight(0.25));
        assertEquals(-0.0703125, PilResampling.BICUBIC.weight(1.25));
        assertEquals(1.0, PilResampling.LANCZOS.weight(0.0));
        assertEquals(0.0, PilResampling.LANCZOS.weight(3.0));
        assertEquals(1.0, PilResampling.HAMMING.weight(0.0));
        assertEquals(0.0, PilResampling.HAMMING.weight(1.0));
        // sin(pi/2)/(pi/2) * (0.54f + 0.46f * cos(pi/2)) with float32 constants
        assertEquals(2 / Math.PI * (double) 0.54f, PilResampling.HAMMING.weight(0.5), 1e-15);
    }

    @Test
    void idsAndErrors() {
        assertEquals(PilResampling.LANCZOS, PilResampling.fromId(1));
        assertEquals(PilResampling.HAMMING, PilResampling.fromId(5));
        assertThrows(IllegalArgumentException.class, () -> PilResampling.fromId(6));
        assertThrows(IllegalArgumentException.class, () -> PilResize.resize(b(1), 1, 1, 1, 0, 1, PilResampling.BOX));
        assertThrows(IllegalArgumentException.class, () -> PilResize.resize(b(1, 2), 1, 1, 1, 2, 1, PilResampling.BOX));
    }
}
