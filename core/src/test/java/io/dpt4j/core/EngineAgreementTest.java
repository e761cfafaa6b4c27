package io.dpt4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.converters.SafetensorsWriter;
import io.dpt4j.converters.TensorData;
import io.dpt4j.core.outputs.ModelOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Configurations the reference data does not cover (other depths, head counts, patch sizes, reassemble
 * factors, batch sizes, hybrid image sizes, Depth Anything sizes, SwiGLU DINOv2) run through both engines
 * (the same module definitions on libtorch's kernels and as one symbolic-shape ONNX graph on ONNX
 * Runtime's): they must agree.
 */
class EngineAgreementTest {
    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of("vit-deeper-factors", "{\"architectures\": [\"DPTForDepthEstimation\"], \"hidden_size\": 48, \"num_hidden_layers\": 6,"
                        + " \"num_attention_heads\": 6, \"intermediate_size\": 96, \"image_size\": 32, \"patch_size\": 4,"
                        + " \"backbone_out_indices\": [0, 2, 3, 5], \"readout_type\": \"add\", \"reassemble_factors\": [8, 2, 1, 0.25],"
                        + " \"neck_hidden_sizes\": [8, 16, 24, 32], \"fusion_hidden_size\": 16}", new long[] {3, 3, 32, 32}),
                Arguments.of("vit-seg-bn", "{\"architectures\": [\"DPTForSemanticSegmentation\"], \"hidden_size\": 24, \"num_hidden_layers\": 3,"
                        + " \"num_attention_heads\": 2, \"intermediate_size\": 48, \"image_size\": 48, \"patch_size\": 16,"
                        + " \"backbone_out_indices\": [0, 1, 2], \"reassemble_factors\": [4, 2, 0.5], \"neck_hidden_sizes\": [8, 16, 24],"
                        + " \"fusion_hidden_size\": 16, \"use_batch_norm_in_fusion_residual\": true, \"head_in_index\": -2,"
                        + " \"id2label\": {\"0\": \"a\", \"1\": \"b\", \"2\": \"c\"}}", new long[] {2, 3, 48, 48}),
                Arguments.of("hybrid-96", "{\"architectures\": [\"DPTForDepthEstimation\"], \"is_hybrid\": true, \"hidden_size\": 32,"
                        + " \"num_hidden_layers\": 3, \"num_attention_heads\": 4, \"intermediate_size\": 64, \"image_size\": 96, \"patch_size\": 16,"
                        + " \"backbone_out_indices\": [0, 1, 1, 2], \"reassemble_factors\": [1, 1, 2, 0.5], \"neck_hidden_sizes\": [16, 32, 32, 32],"
                        + " \"fusion_hidden_size\": 16, \"backbone_featmap_shape\": [1, 64, 6, 6], \"neck_ignore_stages\": [0, 1],"
                        + " \"backbone_config\": {\"model_type\": \"bit\", \"depths\": [1, 2, 1], \"embedding_size\": 16, \"hidden_sizes\": [16, 32, 64, 128],"
                        + " \"global_padding\": \"SAME\", \"layer_type\": \"bottleneck\", \"num_groups\": 4, \"embedding_dynamic_padding\": true,"
                        + " \"out_features\": [\"stage1\", \"stage2\", \"stage3\"]}}", new long[] {1, 3, 96, 96}),
                Arguments.of("depth-anything-patch8", "{\"architectures\": [\"DepthAnythingForDepthEstimation\"], \"model_type\": \"depth_anything\","
                        + " \"patch_size\": 8, \"fusion_hidden_size\": 16, \"head_hidden_size\": 8, \"neck_hidden_sizes\": [8, 16, 24],"
                        + " \"reassemble_factors\": [4, 2, 1], \"reassemble_hidden_size\": 24, \"depth_estimation_type\": \"metric\", \"max_depth\": 10,"
                        + " \"backbone_config\": {\"model_type\": \"dinov2\", \"hidden_size\": 24, \"num_hidden_layers\": 3, \"num_attention_heads\": 3,"
                        + " \"mlp_ratio\": 2, \"image_size\": 32, \"patch_size\": 8, \"out_indices\": [1, 2, 3], \"reshape_hidden_states\": false}}", new long[] {2, 3, 40, 56}),
                Arguments.of("depth-anything-swiglu", "{\"architectures\": [\"DepthAnythingForDepthEstimation\"], \"model_type\": \"depth_anything\","
                        + " \"patch_size\": 14, \"fusion_hidden_size\": 16, \"head_hidden_size\": 8, \"neck_hidden_sizes\": [8, 16],"
                        + " \"reassemble_factors\": [2, 1], \"reassemble_hidden_size\": 48,"
                        + " \"backbone_config\": {\"model_type\": \"dinov2\", \"hidden_size\": 48, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
                        + " \"use_swiglu_ffn\": true, \"image_size\": 28, \"patch_size\": 14, \"out_indices\": [1, 2], \"reshape_hidden_states\": false}}",
                        new long[] {1, 3, 42, 56}),
                // Swinv2: windows and shifts from the configured 96x96; inputs whose grids need window padding
                // (22x30 -> 24x32 under the shift mask), odd sizes at patch merging (11x15), a size that is not a
                // multiple of the patch (61x83), and batches
                Arguments.of("swinv2-pad-window", "{\"architectures\": [\"DPTForDepthEstimation\"], \"fusion_hidden_size\": 16,"
                        + " \"neck_hidden_sizes\": [8, 16, 32, 64], \"reassemble_factors\": [4, 2, 1, 0.5],"
                        + " \"backbone_config\": {\"model_type\": \"swinv2\", \"embed_dim\": 8, \"depths\": [2, 2, 2, 2], \"num_heads\": [1, 2, 4, 8],"
                        + " \"image_size\": 96, \"patch_size\": 4, \"window_size\": 8, \"mlp_ratio\": 2.0, \"pretrained_window_sizes\": [0, 0, 0, 0],"
                        + " \"out_features\": [\"stage1\", \"stage2\", \"stage3\", \"stage4\"]}}", new long[] {2, 3, 88, 120}),
                Arguments.of("swinv2-odd-input", "{\"architectures\": [\"DPTForDepthEstimation\"], \"fusion_hidden_size\": 16,"
                        + " \"neck_hidden_sizes\": [8, 16, 32, 64], \"reassemble_factors\": [4, 2, 1, 0.5],"
                        + " \"backbone_config\": {\"model_type\": \"swinv2\", \"embed_dim\": 8, \"depths\": [2, 2, 2, 2], \"num_heads\": [1, 2, 4, 8],"
                        + " \"image_size\": 96, \"patch_size\": 4, \"window_size\": 8, \"mlp_ratio\": 2.0, \"pretrained_window_sizes\": [0, 0, 0, 0],"
                        + " \"out_features\": [\"stage1\", \"stage2\", \"stage3\", \"stage4\"]}}", new long[] {3, 3, 61, 83}),
                Arguments.of("swinv2-window4-stem", "{\"architectures\": [\"DPTForDepthEstimation\"], \"fusion_hidden_size\": 16,"
                        + " \"neck_hidden_sizes\": [8, 8, 16, 32], \"reassemble_factors\": [4, 2, 1, 0.5],"
                        + " \"backbone_config\": {\"model_type\": \"swinv2\", \"embed_dim\": 8, \"depths\": [2, 4, 2], \"num_heads\": [2, 2, 4],"
                        + " \"image_size\": 64, \"patch_size\": 4, \"window_size\": 4, \"mlp_ratio\": 2.0, \"pretrained_window_sizes\": [8, 4, 0],"
                        + " \"out_features\": [\"stem\", \"stage1\", \"stage2\", \"stage3\"]}}", new long[] {1, 3, 72, 40}));
    }

    /** Random weights for every declared tensor (norm scales and variances around 1). */
    static void writeRandomCheckpoint(Path dir, String config, long seed) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), config);
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (PreTrainedModel<?, ?> m = AutoModel.fromConfig(dir.resolve("config.json"))) {
            for (Map.Entry<String, Shape> e : m.block().namedShapes().entrySet()) {
                String k = e.getKey();
                float[] v = new float[Math.toIntExact(e.getValue().size())];
                boolean positive = k.endsWith("running_var");
                boolean aroundOne = positive || k.contains("norm") && k.endsWith("weight") || k.contains("lambda") || k.contains("layer_scale");
                for (int i = 0; i < v.length; i++) {
                    double g = rnd.nextGaussian() * 0.2;
                    v[i] = (float) (positive ? 1 + Math.abs(g) : aroundOne ? 1 + g : g);
                }
                tensors.put(k, TensorData.ofFloats(e.getValue().getShape(), v));
            }
        }
        SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void enginesAgree(String name, String config, long[] input, @TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve(name);
        writeRandomCheckpoint(dir, config, name.hashCode());
        try (NDManager m = DptEngine.newManager(); PreTrainedModel<?, ?> model = AutoModel.fromPretrained(dir)) {
            SplittableRandom rnd = new SplittableRandom(7);
            float[] px = new float[Math.toIntExact(new Shape(input).size())];
            for (int i = 0; i < px.length; i++) {
                px[i] = (float) (rnd.nextDouble() * 2 - 1);
            }
            NDArray x = m.create(px, new Shape(input));
            ModelOutput eager = model.forward(x);
            model.setEngine(ExecutionEngine.ONNXRUNTIME);
            ModelOutput ort = model.forward(x);
            int compared = 0;
            for (Map.Entry<String, NDArray> e : eager.toMap().entrySet()) {
                NDArray o = ort.toMap().get(e.getKey());
                assertEquals(e.getValue().getShape(), o.getShape(), e.getKey());
                float[] a = e.getValue().toFloatArray();
                float[] b = o.toFloatArray();
                double max = 0;
                for (float v : a) {
                    max = Math.max(max, Math.abs(v));
                }
                for (int i = 0; i < a.length; i++) {
                    // float32 rounding differences between two engines, amplified by these deliberately large random
                    // weights; a structural mistake differs by orders of magnitude more
                    assertTrue(Math.abs(a[i] - b[i]) <= 2e-4 * Math.max(1, max) + 2e-4 * Math.abs(a[i]),
                            name + " " + e.getKey() + "[" + i + "]: pytorch " + a[i] + " vs onnxruntime " + b[i]);
                }
                assertEquals(input[0], e.getValue().getShape().get(0));
                compared++;
            }
            assertTrue(compared >= 1);
        }
    }
}
