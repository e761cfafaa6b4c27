package io.dpt4j.examples;

import io.dpt4j.core.pipelines.DepthEstimationPipeline;
import io.dpt4j.core.pipelines.DepthEstimationResult;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Depth estimation from a hub id or a local model directory, in a few lines.
 *
 * <pre>
 * java -cp "examples/target/classes:examples/target/lib/*" io.dpt4j.examples.DepthEstimationExample \
 *      [MODEL_ID_OR_DIR] [IMAGE] [OUTPUT_DIR]
 * </pre>
 *
 * MODEL defaults to the tiny random-weight model shipped in {@code examples/models/tiny-dpt-depth} (its
 * depth is meaningless); pass {@code Intel/dpt-hybrid-midas}, {@code Intel/dpt-large} or
 * {@code depth-anything/Depth-Anything-V2-Small-hf} for real depth (downloaded once into the Hugging
 * Face cache).
 */
public final class DepthEstimationExample {
    private DepthEstimationExample() {}

    public static void main(String[] args) throws Exception {
        String model = args.length > 0 ? args[0] : "examples/models/tiny-dpt-depth";
        Path image = Path.of(args.length > 1 ? args[1] : "examples/data/chelsea.png");
        Path out = Path.of(args.length > 2 ? args[2] : "depth-output");
        run(model, image, out);
    }

    /** Writes depth.png (8-bit) and depth_color.png (inferno) for the image; returns the result. */
    public static DepthEstimationResult run(String model, Path image, Path out) throws Exception {
        Files.createDirectories(out);
        // Processor (preprocessor_config.json) and model (config.json + weights) in one call.
        try (DepthEstimationPipeline pipeline = DepthEstimationPipeline.fromPretrained(model)) {
            DepthEstimationResult result = pipeline.predict(image);
            ImageIO.write(result.depth(), "png", out.resolve("depth.png").toFile());
            ImageIO.write(result.coloredDepth(), "png", out.resolve("depth_color.png").toFile());
            System.out.println(result + " -> " + out.resolve("depth_color.png"));
            return result;
        }
    }
}
