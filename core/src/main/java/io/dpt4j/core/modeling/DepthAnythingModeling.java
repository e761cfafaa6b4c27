package io.dpt4j.core.modeling;

import io.dpt4j.core.config.DepthAnythingConfig;
import io.dpt4j.core.nn.Dim;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.nn.Layers.Conv2d;
import io.dpt4j.core.nn.Layers.ModuleList;
import io.dpt4j.core.nn.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' modeling_depth_anything: the neck (reassemble without readout, fusion that upsamples to
 * the next map's size) and the relative/metric depth head.
 */
public final class DepthAnythingModeling {
    private DepthAnythingModeling() {}

    // A variant of transformers.models.dpt.modeling_dpt.DPTReassembleLayer (projects from reassemble_hidden_size)
    /** Projection from reassemble_hidden_size, then the stage's resize. */
    public static final class DepthAnythingReassembleLayer extends HfBlock {
        final Conv2d projection;
        final HfBlock resize;

        DepthAnythingReassembleLayer(DepthAnythingConfig c, int channels, double factor) {
            projection = child("projection", new Conv2d(c.reassembleHiddenSize, channels, 1, 1, 0, true));
            HfBlock r = DPTModeling.resizeFor(channels, factor);
            resize = r == null ? null : child("resize", r);
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = projection.forward(x);
            return resize == null ? h : resize.forward(h);
        }
    }

    /** Drops the CLS token and reshapes each token sequence to the patch grid. */
    public static final class DepthAnythingReassembleStage extends HfBlock {
        final ModuleList<DepthAnythingReassembleLayer> layers;

        DepthAnythingReassembleStage(DepthAnythingConfig c) {
            layers = child("layers", new ModuleList<>());
            for (int i = 0; i < c.neckHiddenSizes.size(); i++) {
                layers.add(new DepthAnythingReassembleLayer(c, c.neckHiddenSizes.get(i), c.reassembleFactors.get(i)));
            }
        }

        List<Tensor> forward(List<Tensor> hiddenStates, Dim patchHeight, Dim patchWidth) {
            List<Tensor> out = new ArrayList<>();
            for (int i = 0; i < hiddenStates.size(); i++) {
                Tensor h = hiddenStates.get(i).slice(1, 1, Long.MAX_VALUE);
                Dim tokens = h.dim(1);
                Dim grid = patchHeight.times(patchWidth);
                if (tokens.isKnown() && grid.isKnown() && tokens.value() != grid.value()) {
                    throw new IllegalArgumentException("the backbone returned " + tokens + " patch tokens but the input gives a "
                            + patchHeight + "x" + patchWidth + " grid of patch_size patches: the backbone's patch_size must equal the config's patch_size");
                }
                h = h.reshape(h.dim(0), patchHeight, patchWidth, h.dim(2)).transpose(0, 3, 1, 2);
                out.add(layers.get(i).forward(h));
            }
            return out;
        }
    }

    // A variant of transformers.models.dpt.modeling_dpt.DPTPreActResidualLayer (no batch norm option)
    /** ReLU-conv-ReLU-conv with a skip; the convs always have a bias here. */
    public static final class DepthAnythingPreActResidualLayer extends HfBlock {
        final Conv2d convolution1;
        final Conv2d convolution2;

        DepthAnythingPreActResidualLayer(DepthAnythingConfig c) {
            int f = c.fusionHiddenSize;
            convolution1 = child("convolution1", new Conv2d(f, f, 3, 1, 1, true));
            convolution2 = child("convolution2", new Conv2d(f, f, 3, 1, 1, true));
        }

        @Override
        public Tensor forward(Tensor input) {
            return input.scoped(x -> convolution2.forward(convolution1.forward(x.relu()).relu()).add(x));
        }
    }

    // A variant of transformers.models.dpt.modeling_dpt.DPTFeatureFusionLayer (upsamples to a given size)
    public static final class DepthAnythingFeatureFusionLayer extends HfBlock {
        final Conv2d projection;
        final DepthAnythingPreActResidualLayer residualLayer1;
        final DepthAnythingPreActResidualLayer residualLayer2;

        DepthAnythingFeatureFusionLayer(DepthAnythingConfig c) {
            projection = child("projection", new Conv2d(c.fusionHiddenSize, c.fusionHiddenSize, 1, 1, 0, true));
            residualLayer1 = child("residual_layer1", new DepthAnythingPreActResidualLayer(c));
            residualLayer2 = child("residual_layer2", new DepthAnythingPreActResidualLayer(c));
        }

        /** @param size the next map's (height, width), or null for x2 on the last layer */
        Tensor forward(Tensor hidden, Tensor residualIn, Dim[] size) {
            return hidden.ops().scope(new Tensor[] {hidden, residualIn}, in -> new Tensor[] {fuse(in[0], in[1], size)})[0];
        }

