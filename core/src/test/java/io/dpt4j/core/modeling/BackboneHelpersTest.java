package io.dpt4j.core.modeling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import io.dpt4j.core.DptEngine;
import io.dpt4j.core.nn.Dim;
import io.dpt4j.core.nn.EagerOps;
import io.dpt4j.core.nn.Tensor;
import org.junit.jupiter.api.Test;

/** The index tables and window bookkeeping of the BEiT and Swinv2 blocks, against hand-worked values. */
class BackboneHelpersTest {

    @Test
    void beitRelativePositionIndexFor2x2Grid() {
        // 3x3 offsets + 3 CLS rows = 12 entries: 9 cls->token, 10 token->cls, 11 cls->cls
        long[] want = {
            11, 9, 9, 9, 9,
            10, 4, 3, 1, 0,
            10, 5, 4, 2, 1,
            10, 7, 6, 4, 3,
            10, 8, 7, 5, 4,
        };
        assertArrayEquals(want, beitIndex(2, 2));
    }

    @Test
    void beitRelativePositionIndexForNonSquareGrid() {
        // 1x2 grid: offsets (2*1-1) x (2*2-1) = 1x3, so 6 entries; dy is always 0
        long[] want = {
            5, 3, 3,
            4, 1, 0,
            4, 2, 1,
        };
        assertArrayEquals(want, beitIndex(1, 2));
    }

    /** The index as the eager engine computes it (the graph computes it with the same ops). */
    private static long[] beitIndex(int wh, int ww) {
        try (NDManager m = DptEngine.newManager()) {
            Tensor t = BeitModeling.BeitRelativePositionBias.relativePositionIndex(new EagerOps(m), Dim.of(wh), Dim.of(ww));
            long n = (long) wh * ww + 1;
            assertArrayEquals(new long[] {n, n}, t.shape());
            return t.nd().toLongArray();
        }
    }

    @Test
    void swinv2RelativePositionIndexFor2x2Window() {
        long[] want = {
            4, 3, 1, 0,
            5, 4, 2, 1,
            7, 6, 4, 3,
            8, 7, 5, 4,
        };
        assertArrayEquals(want, Swinv2Modeling.Swinv2SelfAttention.relativePositionIndex(2));
    }

    @Test
    void swinv2RelativeCoordsAreOffsetsFromTheCentre() {
        float[] t = Swinv2Modeling.Swinv2SelfAttention.relativeCoords(2);
        assertArrayEquals(new float[] {-1, -1, -1, 0, -1, 1, 0, -1, 0, 0, 0, 1, 1, -1, 1, 0, 1, 1}, t);
    }

    @Test
    void swinv2ShiftMaskSeparatesRegionsBroughtTogetherByTheShift() {
        // 4x4 map, window 2, shift 1: regions rows {0,1},{2},{3} x cols {0,1},{2},{3}
        float[] m;
        try (NDManager mgr = DptEngine.newManager()) {
            m = Swinv2Modeling.Swinv2Layer.shiftMask(new EagerOps(mgr), Dim.of(4), Dim.of(4), 2, 1).nd().toFloatArray();
        }
        float x = -100f;
        float[] want = {
            // window (0,0): one region
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            // window (0,1): columns 2 and 3 are different regions; tokens 0,2 share col 2, 1,3 share col 3
            0, x, 0, x, x, 0, x, 0, 0, x, 0, x, x, 0, x, 0,
            // window (1,0): rows 2 and 3 differ; tokens 0,1 are row 2, tokens 2,3 row 3
            0, 0, x, x, 0, 0, x, x, x, x, 0, 0, x, x, 0, 0,
            // window (1,1): four regions
            0, x, x, x, x, 0, x, x, x, x, 0, x, x, x, x, 0,
        };
        for (int i = 0; i < want.length; i++) {
            // + 0f: the mask holds -0.0 where transformers has 0 (the same when added to a score)
            assertEquals(want[i], m[i] + 0f, "element " + i);
        }
    }

    @Test
    void rollAndWindowPartitionMatchTorchLayouts() {
        try (NDManager mgr = DptEngine.newManager()) {
            Tensor x = new EagerOps(mgr).wrap(mgr.arange(16f).reshape(1, 4, 4, 1));
            // torch.roll(x, shifts=(-1, -1), dims=(1, 2)): out[i][j] = x[(i+1)%4][(j+1)%4]
            float[] rolled = Swinv2Modeling.roll(x, -1).nd().toFloatArray();
            assertArrayEquals(new float[] {5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0}, rolled);
            assertArrayEquals(x.nd().toFloatArray(), Swinv2Modeling.roll(Swinv2Modeling.roll(x, -1), 1).nd().toFloatArray());
            Tensor w = Swinv2Modeling.windowPartition(x, 2);
            assertArrayEquals(new long[] {4, 4, 1}, w.shape());
            // window 1 is rows 0-1, cols 2-3
            assertArrayEquals(new float[] {2, 3, 6, 7}, w.nd().get(1).toFloatArray());
            Tensor back = Swinv2Modeling.windowReverse(w, 2, Dim.of(1), Dim.of(4), Dim.of(4));
            assertArrayEquals(x.nd().toFloatArray(), back.nd().toFloatArray());
            assertArrayEquals(new long[] {1, 4, 4, 1}, back.shape());
        }
    }
}
