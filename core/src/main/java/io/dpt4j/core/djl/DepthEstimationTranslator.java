package io.dpt4j.core.djl;

import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.dpt4j.core.pipelines.DepthEstimationResult;
import io.dpt4j.core.processing.DPTImageProcessor;
import io.dpt4j.core.processing.FloatTensor;
import io.dpt4j.core.processing.ImageLoader;
import io.dpt4j.core.processing.Uint8Image;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;

/** DJL translator: an {@link Image} in, the depth map at the image's size out (as the pipeline gives it). */
public final class DepthEstimationTranslator implements NoBatchifyTranslator<Image, DepthEstimationResult> {
    private final DPTImageProcessor processor;

    public DepthEstimationTranslator(DPTImageProcessor processor) {
        this.processor = processor;
    }

    static Uint8Image toUint8(Image image) {
        Object w = image.getWrappedImage();
        if (w instanceof BufferedImage) {
            return ImageLoader.load((BufferedImage) w);
        }
        throw new IllegalArgumentException("DPT4J translators need DJL's BufferedImageFactory images (got "
                + w.getClass().getName() + ")");
    }

    @Override
    public NDList processInput(TranslatorContext ctx, Image input) throws Exception {
        Uint8Image img = toUint8(input);
        ctx.setAttachment("size", new int[] {img.height(), img.width()});
        FloatTensor px = processor.preprocess(List.of(img), Map.of()).pixelValues();
        return new NDList(ctx.getNDManager().create(px.data(), new Shape(px.shape())));
    }

    @Override
    public DepthEstimationResult processOutput(TranslatorContext ctx, NDList list) {
        NDArray depth = list.singletonOrThrow();
        int[] size = (int[]) ctx.getAttachment("size");
        List<FloatTensor> out = processor.postProcessDepthEstimation(depth.toFloatArray(), depth.getShape().getShape(),
                List.of(size));
        return new DepthEstimationResult(out.get(0));
    }
}