        private Tensor fuse(Tensor h, Tensor residual, Dim[] size) {
            if (residual != null) {
                // resized when the shapes differ (interpolate is the identity when they match)
                residual = residual.interpolateBilinear(h.dim(2), h.dim(3), false);
                h = h.add(residualLayer1.forward(residual));
            }
            h = residualLayer2.forward(h);
            Dim oh = size == null ? h.dim(2).times(2) : size[0];
            Dim ow = size == null ? h.dim(3).times(2) : size[1];
            h = h.interpolateBilinear(oh, ow, true);
            return projection.forward(h);
        }
    }

    /** Fuses deepest first, each step upsampling to the next (shallower) map's size. */
    public static final class DepthAnythingFeatureFusionStage extends HfBlock {
        final ModuleList<DepthAnythingFeatureFusionLayer> layers;

        DepthAnythingFeatureFusionStage(DepthAnythingConfig c) {
            layers = child("layers", new ModuleList<>());
            for (int i = 0; i < c.neckHiddenSizes.size(); i++) {
                layers.add(new DepthAnythingFeatureFusionLayer(c));
            }
        }

        List<Tensor> forward(List<Tensor> features) {
            int n = features.size();
            List<Tensor> fused = new ArrayList<>();
            Tensor h = null;
            for (int i = 0; i < n; i++) {
                Tensor f = features.get(n - 1 - i);
                Dim[] size = null;
                if (i != n - 1) {
                    Tensor next = features.get(n - 2 - i);
                    size = new Dim[] {next.dim(2), next.dim(3)};
                }
                h = h == null ? layers.get(i).forward(f, null, size) : layers.get(i).forward(h, f, size);
                fused.add(h);
            }
            return fused;
        }
    }

    public static final class DepthAnythingNeck extends HfBlock {
        final DepthAnythingReassembleStage reassembleStage;
        final ModuleList<Conv2d> convs;
        final DepthAnythingFeatureFusionStage fusionStage;
        final DepthAnythingConfig config;

        public DepthAnythingNeck(DepthAnythingConfig c) {
            this.config = c;
            reassembleStage = child("reassemble_stage", new DepthAnythingReassembleStage(c));
            convs = child("convs", new ModuleList<>());
            for (int ch : c.neckHiddenSizes) {
                convs.add(new Conv2d(ch, c.fusionHiddenSize, 3, 1, 1, false));
            }
            fusionStage = child("fusion_stage", new DepthAnythingFeatureFusionStage(c));
        }

        public List<Tensor> forward(List<Tensor> hiddenStates, Dim patchHeight, Dim patchWidth, ForwardContext ctx) {
            if (hiddenStates.size() != config.neckHiddenSizes.size()) {
                throw new IllegalStateException("The neck got " + hiddenStates.size() + " feature maps but neck_hidden_sizes has "
                        + config.neckHiddenSizes.size() + " entries: the backbone's out_features and neck_hidden_sizes must have the same length");
            }
            List<Tensor> hs = reassembleStage.forward(hiddenStates, patchHeight, patchWidth);
            for (int i = 0; i < hs.size(); i++) {
                ctx.capture("debug.neck.reassemble_stage." + i, hs.get(i));
            }
            List<Tensor> features = new ArrayList<>();
            for (int i = 0; i < hs.size(); i++) {
                features.add(convs.get(i).forward(hs.get(i)));
                ctx.capture("debug.neck.convs." + i, features.get(i));
            }
            List<Tensor> fused = fusionStage.forward(features);
            for (int i = 0; i < fused.size(); i++) {
                ctx.capture("debug.neck.fusion_stage." + i, fused.get(i));
            }
            return fused;
        }
    }

    /**
     * conv1, bilinear resize (align_corners=True) to (patch_h * patch_size, patch_w * patch_size),
     * conv2 + ReLU, conv3, then ReLU (relative) or sigmoid (metric), times max_depth.
     */
    public static final class DepthAnythingDepthEstimationHead extends HfBlock {
        final Conv2d conv1;
        final Conv2d conv2;
        final Conv2d conv3;
        final DepthAnythingConfig config;

        public DepthAnythingDepthEstimationHead(DepthAnythingConfig c) {
            this.config = c;
            int f = c.fusionHiddenSize;
            conv1 = child("conv1", new Conv2d(f, f / 2, 3, 1, 1, true));
            conv2 = child("conv2", new Conv2d(f / 2, c.headHiddenSize, 3, 1, 1, true));
            conv3 = child("conv3", new Conv2d(c.headHiddenSize, 1, 1, 1, 0, true));
        }

        public Tensor forward(List<Tensor> hiddenStates, Dim patchHeight, Dim patchWidth) {
            int idx = config.headInIndex < 0 ? hiddenStates.size() + config.headInIndex : config.headInIndex;
            return hiddenStates.get(idx).scoped(x -> {
                Tensor h = conv1.forward(x);
                h = h.interpolateBilinear(patchHeight.times(config.patchSize), patchWidth.times(config.patchSize), true);
                h = conv3.forward(conv2.forward(h).relu());
                h = config.isMetric() ? h.sigmoid() : h.relu();
                return h.mul((float) config.maxDepth).squeeze(1);
            });
        }
    }
}
