package io.dpt4j.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.output.CategoryMask;
import io.dpt4j.converters.CheckpointConverter;
import io.dpt4j.core.pipelines.DepthEstimationResult;
import io.dpt4j.core.pipelines.SegmentationResult;
import io.dpt4j.hub.HubDownloadOptions;
import io.dpt4j.hub.HubEmulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every example program runs on the small checkpoints kept in the repository. */
class ExamplesTest {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final Path DEPTH = ROOT.resolve("examples/models/tiny-dpt-depth");
    static final Path SEG = ROOT.resolve("examples/models/tiny-dpt-segmentation");
    static final Path PHOTO = ROOT.resolve("examples/data/chelsea.png");

    @Test
    void depthFromALocalDirectory(@TempDir Path tmp) throws Exception {
        DepthEstimationResult r = DepthEstimationExample.run(DEPTH.toString(), PHOTO, tmp);
        assertEquals(451, r.width());
        assertEquals(300, ImageIO.read(tmp.resolve("depth_color.png").toFile()).getHeight());
    }

    @Test
    void depthFromAHubIdThroughTheCache(@TempDir Path tmp) throws Exception {
        try (HubEmulator hub = new HubEmulator()) {
            hub.repo("dpt4j/tiny-dpt-depth").commit("main", Map.of(
                    "config.json", Files.readAllBytes(DEPTH.resolve("config.json")),
                    "preprocessor_config.json", Files.readAllBytes(DEPTH.resolve("preprocessor_config.json")),
                    "model.safetensors", Files.readAllBytes(DEPTH.resolve("model.safetensors")),
                    "README.md", "not needed for loading".getBytes()));
            Path cache = tmp.resolve("cache");
            HubDownloadOptions o = HubDownloadOptions.defaults().withEndpoint(hub.endpoint()).withCacheDir(cache);
            Path snapshot = HubClientExample.run("dpt4j/tiny-dpt-depth", o);
            assertTrue(Files.exists(snapshot.resolve("model.safetensors")));
            int before = hub.requests().size();
            // The depth example with the hub id, offline: served from the cache without a request.
            Path dir = io.dpt4j.hub.HfHub.resolveModelDirectory("dpt4j/tiny-dpt-depth", o.withLocalFilesOnly(true));
            DepthEstimationResult viaHub = DepthEstimationExample.run(dir.toString(), PHOTO, tmp.resolve("out"));
            assertEquals(before, hub.requests().size());
            DepthEstimationResult local = DepthEstimationExample.run(DEPTH.toString(), PHOTO, tmp.resolve("out2"));
            assertArrayEquals(local.predictedDepth().data(), viaHub.predictedDepth().data());
        }
    }

    @Test
    void segmentationWithLabels(@TempDir Path tmp) throws Exception {
        SegmentationResult r = SemanticSegmentationExample.run(SEG.toString(), PHOTO, tmp);
        assertTrue(!r.segments().isEmpty());
        assertTrue(Files.exists(tmp.resolve("overlay.png")));
        assertTrue(Files.exists(tmp.resolve("mask_" + r.segments().get(0).labelId() + ".png")));
    }

    @Test
    void convertsABinCheckpointToSafetensors(@TempDir Path tmp) throws Exception {
        Path bin = ROOT.resolve("converters/src/test/resources/weights/bin-zip");
        CheckpointConverter.Summary s = ConvertCheckpointExample.run(bin, tmp.resolve("st"), "f32");
        assertEquals(List.of("model.safetensors"), s.files());
        try (var a = io.dpt4j.converters.Checkpoints.open(tmp.resolve("st"));
                var b = io.dpt4j.converters.Checkpoints.open(DEPTH.resolve("model.safetensors"))) {
            assertEquals(b.names(), a.names());
            for (String k : a.names()) {
                assertArrayEquals(b.floats(k), a.floats(k), k);
            }
        }
    }

    @Test
    void djlCriteriaAndPredictors() throws Exception {
        Object[] r = DjlPredictorExample.run(DEPTH.toString(), SEG.toString(), PHOTO);
        assertEquals(451, ((DepthEstimationResult) r[0]).width());
        assertEquals(300, ((CategoryMask) r[1]).getMask().length);
    }
}
