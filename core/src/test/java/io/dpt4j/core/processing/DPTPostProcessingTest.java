package io.dpt4j.core.processing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-checked interpolation values and argmax ties; the shared cases cover torch parity. */
class DPTPostProcessingTest {
    @Test
    void bilinearAlignCornersFalse() {
        // 1x2 -> 1x4: src = 0.5 * (dst + 0.5) - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (right edge)
        float[] r = DPTPostProcessing.bilinear(new float[] {0f, 4f}, 1, 1, 2, 1, 4);
        assertArrayEquals(new float[] {0f, 1f, 3f, 4f}, r);
    }

    @Test
    void bicubicAMinusThreeQuarters() {
        // torch's bicubic weights at t = 0.5 with A = -0.75: {-0.09375, 0.59375, 0.59375, -0.09375}
        assertArrayEquals(new float[] {-0.09375f, 0.59375f, 0.59375f, -0.09375f},
                DPTPostProcessing.cubicCoefficients(0.5f));
        assertArrayEquals(new float[] {0f, 1f, 0f, 0f}, DPTPostProcessing.cubicCoefficients(0f));
        // constant input stays constant (weights sum to 1, taps clamped at the border)
        float[] c = new float[6];
        Arrays.fill(c, 2.5f);
        for (float v : DPTPostProcessing.bicubic(c, 1, 2, 3, 5, 7)) {
            assertEquals(2.5f, v, 1e-5f);
        }
    }

    @Test
    void argmaxTiesGoToTheLowestClass() {
        // 3 classes, 2 pixels: pixel 0 tie between class 1 and 2 -> 1; pixel 1 -> class 0
        float[] logits = {0f, 5f, 1f, 2f, 1f, 2f};
        List<LongTensor> r = DPTPostProcessing.postProcessSemanticSegmentation(logits, new long[] {1, 3, 1, 2}, null);
        assertArrayEquals(new long[] {1, 0}, r.get(0).data());
        assertArrayEquals(new long[] {1, 2}, r.get(0).shape());
    }

    @Test
    void depthWithAndWithoutTargetSize() {
        float[] d = {1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f};
        List<FloatTensor> same = DPTPostProcessing.postProcessDepthEstimation(d, new long[] {2, 2, 2}, null);
        assertArrayEquals(new float[] {5f, 6f, 7f, 8f}, same.get(1).data());
        List<FloatTensor> r = DPTPostProcessing.postProcessDepthEstimation(d, new long[] {2, 1, 2, 2},
                List.of(new int[] {3, 5}, new int[] {1, 4}));
        assertArrayEquals(new long[] {3, 5}, r.get(0).shape());
        assertArrayEquals(new long[] {4}, r.get(1).shape()); // squeeze drops the size-1 height
        assertThrows(IllegalArgumentException.class, () -> DPTPostProcessing.postProcessDepthEstimation(d,
                new long[] {2, 2, 2}, List.of(new int[] {1, 1})));
        assertThrows(IllegalArgumentException.class, () -> DPTPostProcessing.postProcessDepthEstimation(d,
                new long[] {3, 2, 2}, null));
    }
}
