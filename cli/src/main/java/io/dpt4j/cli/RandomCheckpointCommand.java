package io.dpt4j.cli;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
            "architecture declares, initialised as transformers' _init_weights does for a model built from",
            "the config: normal(0, initializer_range) for weights, 1 for norm scales and running variances,",
            "0 for biases, running means, mask tokens and BEiT's relative position bias tables, the config's",
            "layer-scale value for DINOv2/BEiT layer scales, ln(10) for Swinv2's logit scales, and 0 for the",
            "class token and position embeddings of every backbone but DINOv2 (which draws them like weights).",
            "The outputs are meaningless; the timings are real, and so is int8's error against f32.");

    @Override
    public String help() {
        return HELP;
    }

    @Override
    public int run(List<String> argv) throws Exception {
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
        InitRules rules = InitRules.of(new ObjectMapper().readTree(config.toFile()));
        try (PreTrainedModel<?, ?> model = AutoModel.fromConfig(config)) {
            SplittableRandom rnd = new SplittableRandom(seed);
            for (Map.Entry<String, Shape> e : model.block().namedShapes().entrySet()) {
                String k = e.getKey();
                long[] shape = e.getValue().getShape();
                long n = e.getValue().size();
                ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(n * 4)).order(ByteOrder.LITTLE_ENDIAN);
                FloatBuffer fb = buf.asFloatBuffer();
                Double constant = rules.constant(k);
                double std = rules.std(k);
                for (long i = 0; i < n; i++) {
                    fb.put(constant != null ? constant.floatValue() : (float) (rnd.nextGaussian() * std));
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

    /**
     * What transformers' {@code _init_weights} gives each parameter of a model built from a config
     * (DPT, DPT-Hybrid/BiT, DINOv2, BEiT, Swinv2, Depth Anything). It matters beyond looks: a layer
     * scale of ~0 instead of 1 turns a DINOv2 backbone into a nearly linear map, which would make
     * int8's measured error meaningless.
     */
    record InitRules(double std, double backboneStd, String backboneType, double layerScale) {
        static InitRules of(JsonNode config) {
            JsonNode b = config.path("backbone_config");
            String type = b.path("model_type").asText("");
            double layerScale = "beit".equals(type) ? b.path("layer_scale_init_value").asDouble(0.1)
                    : b.path("layerscale_value").asDouble(1.0);
            double std = config.path("initializer_range").asDouble(0.02);
            return new InitRules(std, b.path("initializer_range").asDouble(std), type, layerScale);
        }

        /** The constant a parameter starts at, or null for a random draw. */
        Double constant(String k) {
            if (k.endsWith("running_var") || isNormScale(k)) {
                return 1.0;
            }
            if (k.endsWith("bias") || k.endsWith("running_mean") || k.endsWith("mask_token") || k.endsWith("relative_position_bias_table")) {
                return 0.0;
            }
            if (k.endsWith("lambda1") || k.endsWith("lambda_1") || k.endsWith("lambda_2")) {
                return layerScale;
            }
            if (k.endsWith("logit_scale")) {
                return Math.log(10);
            }
            if ((k.endsWith("cls_token") || k.endsWith("position_embeddings")) && !"dinov2".equals(backboneType)) {
                return 0.0;
            }
            return null;
        }

        double std(String k) {
            return k.startsWith("backbone.") ? backboneStd : std;
        }
    }

    static boolean isNormScale(String k) {
        return k.endsWith("weight") && (k.contains("norm") || k.contains("batch_norm") || k.matches(".*head\\.head\\.1\\.weight")
                || k.endsWith("layernorm.weight") || k.contains("layernorm_"));
    }
}
