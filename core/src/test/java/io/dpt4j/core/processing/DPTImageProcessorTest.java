package io.dpt4j.core.processing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Size rule, config parsing and serialisation, overrides, and the transformers error cases. */
class DPTImageProcessorTest {
    private static int[] size(int h, int w, int th, int tw, boolean keep, int m) {
        return DPTImageProcessor.getResizeOutputImageSize(h, w, th, tw, keep, m);
    }

    @Test
    void roundsHalfToEvenLikePython() {
        assertArrayEquals(new int[] {192, 384}, size(208, 384, 384, 384, true, 32)); // 6.5 -> 6
        assertArrayEquals(new int[] {256, 384}, size(240, 384, 240, 384, false, 32)); // 7.5 -> 8
        assertEquals(6, DPTImageProcessor.constrainToMultipleOf(6.5, 1));
        assertEquals(8, DPTImageProcessor.constrainToMultipleOf(7.5, 1));
        assertEquals(224, DPTImageProcessor.constrainToMultipleOf(7.5 * 32 - 16, 32)); // 7.0 exactly
        assertEquals(0, DPTImageProcessor.constrainToMultipleOf(15.9, 32));
    }

    @Test
    void keepAspectRatioScalesAsLittleAsPossible() {
        assertArrayEquals(new int[] {384, 576}, size(400, 600, 384, 384, true, 32)); // height factor 0.96 wins
        assertArrayEquals(new int[] {256, 384}, size(300, 451, 384, 384, true, 32)); // width factor wins
        // a tie |1 - 0.8| == |1 - 1.2| takes the height's factor for both
        assertArrayEquals(new int[] {384, 576}, size(320, 480, 384, 384, true, 1));
        assertArrayEquals(new int[] {384, 384}, size(300, 451, 384, 384, false, 1));
    }

