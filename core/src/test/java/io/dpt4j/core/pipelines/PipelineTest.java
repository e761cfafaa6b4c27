package io.dpt4j.core.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.repository.zoo.ZooModel;
import io.dpt4j.core.ExecutionEngine;
import io.dpt4j.core.InferenceDtype;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.ReferenceCase;
import io.dpt4j.core.djl.DptCriteria;
import io.dpt4j.core.processing.ImageLoader;
import io.dpt4j.core.processing.Uint8Image;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineTest {
    static Path photo(String name) throws Exception {
        return Path.of(PipelineTest.class.getResource("/image_processor/images/" + name).toURI());
    }

    /** A reference checkpoint plus a 64x64 preprocessor config (the tiny models' input size). */
    static Path modelWithProcessor(String caseName, Path tmp) throws Exception {
        Path src = ReferenceCase.named(caseName).dir();
        Path dir = tmp.resolve(caseName);
        Files.createDirectories(dir);
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("preprocessor_config.json"), "{\"image_processor_type\": \"DPTImageProcessor\", "
                + "\"do_resize\": true, \"size\": {\"height\": 64, \"width\": 64}, \"resample\": 3, \"do_rescale\": true, "
                + "\"rescale_factor\": 0.00392156862745098, \"do_normalize\": true, \"image_mean\": [0.5, 0.5, 0.5], "
                + "\"image_std\": [0.5, 0.5, 0.5]}");
        return dir;
    }

    @Test
    void depthPipelineGivesDepthAtTheImageSize(@TempDir Path tmp) throws Exception {
        Path dir = modelWithProcessor("vit-depth", tmp);
        try (DepthEstimationPipeline p = DepthEstimationPipeline.fromPretrained(dir.toString())) {
            DepthEstimationResult r = p.predict(photo("chelsea_451x300.png"));
            assertEquals(451, r.width());
            assertEquals(300, r.height());
            assertArrayEquals(new long[] {300, 451}, r.predictedDepth().shape());
            BufferedImage d = r.depth();
            int min = 255;
            int max = 0;
            for (int y = 0; y < d.getHeight(); y++) {
                for (int x = 0; x < d.getWidth(); x++) {
                    int v = d.getRaster().getSample(x, y, 0);
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            assertEquals(0, min);
            assertEquals(255, max);
            assertEquals(451, r.coloredDepth().getWidth());

            // a batch with a bad image: reported, the others still run
            List<Integer> ok = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            Path bad = tmp.resolve("broken.png");
            Files.write(bad, new byte[] {1, 2, 3});
            p.predict(List.of(photo("rocket_213x142.png"), bad, photo("coffee_300x200.png")),
                    (i, res) -> ok.add(i), (i, e) -> errors.add(i + ": " + e.getMessage()));
            assertEquals(List.of(0, 2), ok);
            assertEquals(1, errors.size());
            assertTrue(errors.get(0).startsWith("1: ") && errors.get(0).contains("broken.png"), errors.get(0));
        }
    }

    @Test
    void pipelinesUseOnnxRuntimeForEveryProcessor(@TempDir Path tmp) throws Exception {
        Path dir = modelWithProcessor("vit-depth", tmp);
        try (DepthEstimationPipeline p = DepthEstimationPipeline.fromPretrained(dir.toString())) {
            assertEquals(ExecutionEngine.ONNXRUNTIME, p.model().getEngine());
        }
        Files.writeString(dir.resolve("preprocessor_config.json"), "{\"do_resize\": true, \"size\": {\"height\": 64, \"width\": 64},"
                + " \"keep_aspect_ratio\": true, \"ensure_multiple_of\": 8}");
        try (DepthEstimationPipeline p = DepthEstimationPipeline.fromPretrained(dir.toString())) {
            assertEquals(ExecutionEngine.ONNXRUNTIME, p.model().getEngine());
            BufferedImage square = new BufferedImage(90, 90, BufferedImage.TYPE_INT_RGB);
            assertEquals(90, p.predict(square).width());
        }
        try (DepthEstimationPipeline p = DepthEstimationPipeline.fromPretrained(dir.toString(),
                LoadOptions.defaults().engine(ExecutionEngine.PYTORCH))) {
            assertEquals(ExecutionEngine.PYTORCH, p.model().getEngine());
        }
    }

    /**
     * Depth Anything's keep-aspect-ratio processor gives photos of different shapes different input
     * sizes: one ONNX Runtime session serves them all, with the PyTorch engine's depth.
     */
    @Test
    void depthAnythingPhotosOfDifferentShapesShareOneSession(@TempDir Path tmp) throws Exception {
        Path src = ReferenceCase.named("depth-anything").dir();
        Path dir = tmp.resolve("da");
        Files.createDirectories(dir);
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.writeString(dir.resolve("preprocessor_config.json"), "{\"image_processor_type\": \"DPTImageProcessor\", "
                + "\"do_resize\": true, \"size\": {\"height\": 70, \"width\": 70}, \"keep_aspect_ratio\": true, "
                + "\"ensure_multiple_of\": 14, \"resample\": 3, \"do_rescale\": true, \"rescale_factor\": 0.00392156862745098, "
                + "\"do_normalize\": true, \"image_mean\": [0.485, 0.456, 0.406], \"image_std\": [0.229, 0.224, 0.225]}");
        List<Path> photos = List.of(photo("chelsea_451x300.png"), photo("camera_gray_256x200.png"),
                photo("astronaut_crop_400x320.png"), photo("coffee_crop_384x208.png"));
        try (DepthEstimationPipeline ort = DepthEstimationPipeline.fromPretrained(dir.toString());
                DepthEstimationPipeline pt = DepthEstimationPipeline.fromPretrained(dir.toString(),
                        LoadOptions.defaults().engine(ExecutionEngine.PYTORCH))) {
            assertEquals(ExecutionEngine.ONNXRUNTIME, ort.model().getEngine());
            Set<String> inputSizes = new HashSet<>();
            for (Path photo : photos) {
                inputSizes.add(Arrays.toString(ort.processor().preprocess(photo).pixelValues().shape()));
                float[] a = ort.predict(photo).predictedDepth().data();
                float[] b = pt.predict(photo).predictedDepth().data();
                assertEquals(b.length, a.length);
                double max = 0;
                for (float v : b) {
                    max = Math.max(max, Math.abs(v));
                }
                for (int i = 0; i < a.length; i++) {
                    assertTrue(Math.abs(a[i] - b[i]) <= 1e-4 * Math.max(1, max), photo + "[" + i + "]: " + a[i] + " vs " + b[i]);
                }
            }
            assertTrue(inputSizes.size() >= 3, "the photos should give different input sizes: " + inputSizes);
            assertEquals(1, ort.model().onnxRuntimeSessions());
        }
    }

    @Test
    void segmentationPipelineListsClassesWithMasks(@TempDir Path tmp) throws Exception {
        Path dir = modelWithProcessor("seg-aux", tmp);
        try (ImageSegmentationPipeline p = ImageSegmentationPipeline.fromPretrained(dir.toString())) {
            Uint8Image img = ImageLoader.load(photo("coffee_300x200.png"));
            SegmentationResult r = p.predict(img);
            assertEquals(300 * 200, r.labelMap().length);
            double share = 0;
            for (Segment s : r.segments()) {
                assertTrue(s.label().startsWith("LABEL_"), s.label());
                assertNull(s.score());
                int on = 0;
                for (int y = 0; y < 200; y++) {
                    for (int x = 0; x < 300; x++) {
                        boolean masked = s.mask().getRaster().getSample(x, y, 0) == 255;
                        assertEquals(r.labelMap()[y * 300 + x] == s.labelId(), masked);
                        on += masked ? 1 : 0;
                    }
                }
                assertEquals(on / 60000.0, s.pixelShare(), 1e-12);
                share += s.pixelShare();
            }
            assertEquals(1.0, share, 1e-9);
            assertEquals(300, r.overlay().getWidth());
        }
        assertThrows(IllegalArgumentException.class, () -> DepthEstimationPipeline.fromPretrained(dir.toString()));
    }

    @Test
    void djlModelFormatRoundTripsThroughCriteria(@TempDir Path tmp) throws Exception {
        Path hf = modelWithProcessor("vit-depth", tmp);
        Path djlDir = tmp.resolve("djl-model");
        io.dpt4j.core.djl.DjlModelFormat.export(hf, djlDir);
        assertTrue(Files.exists(djlDir.resolve("djl-model-0000.params")));
        assertTrue(io.dpt4j.core.djl.DjlModelFormat.isDjlFormat(djlDir));
        Path photo = photo("rocket_213x142.png");
        DepthEstimationResult viaPipeline;
        // DJL's format names engine=PyTorch in its serving.properties, which the block factory honours.
        try (DepthEstimationPipeline p = DepthEstimationPipeline.fromPretrained(hf.toString(),
                io.dpt4j.core.LoadOptions.defaults().engine(io.dpt4j.core.ExecutionEngine.PYTORCH))) {
            viaPipeline = p.predict(photo);
        }
        try (ZooModel<Image, DepthEstimationResult> model = DptCriteria.builder(Image.class, DepthEstimationResult.class,
                djlDir.toString()).build().loadModel();
                Predictor<Image, DepthEstimationResult> predictor = model.newPredictor()) {
            DepthEstimationResult r = predictor.predict(ImageFactory.getInstance().fromFile(photo));
            assertArrayEquals(viaPipeline.predictedDepth().data(), r.predictedDepth().data());
        }
    }

    @Test
    void int8PipelinesAndPredictorsAgree(@TempDir Path tmp) throws Exception {
        Path depthDir = modelWithProcessor("vit-depth", tmp);
        Path photo = photo("rocket_213x142.png");
        LoadOptions int8 = LoadOptions.defaults().dtype(InferenceDtype.INT8);
        DepthEstimationResult f32;
        DepthEstimationResult viaPipeline;
        try (DepthEstimationPipeline p = DepthEstimationPipeline.fromPretrained(depthDir.toString())) {
            f32 = p.predict(photo);
        }
        try (DepthEstimationPipeline p = DepthEstimationPipeline.fromPretrained(depthDir.toString(), int8)) {
            viaPipeline = p.predict(photo);
        }
        float[] a = viaPipeline.predictedDepth().data();
        float[] b = f32.predictedDepth().data();
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += b[i] * (double) b[i];
        }
        double rel = Math.sqrt(num / den);
        assertTrue(rel > 0 && rel < 0.03, "int8 vs f32 relative L2 " + rel);
        try (ZooModel<Image, DepthEstimationResult> model = DptCriteria.builder(Image.class, DepthEstimationResult.class,
                depthDir.toString(), int8).build().loadModel();
                Predictor<Image, DepthEstimationResult> predictor = model.newPredictor()) {
            DepthEstimationResult r = predictor.predict(ImageFactory.getInstance().fromFile(photo));
            assertArrayEquals(a, r.predictedDepth().data());
        }
    }

    @Test
    void djlPredictorsMatchThePipelines(@TempDir Path tmp) throws Exception {
        Path depthDir = modelWithProcessor("vit-depth", tmp);
        Path photo = photo("rocket_213x142.png");
        DepthEstimationResult viaPipeline;
        try (DepthEstimationPipeline p = DepthEstimationPipeline.fromPretrained(depthDir.toString())) {
            viaPipeline = p.predict(photo);
        }
        Image image = ImageFactory.getInstance().fromFile(photo);
        try (ZooModel<Image, DepthEstimationResult> model = DptCriteria.builder(Image.class, DepthEstimationResult.class,
                depthDir.toString()).build().loadModel();
                Predictor<Image, DepthEstimationResult> predictor = model.newPredictor()) {
            DepthEstimationResult r = predictor.predict(image);
            assertArrayEquals(viaPipeline.predictedDepth().data(), r.predictedDepth().data());
        }
        Path segDir = modelWithProcessor("seg-aux", tmp);
        SegmentationResult segViaPipeline;
        try (ImageSegmentationPipeline p = ImageSegmentationPipeline.fromPretrained(segDir.toString())) {
            segViaPipeline = p.predict(photo);
        }
        try (ZooModel<Image, CategoryMask> model = DptCriteria.builder(Image.class, CategoryMask.class, segDir.toString())
                .build().loadModel();
                Predictor<Image, CategoryMask> predictor = model.newPredictor()) {
            CategoryMask m = predictor.predict(image);
            assertEquals(5, m.getClasses().size());
            int[][] mask = m.getMask();
            assertEquals(142, mask.length);
            assertEquals(213, mask[0].length);
            for (int y = 0; y < 142; y++) {
                for (int x = 0; x < 213; x++) {
                    assertEquals(segViaPipeline.labelMap()[y * 213 + x], mask[y][x]);
                }
            }
        }
    }
}
