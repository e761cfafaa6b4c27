package io.dpt4j.core.processing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of the shared reference set ({@code image_processor/manifest.json}, produced by transformers
 * 4.57 + Pillow 9.4 + torch 1.13): preprocess outputs must hash to the reference (bit-exact),
 * post-processing must match within the manifest tolerance, error cases must raise.
 */
class SharedImageProcessorCasesTest {
    private static final String ROOT = "image_processor/";

    @TestFactory
    Stream<DynamicTest> sharedCases() {
        JsonNode manifest = TestData.json(ROOT + "manifest.json");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : manifest.get("cases")) {
            String name = c.get("name").asText();
            String kind = c.get("kind").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                switch (kind) {
                    case "preprocess" -> runPreprocess(name, c);
                    case "post_semseg" -> runSemseg(name, c);
                    case "post_depth" -> runDepth(name, c);
                    default -> throw new AssertionError("unknown case kind " + kind);
                }
            }));
        }
        assertEquals(23, tests.size(), "number of shared cases");
        return tests.stream();
    }

    private static Path image(String file) {
        return TestData.resource(ROOT + "images/" + file);
    }

    private static void runPreprocess(String name, JsonNode c) throws Exception {
        JsonNode args = TestData.json(ROOT + name + "/args.json");
        Path config = TestData.resource(ROOT + name + "/preprocessor_config.json");
        DPTImageProcessor p = args.get("processor_class").asText().equals("DPTFeatureExtractor")
                ? DPTFeatureExtractor.fromPretrained(config) : DPTImageProcessor.fromPretrained(config);
        boolean loadImage = args.get("image_loading").asText().contains("load_image");
        List<Object> images = new ArrayList<>();
        JsonNode imgs = args.get("images");
        for (JsonNode f : imgs.isArray() ? imgs : List.of(imgs)) {
            Path path = image(f.asText());
            // "PIL.Image.open(path)" keeps the stored mode: the raw decoded samples, no RGB conversion.
            images.add(loadImage ? path : rawPil(path));
        }
        List<Object> maps = null;
        if (!args.get("segmentation_maps").isNull()) {
            maps = List.of(image(args.get("segmentation_maps").asText()));
        }
        Map<String, Object> kwargs = TestData.JSON.convertValue(args.get("kwargs"), Map.class);
        if (c.has("expected_error")) {
            List<Object> imgsFinal = images;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> p.preprocess(imgsFinal, kwargs));
            String expected = c.get("expected_error").get("message").asText();
            assertTrue(e.getMessage().startsWith(expected), e.getMessage());
            return;
        }
        BatchFeature out = p.preprocess(images, maps, kwargs);
        JsonNode outputs = c.get("outputs");
        if (outputs.has("pixel_values")) {
            FloatTensor pv = out.pixelValues();
            check(name, "pixel_values", outputs.get("pixel_values"), pv.shape(), TestData.le(pv.data()));
        } else {
            for (int i = 0; i < out.size(); i++) {
                FloatTensor pv = out.pixelValuesList().get(i);
                check(name, "pixel_values_" + i, outputs.get("pixel_values_" + i), pv.shape(),
                        TestData.le(pv.data()));
            }
            assertThrows(IllegalStateException.class, out::pixelValues, "ragged batch must not stack");
        }
        if (outputs.has("labels")) {
            LongTensor l = out.labels();
            check(name, "labels", outputs.get("labels"), l.shape(), TestData.le(l.data()));
        } else {
            assertTrue(!out.hasLabels());
        }
    }

    /** What numpy sees for {@code np.array(Image.open(path))}: samples as stored, alpha kept. */
    static Uint8Image rawPil(Path path) throws Exception {
        java.awt.image.BufferedImage b = javax.imageio.ImageIO.read(path.toFile());
        java.awt.image.Raster r = b.getRaster();
        int bands = r.getNumBands();
        if (b.getColorModel() instanceof java.awt.image.IndexColorModel) {
            return ImageLoader.load(b);
        }
        int[] px = r.getPixels(0, 0, b.getWidth(), b.getHeight(), (int[]) null);
        byte[] d = new byte[px.length];
        for (int i = 0; i < px.length; i++) {
            d[i] = (byte) px[i];
        }
        return new Uint8Image(b.getWidth(), b.getHeight(), bands, d);
    }

    private static void check(String name, String key, JsonNode expected, long[] shape, byte[] bytes) {
        long[] es = new long[expected.get("shape").size()];
        for (int i = 0; i < es.length; i++) {
            es[i] = expected.get("shape").get(i).asLong();
        }
        assertArrayEquals(es, shape, name + " " + key + " shape");
        assertEquals(expected.get("sha256").asText(), TestData.sha256(bytes), name + " " + key + " sha256");
    }

    private static List<int[]> targetSizes(String name) {
        JsonNode t = TestData.json(ROOT + name + "/args.json").get("target_sizes");
        if (t == null || t.isNull()) {
            return null;
        }
        List<int[]> r = new ArrayList<>();
        for (JsonNode s : t) {
            r.add(new int[] {s.get(0).asInt(), s.get(1).asInt()});
        }
        return r;
    }

    private static void runSemseg(String name, JsonNode c) {
        TestData.Tensor logits = TestData.safetensors(ROOT + name + "/inputs.safetensors").get("logits");
        Map<String, TestData.Tensor> exp = TestData.safetensors(ROOT + name + "/expected.safetensors");
        List<LongTensor> out = DPTImageProcessor.defaults()
                .postProcessSemanticSegmentation(logits.floats(), logits.shape(), targetSizes(name));
        for (int i = 0; i < out.size(); i++) {
            TestData.Tensor e = exp.get("semantic_segmentation_" + i);
            assertArrayEquals(e.shape(), out.get(i).shape(), name + " shape " + i);
            assertArrayEquals(e.longs(), out.get(i).data(), name + " labels " + i);
        }
        assertEquals(exp.size(), out.size());
    }

    private static void runDepth(String name, JsonNode c) {
        TestData.Tensor depth = TestData.safetensors(ROOT + name + "/inputs.safetensors").get("predicted_depth");
        Map<String, TestData.Tensor> exp = TestData.safetensors(ROOT + name + "/expected.safetensors");
        double atol = c.get("tolerance").get("atol").asDouble();
        double rtol = c.get("tolerance").get("rtol").asDouble();
        List<FloatTensor> out = DPTImageProcessor.defaults()
                .postProcessDepthEstimation(depth.floats(), depth.shape(), targetSizes(name));
        assertEquals(exp.size(), out.size());
        for (int i = 0; i < out.size(); i++) {
            TestData.Tensor e = exp.get("predicted_depth_" + i);
            assertArrayEquals(e.shape(), out.get(i).shape(), name + " shape " + i);
            float[] ef = e.floats();
            float[] af = out.get(i).data();
            for (int k = 0; k < ef.length; k++) {
                double tol = atol + rtol * Math.abs(ef[k]);
                if (Math.abs(ef[k] - af[k]) > tol) {
                    throw new AssertionError(name + " depth " + i + " index " + k + ": expected " + ef[k] + ", got "
                            + af[k]);
                }
            }
        }
    }
}
