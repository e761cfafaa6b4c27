package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.SafetensorsWriter;
import io.dpt4j.converters.TensorData;
import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.loading.LoadReport;
import io.dpt4j.core.loading.WeightLoadingException;
import io.dpt4j.core.outputs.BaseModelOutputWithPoolingAndIntermediateActivations;
import io.dpt4j.core.outputs.DepthEstimatorOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightLoadingTest {
    static NDArray input(NDManager m, ReferenceCase c) throws Exception {
        try (TensorReader in = Checkpoints.open(c.dir().resolve("inputs.safetensors"))) {
            return m.create(in.floats("pixel_values"), new Shape(in.info("pixel_values").shape()));
        }
    }

    static float[] reference(ReferenceCase c, String name) throws Exception {
        try (TensorReader out = Checkpoints.open(c.dir().resolve("outputs.safetensors"))) {
            return out.floats(name);
        }
    }

    static void assertClose(float[] want, float[] got, double atol) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= atol + 1e-4 * Math.abs(want[i]),
                    "element " + i + ": " + got[i] + " vs " + want[i]);
        }
    }

    @Test
    void headCheckpointLoadsIntoBaseModelByStrippingThePrefix() throws Exception {
        ReferenceCase c = ReferenceCase.named("vit-depth");
        try (NDManager m = DptEngine.newManager();
                DPTModel model = DPTModel.fromPretrained(c.dir())) {
            LoadReport r = model.loadReport();
            // A head checkpoint has no pooler, so the model is built without one; neck/head keys are unused.
            assertTrue(r.missingKeys().isEmpty(), r.toString());
            assertTrue(r.unexpectedKeys().stream().allMatch(k -> k.startsWith("neck.") || k.startsWith("head.")), r.toString());
            assertFalse(r.unexpectedKeys().isEmpty());
            BaseModelOutputWithPoolingAndIntermediateActivations out = model.forward(input(m, c),
                    ForwardOptions.defaults().outputHiddenStates(true));
            assertClose(reference(c, "hidden_states.4"), out.hiddenStates.get(4).toFloatArray(), c.atol);
            assertEquals(null, out.poolerOutput);
        }
    }

    @Test
    void baseCheckpointLoadsIntoHeadModelByAddingThePrefix() throws Exception {
        ReferenceCase c = ReferenceCase.named("vit-model");
        DPTConfig config = DPTConfig.fromPretrained(c.dir());
        try (NDManager m = DptEngine.newManager(); DPTForDepthEstimation model = new DPTForDepthEstimation(config)) {
            LoadReport r = model.loadWeights(c.dir(), LoadOptions.defaults().allowMissingKeys(true));
            assertTrue(r.missingKeys().stream().allMatch(k -> k.startsWith("neck.") || k.startsWith("head.")), r.toString());
            assertTrue(r.missingKeys().size() > 10);
            // the pooler exists in the checkpoint but not in the head model
            assertEquals(java.util.List.of("pooler.dense.bias", "pooler.dense.weight"), r.unexpectedKeys());
            assertTrue(r.loadedTensors() > 20);
            NDArray x = input(m, c);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> model.forward(x, ForwardOptions.defaults()).close(), "an unloaded neck must not run silently");
            assertTrue(e.getMessage().contains("'neck.") && e.getMessage().contains("was not in the checkpoint"), e.getMessage());
        }
    }

    @Test
    void missingKeyIsAnErrorNamingTheKey(@TempDir Path tmp) throws Exception {
        ReferenceCase c = ReferenceCase.named("vit-depth");
        Path dir = copyWithout(c.dir(), tmp, "neck.convs.2.weight");
        WeightLoadingException e = assertThrows(WeightLoadingException.class, () -> DPTForDepthEstimation.fromPretrained(dir));
        assertTrue(e.getMessage().contains("neck.convs.2.weight") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void shapeMismatchNamesKeyAndBothShapes(@TempDir Path tmp) throws Exception {
        ReferenceCase c = ReferenceCase.named("vit-depth");
        Path dir = copyWithout(c.dir(), tmp, null);
        String cfg = Files.readString(dir.resolve("config.json")).replace("\"fusion_hidden_size\": 16", "\"fusion_hidden_size\": 8");
        Files.writeString(dir.resolve("config.json"), cfg);
        WeightLoadingException e = assertThrows(WeightLoadingException.class, () -> DPTForDepthEstimation.fromPretrained(dir));
        assertTrue(e.getMessage().contains("neck.convs.0.weight") && e.getMessage().contains("[16, 8, 3, 3]")
                && e.getMessage().contains("[8, 8, 3, 3]"), e.getMessage());
    }

    @Test
    void batchNormCountersAreIgnoredNotUnexpected() throws Exception {
        ReferenceCase c = ReferenceCase.named("seg-aux");
        try (TensorReader r = Checkpoints.open(c.dir().resolve("model.safetensors"))) {
            assertTrue(r.names().stream().anyMatch(k -> k.endsWith("num_batches_tracked")), "fixture must carry the counters");
        }
        try (DPTForSemanticSegmentation model = DPTForSemanticSegmentation.fromPretrained(c.dir())) {
            assertTrue(model.loadReport().isClean(), model.loadReport().toString());
        }
    }

    @Test
    void closeReleasesWeightsAndRepeatedLoadsDoNotGrow() throws Exception {
        ReferenceCase c = ReferenceCase.named("vit-depth");
        DPTForDepthEstimation first = DPTForDepthEstimation.fromPretrained(c.dir());
        NDArray anyWeight = first.block().namedParameters().get("neck.convs.0.weight").getArray();
        first.close();
        assertTrue(anyWeight.isReleased());
        assertThrows(IllegalStateException.class, () -> first.forward(null));
        try (NDManager m = DptEngine.newManager()) {
            NDArray x = input(m, c);
            float[] firstRun = null;
            for (int i = 0; i < 5; i++) {
                try (DPTForDepthEstimation model = DPTForDepthEstimation.fromPretrained(c.dir());
                        DepthEstimatorOutput out = model.forward(x)) {
                    float[] d = out.predictedDepth.toFloatArray();
                    if (firstRun == null) {
                        firstRun = d;
                    } else {
                        assertArrayEquals(firstRun, d);
                    }
                }
            }
            // Only the input remains on the caller's manager: scratch tensors were freed with the pass.
            assertEquals(1, m.getManagedArrays().size());
        }
    }

    @Test
    void forwardPassesLeaveNothingOnTheWeightsManager() throws Exception {
        for (String name : java.util.List.of("vit-depth", "hybrid-depth", "seg-aux")) {
            ReferenceCase c = ReferenceCase.named(name);
            try (NDManager m = DptEngine.newManager(); PreTrainedModel<?, ?> model = AutoModel.fromPretrained(c.dir())) {
                NDArray x = input(m, c);
                model.forward(x).close();
                int afterFirst = model.getManager().getManagedArrays().size();
                for (int i = 0; i < 3; i++) {
                    model.forward(x, ForwardOptions.everything()).close();
                }
                assertEquals(afterFirst, model.getManager().getManagedArrays().size(), name);
                assertEquals(1, m.getManagedArrays().size(), name);
            }
        }
    }

    static Path copyWithout(Path src, Path tmp, String dropKey) throws Exception {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        try (TensorReader r = Checkpoints.open(src.resolve("model.safetensors"))) {
            for (String k : r.names()) {
                if (!k.equals(dropKey)) {
                    tensors.put(k, TensorData.ofFloats(r.info(k).shape(), r.floats(k)));
                }
            }
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        return dir;
    }
}
