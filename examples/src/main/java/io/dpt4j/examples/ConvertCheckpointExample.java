package io.dpt4j.examples;

import io.dpt4j.converters.CheckpointConverter;
import io.dpt4j.converters.DType;
import java.nio.file.Path;

/**
 * Converting a {@code pytorch_model.bin} checkpoint (read without running any pickle code) to
 * safetensors for deployment, optionally in f16 or bf16.
 *
 * <pre>
 * java -cp "examples/target/classes:examples/target/lib/*" io.dpt4j.examples.ConvertCheckpointExample \
 *      SOURCE_DIR OUTPUT_DIR [f32|f16|bf16]
 * </pre>
 *
 * The output directory is a Hugging Face model directory (config.json, model.safetensors or shards +
 * index) that transformers and DPT4J both load; it appears complete or not at all.
 */
public final class ConvertCheckpointExample {
    private ConvertCheckpointExample() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ConvertCheckpointExample SOURCE_DIR OUTPUT_DIR [f32|f16|bf16]");
            System.exit(2);
        }
        run(Path.of(args[0]), Path.of(args[1]), args.length > 2 ? args[2] : "f32");
    }

    public static CheckpointConverter.Summary run(Path source, Path output, String dtype) throws Exception {
        CheckpointConverter.Options options = new CheckpointConverter.Options(
                DType.fromTorchName(dtype), CheckpointConverter.DEFAULT_MAX_SHARD_SIZE, false);
        CheckpointConverter.Summary summary = CheckpointConverter.convert(source, output, options);
        System.out.printf("%d tensors, %,d parameters, %,d bytes -> %s%n", summary.tensors(), summary.parameters(),
                summary.bytes(), summary.files());
        return summary;
    }
}
