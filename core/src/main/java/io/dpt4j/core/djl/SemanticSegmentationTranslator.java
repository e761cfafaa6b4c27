package io.dpt4j.core.djl;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.dpt4j.core.processing.DPTImageProcessor;
import io.dpt4j.core.processing.FloatTensor;
import io.dpt4j.core.processing.LongTensor;
import io.dpt4j.core.processing.Uint8Image;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** DJL translator: an {@link Image} in, a {@link CategoryMask} (class per pixel at the image's size) out. */
public final class SemanticSegmentationTranslator implements NoBatchifyTranslator<Image, CategoryMask> {
    private final DPTImageProcessor processor;
    private final List<String> classes;

    public SemanticSegmentationTranslator(DPTImageProcessor processor, Map<Integer, String> id2label) {
        this.processor = processor;
        this.classes = new ArrayList<>();
        int n = id2label.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        for (int i = 0; i < n; i++) {
            classes.add(id2label.getOrDefault(i, "LABEL_" + i));
        }
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Image input) throws Exception {
        Uint8Image img = DepthEstimationTranslator.toUint8(input);
        ctx.setAttachment("size", new int[] {img.height(), img.width()});
        FloatTensor px = processor.preprocess(List.of(img), Map.of()).pixelValues();
        return new NDList(ctx.getNDManager().create(px.data(), new Shape(px.shape())));
    }

    @Override
    public CategoryMask processOutput(TranslatorContext ctx, NDList list) {
        NDArray logits = list.singletonOrThrow();
        int[] size = (int[]) ctx.getAttachment("size");
        LongTensor labels = processor.postProcessSemanticSegmentation(logits.toFloatArray(), logits.getShape().getShape(),
                List.of(size)).get(0);
        int[][] mask = new int[size[0]][size[1]];
        long[] d = labels.data();
        for (int y = 0; y < size[0]; y++) {
            for (int x = 0; x < size[1]; x++) {
                mask[y][x] = (int) d[y * size[1] + x];
            }
        }
        return new CategoryMask(classes, mask);
    }
}
