package io.dpt4j.core.processing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class VisualisationTest {
    @Test
    void depthToUint8IsMinMaxTruncated() {
        byte[] r = DepthColormap.toUint8(new float[] {2f, 3f, 4f, 2.01f});
        assertArrayEquals(new byte[] {0, 127, (byte) 255, 1}, r);
        assertArrayEquals(new byte[3], DepthColormap.toUint8(new float[] {7f, 7f, 7f}));
    }

    @Test
    void infernoEndpointsAndMidpoint() {
        // matplotlib inferno: 0 -> (0, 0, 4), 0.5 -> about (188, 55, 84), 1 -> (252, 255, 164)
        assertArrayEquals(new int[] {0, 0, 4}, DepthColormap.infernoRgb(0));
        assertArrayEquals(new int[] {252, 255, 164}, DepthColormap.infernoRgb(255));
        int[] mid = DepthColormap.infernoRgb(128);
        assertEquals(188, mid[0], 3);
        assertEquals(55, mid[1], 3);
        assertEquals(84, mid[2], 3);
        BufferedImage img = DepthColormap.inferno(new float[] {0f, 1f}, 2, 1);
        assertEquals(0xFCFFA4, img.getRGB(1, 0) & 0xFFFFFF);
        assertThrows(IllegalArgumentException.class, () -> DepthColormap.grayscale(new float[3], 2, 2));
    }

    @Test
    void palette() {
        assertArrayEquals(new int[] {0, 0, 0}, SegmentationPalette.color(0));
        assertArrayEquals(new int[] {128, 0, 0}, SegmentationPalette.color(1));
        assertArrayEquals(new int[] {0, 128, 0}, SegmentationPalette.color(2));
        assertArrayEquals(new int[] {128, 128, 0}, SegmentationPalette.color(3));
        assertArrayEquals(new int[] {64, 0, 0}, SegmentationPalette.color(8));
        assertArrayEquals(new int[] {0, 0, 0}, SegmentationPalette.color(255));
        Uint8Image img = Uint8Image.rgb(2, 1, new byte[] {100, 100, 100, 10, 20, 30});
        BufferedImage o = SegmentationPalette.overlay(img, new long[] {1, 255}, 2, 1, 0.5);
        assertEquals((114 << 16) | (50 << 8) | 50, o.getRGB(0, 0) & 0xFFFFFF);
        assertEquals((10 << 16) | (20 << 8) | 30, o.getRGB(1, 0) & 0xFFFFFF);
        assertThrows(IllegalArgumentException.class, () -> SegmentationPalette.overlay(img, new long[] {1}, 1, 1, 0.5));
    }
}