    @Test
    void zeroOutputSizeIsAnError() {
        DPTImageProcessor p = DPTImageProcessor.fromDict(Map.of("keep_aspect_ratio", true, "ensure_multiple_of", 32));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.outputSize(10, 4000));
        assertTrue(e.getMessage().contains("must be > 0"), e.getMessage());
    }

    @Test
    void legacyConfigResavesLikeTransformers() throws Exception {
        DPTImageProcessor p = DPTImageProcessor.fromPretrained(
                TestData.resource("image_processor/e_bilinear_legacy_config_astronaut/preprocessor_config.json"));
        assertEquals(PilResampling.BILINEAR, p.resample());
        assertEquals(384, p.sizeHeight());
        assertEquals(384, p.sizeWidth());
        assertTrue(p.doRescale());
        assertEquals(1.0 / 255, p.rescaleFactor());
        JsonNode expected = TestData.json(
                "image_processor/e_bilinear_legacy_config_astronaut/preprocessor_config.resaved.json");
        assertEquals(expected, TestData.JSON.readTree(p.toJson()));
    }

    @Test
    void toJsonRoundTrips() throws Exception {
        DPTImageProcessor p = DPTImageProcessor.fromPretrained(
                TestData.resource("image_processor/c_pad_dinov2_ihc/preprocessor_config.json"));
        JsonNode original = TestData.json("image_processor/c_pad_dinov2_ihc/preprocessor_config.json");
        assertEquals(original, TestData.JSON.readTree(p.toJson()));
        assertEquals(14, p.sizeDivisor());
        assertArrayEquals(new double[] {123.675, 116.28, 103.53}, p.imageMean());
    }

    @Test
    void defaultsMatchTransformers() {
        DPTImageProcessor p = DPTImageProcessor.defaults();
        assertTrue(p.doResize());
        assertEquals(384, p.sizeHeight());
        assertEquals(PilResampling.BICUBIC, p.resample());
        assertEquals(1, p.ensureMultipleOf());
        assertArrayEquals(new double[] {0.5, 0.5, 0.5}, p.imageStd());
        assertNull(p.sizeDivisor());
        assertTrue(!p.doPad() && !p.keepAspectRatio() && !p.doReduceLabels());
    }

    @Test
    void overridesUsePythonNames() {
        DPTImageProcessor p = DPTImageProcessor.defaults().withOverrides(Map.of("size", 256, "resample", 1,
                "do_pad", true, "size_divisor", 32, "image_mean", List.of(0.1, 0.2, 0.3)));
        assertEquals(256, p.sizeHeight());
        assertEquals(256, p.sizeWidth());
        assertEquals(PilResampling.LANCZOS, p.resample());
        assertTrue(p.doPad());
        assertEquals(32, p.sizeDivisor());
        DPTImageProcessor q = DPTImageProcessor.defaults().withOverrides(
                Map.of("size", Map.of("height", 100, "width", 200), "resample", PilResampling.BOX));
        assertEquals(100, q.sizeHeight());
        assertEquals(200, q.sizeWidth());
        assertEquals(PilResampling.BOX, q.resample());
        // the original is unchanged
        assertEquals(384, DPTImageProcessor.defaults().sizeHeight());
    }

    @Test
    void badValuesNameTheKey() {
        PreprocessorConfigException e = assertThrows(PreprocessorConfigException.class,
                () -> DPTImageProcessor.fromDict(Map.of("resample", 9)));
        assertTrue(e.getMessage().contains("'resample'") && e.getMessage().contains("9"), e.getMessage());
        e = assertThrows(PreprocessorConfigException.class, () -> DPTImageProcessor.fromDict(Map.of("size", "big")));
        assertTrue(e.getMessage().contains("'size'"), e.getMessage());
        e = assertThrows(PreprocessorConfigException.class,
                () -> DPTImageProcessor.defaults().withOverrides(Map.of("do_center_crop", true)));
        assertTrue(e.getMessage().contains("do_center_crop"), e.getMessage());
        e = assertThrows(PreprocessorConfigException.class,
                () -> DPTImageProcessor.fromDict(Map.of("do_resize", "yes")));
        assertTrue(e.getMessage().contains("'do_resize'"), e.getMessage());
    }

    private static Uint8Image tiny(int w, int h) {
        byte[] d = new byte[w * h * 3];
        for (int i = 0; i < d.length; i++) {
            d[i] = (byte) (i * 37);
        }
        return Uint8Image.rgb(w, h, d);
    }

    @Test
    void rescaleNormalizePadAndLayout() throws Exception {
        // no resize: value = (float32(u * 0.5) - 1f) / 2f; 2x5 padded to /4: rows 1 above, 2 below; cols 1 and 1
        DPTImageProcessor p = DPTImageProcessor.fromDict(Map.of("do_resize", false, "rescale_factor", 0.5,
                "image_mean", List.of(1.0, 1.0, 1.0), "image_std", List.of(2.0, 2.0, 2.0), "do_pad", true,
                "size_divisor", 4));
        Uint8Image img = tiny(2, 5);
        FloatTensor t = p.preprocess(List.of(img), Map.of()).pixelValues();
        assertArrayEquals(new long[] {1, 3, 8, 4}, t.shape());
        float[] d = t.data();
        int plane = 32;
        // channel 1, image pixel (x=1, y=2) -> output (row 3, col 2)
        int u = img.get(1, 2, 1);
        assertEquals((u * 0.5f - 1f) / 2f, d[plane + 3 * 4 + 2]);
        assertEquals((img.get(0, 0, 2) * 0.5f - 1f) / 2f, d[2 * plane + 4 + 1]);
        assertEquals(0f, d[plane + 2]);          // top pad row
        assertEquals(0f, d[plane + 6 * 4 + 2]);  // bottom pad rows
        assertEquals(0f, d[plane + 7 * 4 + 2]);
        assertEquals(0f, d[plane + 3 * 4]);      // left pad column
        assertEquals(0f, d[plane + 3 * 4 + 3]);  // right pad column
    }

    @Test
    void paddingGivesTheSmallerHalfFirst() {
        assertArrayEquals(new int[] {4, 5}, DPTImageProcessor.pad(187, 14)); // 196 - 187 = 9
        assertArrayEquals(new int[] {0, 0}, DPTImageProcessor.pad(28, 14));
    }

    @Test
    void reduceLabels() {
        byte[] r = DPTImageProcessor.reduceLabels(new byte[] {0, 1, 2, (byte) 150, (byte) 254, (byte) 255});
        assertArrayEquals(new byte[] {(byte) 255, 0, 1, (byte) 149, (byte) 253, (byte) 255}, r);
    }

    @Test
    void rawSingleChannelAndRgbaArraysFailLikeTransformers() {
        DPTImageProcessor p = DPTImageProcessor.defaults();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.preprocess(List.of(Uint8Image.gray(4, 4, new byte[16])), Map.of()));
        assertTrue(e.getMessage().startsWith("Unsupported number of image dimensions: 2"));
        e = assertThrows(IllegalArgumentException.class,
                () -> p.preprocess(List.of(new Uint8Image(4, 4, 4, new byte[64])), Map.of()));
        assertTrue(e.getMessage().startsWith("Unable to infer channel dimension format"));
    }

    @Test
    void missingDivisorOrSizeKeysFail() {
        assertThrows(IllegalArgumentException.class, () -> DPTImageProcessor.fromDict(Map.of("do_pad", true))
                .preprocess(List.of(tiny(4, 4)), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> DPTImageProcessor.fromDict(
                Map.of("size", Map.of("shortest_edge", 384))).preprocess(List.of(tiny(4, 4)), Map.of()));
        assertThrows(IllegalArgumentException.class, () -> DPTImageProcessor.fromDict(
                Map.of("image_mean", List.of(0.5, 0.5))).preprocess(List.of(tiny(4, 4)), Map.of()));
    }

    @Test
    void heightThreeIsReadChannelsFirstLikeTransformers() throws Exception {
        // H x W x 3 with H = 3: transformers takes rows as channels; without resize the output is the array as is.
        DPTImageProcessor p = DPTImageProcessor.fromDict(Map.of("do_resize", false, "do_normalize", false,
                "rescale_factor", 1.0));
        Uint8Image img = tiny(5, 3);
        FloatTensor t = p.preprocess(List.of(img), Map.of()).pixelValues();
        assertArrayEquals(new long[] {1, 3, 5, 3}, t.shape());
        byte[] raw = img.data();
        for (int i = 0; i < raw.length; i++) {
            assertEquals(raw[i] & 0xFF, t.data()[i], 0f, "element " + i);
        }
    }

    @Test
    @SuppressWarnings("deprecation")
    void featureExtractorAliasGivesIdenticalResults() throws Exception {
        var path = TestData.resource("image_processor/e2_bilinear_feature_extractor_alias/preprocessor_config.json");
        Uint8Image img = tiny(40, 30);
        FloatTensor a = DPTImageProcessor.fromPretrained(path).preprocess(List.of(img), Map.of()).pixelValues();
        DPTFeatureExtractor fe = DPTFeatureExtractor.fromPretrained(path);
        FloatTensor b = fe.preprocess(List.of(img), Map.of()).pixelValues();
        assertEquals(a, b);
        assertTrue(fe instanceof DPTImageProcessor);
    }

    @Test
    void raggedBatchOnlyAsList() throws Exception {
        DPTImageProcessor p = DPTImageProcessor.fromDict(Map.of("keep_aspect_ratio", true, "size", 64));
        BatchFeature f = p.preprocess(List.of(tiny(64, 32), tiny(32, 64)), Map.of());
        assertTrue(!f.isStackable());
        assertEquals(2, f.pixelValuesList().size());
        IllegalStateException e = assertThrows(IllegalStateException.class, f::pixelValues);
        assertTrue(e.getMessage().contains("different sizes"), e.getMessage());
    }
}
