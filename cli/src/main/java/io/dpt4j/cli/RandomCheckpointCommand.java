package io.dpt4j.cli;

import ai.djl.ndarray.types.Shape;
import io.dpt4j.converters.DType;
import io.dpt4j.converters.SafetensorsWriter;
import io.dpt4j.converters.TensorData;
import io.dpt4j.core.AutoModel;
import io.dpt4j.core.CoreConstants;
import io.dpt4j.core.PreTrainedModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * {@code ./dpt random-checkpoint}: a full-size checkpoint with random weights for a config, for
 * benchmarks (real weights cannot be downloaded everywhere). Never for accuracy.
 */
public final class RandomCheckpointCommand implements Command {
    @Override
    public String name() {
        return "random-checkpoint";
    }

    @Override
    public String summary() {
        return "write a random-weight checkpoint for a config.json (for benchmarks)";
    }

    static final String HELP = String.join("\n",
            "usage: ./dpt random-checkpoint --config CONFIG.json --output DIR [--seed N] [--force]",
            "",
            "Writes DIR/config.json and DIR/model.safetensors (F32) with every weight the config's",
            "architecture declares: normal(0, 0.02) for weights, 1 for norm scales and running variances,",
            "0 for biases and running means. The outputs are meaningless; the timings are real.");

    @Override
    public int run(List<String> argv) throws Exception {
        if (argv.contains("--help") || argv.contains("-h")) {
            System.out.println(HELP);
            return 0;
        }
        Args a = Args.parse(name(), argv, Set.of("config", "output", "seed"), Set.of("force"));
        Path config = a.existingPath("config");
        Path out = Path.of(a.require("output"));
        OutputFiles.checkOutputFolder(out);
        if (Files.exists(out) && !a.has("force")) {
            throw new CliException(out + " exists; pass --force to replace it");
        }
        long seed = a.getInt("seed", 0);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        long params = 0;
        try (PreTrainedModel<?, ?> model = AutoModel.fromConfig(config)) {
            SplittableRandom rnd = new SplittableRandom(seed);
            for (Map.Entry<String, Shape> e : model.block().namedShapes().entrySet()) {
                String k = e.getKey();
                long[] shape = e.getValue().getShape();
                long n = e.getValue().size();
                ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
                FloatBuffer fb = buf.asFloatBuffer();
                boolean ones = k.endsWith("running_var") || isNormScale(k);
                boolean zeros = k.endsWith("bias") || k.endsWith("running_mean");
                for (long i = 0; i < n; i++) {
                    fb.put(ones ? 1f : zeros ? 0f : (float) (rnd.nextGaussian() * 0.02));
                }
                tensors.put(k, new TensorData(DType.F32, shape, buf));
                params += n;
            }
        }
        OutputFiles.directoryAtomically(out, dir -> {
            Files.createDirectories(dir);
            Files.copy(config, dir.resolve(CoreConstants.CONFIG_FILE));
            Path pre = config.resolveSibling(CoreConstants.PREPROCESSOR_CONFIG_FILE);
            if (Files.isRegularFile(pre)) {
                Files.copy(pre, dir.resolve(CoreConstants.PREPROCESSOR_CONFIG_FILE));
            }
            SafetensorsWriter.write(dir.resolve(CoreConstants.SAFETENSORS_WEIGHTS_FILE), tensors, Map.of("format", "pt"));
        });
        System.err.printf("dpt random-checkpoint: %d tensors, %,d parameters (%.1f MB) -> %s%n", tensors.size(), params,
                params * 4 / 1e6, out);
        System.out.println(out);
        return 0;
    }

    static boolean isNormScale(String k) {
        return k.endsWith("weight") && (k.contains("norm") || k.contains("batch_norm") || k.matches(".*head\\.head\\.1\\.weight")
                || k.endsWith("layernorm.weight") || k.contains("layernorm_"));
    }
}
