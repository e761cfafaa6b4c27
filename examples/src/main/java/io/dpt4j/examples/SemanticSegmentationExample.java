package io.dpt4j.examples;

import io.dpt4j.core.pipelines.ImageSegmentationPipeline;
import io.dpt4j.core.pipelines.Segment;
import io.dpt4j.core.pipelines.SegmentationResult;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Semantic segmentation with class labels.
 *
 * <pre>
 * java -cp "examples/target/classes:examples/target/lib/*" io.dpt4j.examples.SemanticSegmentationExample \
 *      [MODEL_ID_OR_DIR] [IMAGE] [OUTPUT_DIR]
 * </pre>
 *
 * MODEL defaults to {@code examples/models/tiny-dpt-segmentation} (random weights, 5 dummy classes);
 * {@code Intel/dpt-large-ade} gives the 150 ADE20K classes.
 */
public final class SemanticSegmentationExample {
    private SemanticSegmentationExample() {}

    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "examples/models/tiny-dpt-segmentation";
        Path image = Path.of(args.length > 1 ? args[1] : "examples/data/chelsea.png");
        Path out = Path.of(args.length > 2 ? args[2] : "segmentation-output");
        run(model, image, out);
    }

    public static SegmentationResult run(String model, Path image, Path out) throws Exception {
        Files.createDirectories(out);
        try (ImageSegmentationPipeline pipeline = ImageSegmentationPipeline.fromPretrained(model)) {
            SegmentationResult result = pipeline.predict(image);
            for (Segment s : result.segments()) {
                System.out.printf("%-30s %6.2f%% of the image%n", s.label(), 100 * s.pixelShare());
                ImageIO.write(s.mask(), "png", out.resolve("mask_" + s.labelId() + ".png").toFile());
            }
            ImageIO.write(result.overlay(), "png", out.resolve("overlay.png").toFile());
            return result;
        }
    }
}
