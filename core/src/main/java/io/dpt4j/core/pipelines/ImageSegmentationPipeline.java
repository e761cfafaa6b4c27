package io.dpt4j.core.pipelines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.core.DPTForSemanticSegmentation;
import io.dpt4j.core.DptEngine;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.ModelFiles;
import io.dpt4j.core.PreTrainedModel;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.outputs.ModelOutput;
import io.dpt4j.core.outputs.SemanticSegmenterOutput;
import io.dpt4j.core.processing.DPTImageProcessor;
import io.dpt4j.core.processing.FloatTensor;
import io.dpt4j.core.processing.LongTensor;
import io.dpt4j.core.processing.Uint8Image;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * transformers' image-segmentation pipeline for semantic models (subtask "semantic"): per class present,
 * its label (id2label) and a binary mask at the image's size.
 */
public final class ImageSegmentationPipeline implements AutoCloseable {
    private final DPTImageProcessor processor;
    private final DPTForSemanticSegmentation model;
    private final boolean ownsModel;

    public ImageSegmentationPipeline(DPTImageProcessor processor, DPTForSemanticSegmentation model) {
        this(processor, model, false);
    }

    private ImageSegmentationPipeline(DPTImageProcessor processor, DPTForSemanticSegmentation model, boolean owns) {
        this.processor = processor;
        this.model = model;
        this.ownsModel = owns;
    }

    public static ImageSegmentationPipeline fromPretrained(String idOrPath) throws IOException {
        return fromPretrained(idOrPath, LoadOptions.defaults());
    }

    public static ImageSegmentationPipeline fromPretrained(String idOrPath, LoadOptions options) throws IOException {
        Path dir = ModelFiles.resolve(idOrPath, options);
        DPTImageProcessor processor = DPTImageProcessor.forModel(dir);
        PreTrainedModel<?, ?> model = Pipelines.model(dir, options, processor);
        if (!(model instanceof DPTForSemanticSegmentation)) {
            String name = model.getClass().getSimpleName();
            model.close();
            throw new IllegalArgumentException(idOrPath + " is a " + name + ", not a semantic segmentation model");
        }
        return new ImageSegmentationPipeline(processor, (DPTForSemanticSegmentation) model, true);
    }

    public DPTForSemanticSegmentation model() {
        return model;
    }

    public DPTImageProcessor processor() {
        return processor;
    }

    /** One image: a Path, File, file name, byte[], BufferedImage or Uint8Image. */
    public SegmentationResult predict(Object image) throws IOException {
        Uint8Image img = Images.load(image);
        FloatTensor px = processor.preprocess(List.of(img), Map.of()).pixelValues();
        try (NDManager m = DptEngine.newManager()) {
            NDArray x = m.create(px.data(), new Shape(px.shape()));
            long[] labels;
            try (ModelOutput out = model.forward(x)) {
                NDArray logits = ((SemanticSegmenterOutput) out).logits;
                List<LongTensor> maps = processor.postProcessSemanticSegmentation(logits.toFloatArray(),
                        logits.getShape().getShape(), List.of(new int[] {img.height(), img.width()}));
                labels = maps.get(0).data();
            }
            return toResult(labels, img, model.getConfig());
        }
    }

    public List<SegmentationResult> predict(List<?> images) throws IOException {
        List<SegmentationResult> out = new ArrayList<>();
        for (Object i : images) {
            out.add(predict(i));
        }
        return out;
    }

    static SegmentationResult toResult(long[] labels, Uint8Image img, DPTConfig config) {
        int w = img.width();
        int h = img.height();
        TreeMap<Long, Integer> counts = new TreeMap<>();
        for (long l : labels) {
            counts.merge(l, 1, Integer::sum);
        }
        List<Segment> segments = new ArrayList<>();
        for (Map.Entry<Long, Integer> e : counts.entrySet()) {
            long id = e.getKey();
            BufferedImage mask = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            byte[] px = ((DataBufferByte) mask.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == id) {
                    px[i] = (byte) 255;
                }
            }
            String label = config.id2label.getOrDefault((int) id, "LABEL_" + id);
            segments.add(new Segment((int) id, label, null, mask, e.getValue() / (double) labels.length));
        }
        return new SegmentationResult(segments, labels, w, h, img);
    }

    @Override
    public void close() {
        if (ownsModel) {
            model.close();
        }
    }
}
