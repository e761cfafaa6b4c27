package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.outputs.DepthEstimatorOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The new families beyond the reference inputs: a batch gives each image the result it gets alone
 * (window masks, shared biases and reshapes must not mix images), and inputs that are not whole
 * patches / windows / even grids give the shapes transformers' arithmetic gives.
 */
class FamilyShapesTest {

    private static NDArray referenceInput(NDManager m, ReferenceCase c) throws Exception {
        try (TensorReader inputs = Checkpoints.open(c.dir().resolve("inputs.safetensors"))) {
            return m.create(inputs.floats("pixel_values"), new Shape(inputs.info("pixel_values").shape()));
        }
    }

    private static NDArray depth(PreTrainedModel<?, ?> model, NDArray x) {
        return ((DepthEstimatorOutput) model.forward(x, ForwardOptions.defaults())).predictedDepth;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dinov2-depth", "depth-anything", "beit-depth-resized", "swinv2-depth"})
    void batchOfTwoMatchesEachImageAlone(String name) throws Exception {
        ReferenceCase c = ReferenceCase.named(name);
        try (NDManager m = DptEngine.newManager(); PreTrainedModel<?, ?> model = AutoModel.fromPretrained(c.dir())) {
            NDArray a = referenceInput(m, c);
            NDArray b = a.flip(3).mul(-0.5f).add(0.1f);
            NDArray both = depth(model, NDArrays.concat(new NDList(a, b), 0));
            NDArray alone0 = depth(model, a);
            NDArray alone1 = depth(model, b);
            assertEquals(2, both.getShape().get(0));
            assertClose(alone0.toFloatArray(), both.get(0).toFloatArray(), name + " image 0");
            assertClose(alone1.toFloatArray(), both.get(1).toFloatArray(), name + " image 1");
        }
    }

    @Test
    void swinv2InputNotWholePatchesOrWindows() throws Exception {
        // 90x70, patch 4 -> padded to 92x72 -> 23x18 tokens; stages 23x18, 12x9, 6x5, 3x3 (odd sizes padded
        // before merging); fusion resizes each residual to the upsampled map: 3x3 -> 6x6 -> 12x12 -> 24x24 -> 48x48;
        // the head doubles it.
        ReferenceCase c = ReferenceCase.named("swinv2-depth");
        try (NDManager m = DptEngine.newManager(); PreTrainedModel<?, ?> model = AutoModel.fromPretrained(c.dir())) {
            NDArray x = m.randomUniform(-1f, 1f, new Shape(1, 3, 90, 70));
            DepthEstimatorOutput out = (DepthEstimatorOutput) model.forward(x, ForwardOptions.everything());
            assertArrayEquals(new long[] {1, 96, 96}, out.predictedDepth.getShape().getShape());
            assertArrayEquals(new long[] {1, 23 * 18, 8}, out.hiddenStates.get(1).getShape().getShape());
            assertArrayEquals(new long[] {1, 64, 3, 3}, out.intermediates().get("debug.backbone.feature_maps.3").getShape().getShape(),
                    "stage 4 is 3x3 tokens");
        }
    }

    @Test
    void beitInputNotWholePatches() throws Exception {
        // 70x100, patch 16 -> 4x6 grid (the conv floors); bias tables resized to 7x11; reassemble 16x24, 8x12, 4x6, 2x3;
        // fusion 4x6 -> 8x12 -> 16x24 -> 32x48; head x2
        ReferenceCase c = ReferenceCase.named("beit-depth-resized");
        try (NDManager m = DptEngine.newManager(); PreTrainedModel<?, ?> model = AutoModel.fromPretrained(c.dir())) {
            NDArray x = m.randomUniform(-1f, 1f, new Shape(1, 3, 70, 100));
            assertArrayEquals(new long[] {1, 64, 96}, depth(model, x).getShape().getShape());
        }
    }

    @Test
    void depthAnythingSmallNonSquareInput() throws Exception {
        // 30x45, patch 14 -> 2x3 grid; the head resizes to (2*14, 3*14)
        ReferenceCase c = ReferenceCase.named("depth-anything-metric");
        try (NDManager m = DptEngine.newManager(); PreTrainedModel<?, ?> model = AutoModel.fromPretrained(c.dir())) {
            NDArray x = m.randomUniform(-1f, 1f, new Shape(2, 3, 30, 45));
            NDArray d = depth(model, x);
            assertArrayEquals(new long[] {2, 28, 42}, d.getShape().getShape());
            float[] v = d.toFloatArray();
            for (float f : v) {
                // metric head: sigmoid * max_depth (20)
                if (!(f >= 0f && f <= 20f)) {
                    throw new AssertionError("metric depth outside [0, max_depth]: " + f);
                }
            }
        }
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        double scale = 0;
        for (float w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        for (int i = 0; i < want.length; i++) {
            if (Math.abs(want[i] - got[i]) > 1e-5 * Math.max(1, scale)) {
                throw new AssertionError(what + ": element " + i + " alone " + want[i] + ", in batch " + got[i]);
            }
        }
    }
}
