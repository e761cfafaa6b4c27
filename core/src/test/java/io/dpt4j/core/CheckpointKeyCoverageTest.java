package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The module tree built from a real full-size checkpoint's config.json declares exactly the keys (and
 * shapes) of that checkpoint's state dict, as listed in its keys.json (BatchNorm's num_batches_tracked
 * aside, which inference does not use). Building declares parameters only, so this allocates nothing.
 */
class CheckpointKeyCoverageTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "dpt-large, DPTForDepthEstimation",
        "dpt-hybrid-midas, DPTForDepthEstimation",
        "dpt-large-ade, DPTForSemanticSegmentation",
        "dpt-dinov2-small-nyu, DPTForDepthEstimation",
        "dpt-beit-base-384, DPTForDepthEstimation",
        "dpt-swinv2-tiny-256, DPTForDepthEstimation",
        "depth-anything-small, DepthAnythingForDepthEstimation",
        "depth-anything-v2-small, DepthAnythingForDepthEstimation",
    })
    void declaresExactlyTheCheckpointKeys(String checkpoint, String className) throws Exception {
        Path dir = dir(checkpoint);
        Map<String, List<Long>> expected = checkpointKeys(dir.resolve("keys.json"));
        try (PreTrainedModel<?, ?> model = AutoModel.fromConfig(dir)) {
            assertEquals(className, model.getClass().getSimpleName());
            Map<String, Shape> declared = model.block().namedShapes();
            TreeSet<String> missing = new TreeSet<>(expected.keySet());
            missing.removeAll(declared.keySet());
            TreeSet<String> extra = new TreeSet<>(declared.keySet());
            extra.removeAll(expected.keySet());
            assertTrue(missing.isEmpty() && extra.isEmpty(), checkpoint + ": checkpoint keys the graph lacks: " + first(missing)
                    + "; graph keys the checkpoint lacks: " + first(extra));
            List<String> wrongShapes = new ArrayList<>();
            for (Map.Entry<String, List<Long>> e : expected.entrySet()) {
                long[] want = e.getValue().stream().mapToLong(Long::longValue).toArray();
                if (!declared.get(e.getKey()).equals(new Shape(want))) {
                    wrongShapes.add(e.getKey() + " " + declared.get(e.getKey()) + " vs " + new Shape(want));
                }
            }
            assertTrue(wrongShapes.isEmpty(), checkpoint + ": shapes differ: " + wrongShapes);
            assertTrue(expected.size() > 200, "suspiciously few keys: " + expected.size());
        }
    }

    /** keys.json: {name: [dtype, shape]}, without the BatchNorm step counters. */
    static Map<String, List<Long>> checkpointKeys(Path keysJson) throws Exception {
        JsonNode root = new ObjectMapper().readTree(keysJson.toFile());
        Map<String, List<Long>> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().endsWith(".num_batches_tracked")) {
                continue;
            }
            List<Long> shape = new ArrayList<>();
            for (JsonNode d : e.getValue().get(1)) {
                shape.add(d.longValue());
            }
            out.put(e.getKey(), shape);
        }
        return out;
    }

    private static String first(TreeSet<String> keys) {
        return keys.isEmpty() ? "none" : keys.size() + " " + new ArrayList<>(keys).subList(0, Math.min(5, keys.size()));
    }

    private static Path dir(String checkpoint) throws URISyntaxException {
        return Path.of(CheckpointKeyCoverageTest.class.getResource("/checkpoints/" + checkpoint + "/config.json").toURI()).getParent();
    }
}
