package io.dpt4j.examples;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import io.dpt4j.core.djl.DptCriteria;
import io.dpt4j.core.pipelines.DepthEstimationResult;
import java.nio.file.Path;

/**
 * DJL's own API: a {@link Criteria} for a DPT checkpoint (local directory, hub id, or DJL model format
 * written by {@code ./dpt convert --format djl}), a {@link ZooModel} and a {@link Predictor} with the
 * output types DJL users know ({@link CategoryMask} for segmentation).
 *
 * <pre>
 * java -cp "examples/target/classes:examples/target/lib/*" io.dpt4j.examples.DjlPredictorExample \
 *      [DEPTH_MODEL] [SEGMENTATION_MODEL] [IMAGE]
 * </pre>
 */
public final class DjlPredictorExample {
    private DjlPredictorExample() {}

    public static void main(String[] args) throws Exception {
        String depthModel = args.length > 0 ? args[0] : "examples/models/tiny-dpt-depth";
        String segModel = args.length > 1 ? args[1] : "examples/models/tiny-dpt-segmentation";
        Path image = Path.of(args.length > 2 ? args[2] : "examples/data/chelsea.png");
        run(depthModel, segModel, image);
    }

    public static Object[] run(String depthModel, String segModel, Path imagePath) throws Exception {
        Image image = ImageFactory.getInstance().fromFile(imagePath);

        Criteria<Image, DepthEstimationResult> depthCriteria =
                DptCriteria.builder(Image.class, DepthEstimationResult.class, depthModel).build();
        DepthEstimationResult depth;
        try (ZooModel<Image, DepthEstimationResult> model = depthCriteria.loadModel();
                Predictor<Image, DepthEstimationResult> predictor = model.newPredictor()) {
            depth = predictor.predict(image);
            System.out.println(depth);
        }

        Criteria<Image, CategoryMask> segCriteria = DptCriteria.builder(Image.class, CategoryMask.class, segModel).build();
        CategoryMask mask;
        try (ZooModel<Image, CategoryMask> model = segCriteria.loadModel();
                Predictor<Image, CategoryMask> predictor = model.newPredictor()) {
            mask = predictor.predict(image);
            System.out.println("classes: " + mask.getClasses() + ", mask " + mask.getMask()[0].length + "x" + mask.getMask().length);
        }
        return new Object[] {depth, mask};
    }
}
