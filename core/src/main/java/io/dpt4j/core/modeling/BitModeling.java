package io.dpt4j.core.modeling;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.dpt4j.core.config.BitConfig;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.nn.Dim;
import io.dpt4j.core.nn.HfBlock;
import io.dpt4j.core.nn.Layers.ModuleList;
import io.dpt4j.core.nn.Ops;
import io.dpt4j.core.nn.Tensor;
import java.util.ArrayList;
import java.util.List;

/** BiT (transformers' modeling_bit), the convolutional trunk of DPT-Hybrid. */
public final class BitModeling {
    private BitModeling() {}

    /** transformers' {@code make_div}: round to a multiple of 8, never below 90% of the value. */
    static int makeDiv(double value) {
        int divisor = 8;
        int v = Math.max(divisor, (int) (value + divisor / 2.0) / divisor * divisor);
        if (v < 0.9 * value) {
            v += divisor;
        }
        return v;
    }

    /** TF "SAME" padding amount for one spatial dimension (DynamicPad2d.compute_padding). */
    static long samePadding(long size, int kernel, int stride, int dilation) {
        return samePadding(Dim.of(size), kernel, stride, dilation).value();
    }

    static Dim samePadding(Dim size, int kernel, int stride, int dilation) {
        Dim out = size.plus(stride - 1).div(stride);
        return out.minus(1).times(stride).plus((long) (kernel - 1) * dilation + 1).minus(size).max(0);
    }

    /** Pads right/bottom-heavy like TF's SAME (DynamicPad2d). */
    static Tensor dynamicPad(Tensor x, int kernel, int stride, int dilation, float value) {
        Dim ph = samePadding(x.dim(2), kernel, stride, dilation);
        Dim pw = samePadding(x.dim(3), kernel, stride, dilation);
        return x.ops().pad(x, new Dim[] {pw.div(2), pw.minus(pw.div(2)), ph.div(2), ph.minus(ph.div(2))}, value);
    }

    /** Conv2d whose weight is standardised per output channel (biased variance) before use. */
    public static final class WeightStandardizedConv2d extends HfBlock {
        private final Parameter weight;
        final int kernel;
        final int stride;
        final int dilation;
        final int groups;
        final long padding;
        final boolean dynamic;
        private final double eps;
        private final long out;

        WeightStandardizedConv2d(long in, long out, int kernel, int stride, int dilation, int groups,
                String globalPadding, double eps) {
            this.out = out;
            this.kernel = kernel;
            this.stride = stride;
            this.dilation = dilation;
            this.groups = groups;
            this.eps = eps;
            this.weight = param("weight", out, in / groups, kernel, kernel);
            // transformers' get_padding_value
            long symmetric = ((stride - 1) + (long) dilation * (kernel - 1)) / 2;
            if ("SAME".equals(globalPadding)) {
                if (stride == 1 && (dilation * (kernel - 1)) % 2 == 0) {
                    padding = symmetric;
                    dynamic = false;
                } else {
                    padding = 0;
                    dynamic = true;
                }
            } else if ("VALID".equals(globalPadding)) {
                padding = 0;
                dynamic = false;
            } else {
                padding = symmetric;
                dynamic = false;
            }
        }

        /**
         * The standardised weight: an eval-mode constant that depends on the weight only, so it is
         * computed once per loaded weight (on libtorch) and is a plain initializer in the graph.
         */
        NDArray standardizedWeight() {
            return derived("standardized", weight, w -> {
                NDArray flat = w.reshape(out, -1);
                NDArray mean = flat.mean(new int[] {1}, true);
                NDArray centered = flat.sub(mean);
                NDArray var = centered.square().mean(new int[] {1}, true);
                return centered.div(var.add((float) eps).sqrt()).reshape(w.getShape());
            });
        }

        @Override
        public Tensor forward(Tensor x) {
            if (dynamic) {
                x = dynamicPad(x, kernel, stride, dilation, 0);
            }
            Ops o = x.ops();
            return o.conv2d(x, o.weight(fullName(weight), standardizedWeight()), null, stride,
                    new long[] {padding, padding, padding, padding}, dilation, groups);
        }
    }

    /** GroupNorm (eps 1e-5) optionally followed by the config's activation. */
    public static final class BitGroupNormActivation extends HfBlock {
        private final Parameter weight;
        private final Parameter bias;
        final int groups;
        final String act;

        BitGroupNormActivation(BitConfig config, long channels, boolean applyActivation) {
            this.groups = config.numGroups;
            this.act = applyActivation ? config.hiddenAct : null;
            this.weight = param("weight", channels);
            this.bias = param("bias", channels);
        }

        @Override
        public Tensor forward(Tensor x) {
            Ops o = x.ops();
            Tensor y = o.groupNorm(x, groups, w(o, weight), w(o, bias), 1e-5);
            return act == null ? y : y.act(act);
        }
    }

    public static final class BitEmbeddings extends HfBlock {
        final WeightStandardizedConv2d convolution;
        final BitGroupNormActivation norm;
        final boolean samePadding;
        final boolean dynamicPool;

        BitEmbeddings(BitConfig config) {
            convolution = child("convolution", new WeightStandardizedConv2d(
                    config.numChannels, config.embeddingSize, 7, 2, 1, 1, config.globalPadding, 1e-8));
            samePadding = "SAME".equals(config.globalPadding);
            dynamicPool = config.embeddingDynamicPadding;
            norm = config.layerType.equals("preactivation") ? null
                    : child("norm", new BitGroupNormActivation(config, config.embeddingSize, true));
        }

        @Override
        public Tensor forward(Tensor input) {
            return input.scoped(this::stem);
        }

        private Tensor stem(Tensor x) {
            Tensor e = convolution.forward(x);
            if (!samePadding) {
                e = e.ops().pad(e, Dim.of(1, 1, 1, 1), 0);
            }
            if (norm != null) {
                e = norm.forward(e);
            }
            // BitMaxPool2d: with dynamic padding the pad value is 0, not -inf (FACTS).
            if (dynamicPool) {
                e = dynamicPad(e, 3, 2, 1, 0);
            }
            return e.ops().maxPool2d(e, 3, 2);
        }
    }

    public static final class BitDownsampleConv extends HfBlock {
        final WeightStandardizedConv2d conv;
        final BitGroupNormActivation norm;

        BitDownsampleConv(BitConfig config, long in, long out, int stride, boolean preact) {
            conv = child("conv", new WeightStandardizedConv2d(in, out, 1, stride, 1, 1, config.globalPadding, 1e-8));
            norm = preact ? null : child("norm", new BitGroupNormActivation(config, out, false));
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor y = conv.forward(x);
            return norm == null ? y : norm.forward(y);
        }
    }

    /** The non-pre-activation bottleneck block (layer_type "bottleneck", as DPT-Hybrid uses). */
    public static final class BitBottleneckLayer extends HfBlock {
        final BitDownsampleConv downsample;
        final WeightStandardizedConv2d conv1;
        final BitGroupNormActivation norm1;
        final WeightStandardizedConv2d conv2;
        final BitGroupNormActivation norm2;
        final WeightStandardizedConv2d conv3;
        final BitGroupNormActivation norm3;
        final String act;

        BitBottleneckLayer(BitConfig config, long in, long out, int stride, int firstDilation, boolean isFirst) {
            int mid = makeDiv(out * 0.25);
            downsample = isFirst ? child("downsample", new BitDownsampleConv(config, in, out, stride, false)) : null;
            conv1 = child("conv1", new WeightStandardizedConv2d(in, mid, 1, 1, 1, 1, config.globalPadding, 1e-8));
            norm1 = child("norm1", new BitGroupNormActivation(config, mid, true));
            conv2 = child("conv2", new WeightStandardizedConv2d(mid, mid, 3, stride, firstDilation, 1, config.globalPadding, 1e-8));
            norm2 = child("norm2", new BitGroupNormActivation(config, mid, true));
            conv3 = child("conv3", new WeightStandardizedConv2d(mid, out, 1, 1, 1, 1, config.globalPadding, 1e-8));
            norm3 = child("norm3", new BitGroupNormActivation(config, out, false));
            act = config.hiddenAct;
        }

        @Override
        public Tensor forward(Tensor input) {
            return input.scoped(x -> {
                Tensor shortcut = downsample == null ? x : downsample.forward(x);
                Tensor h = norm1.forward(conv1.forward(x));
                h = norm2.forward(conv2.forward(h));
                h = norm3.forward(conv3.forward(h));
                return h.add(shortcut).act(act);
            });
        }
    }

    public static final class BitStage extends HfBlock {
        final ModuleList<BitBottleneckLayer> layers;

        BitStage(BitConfig config, long in, long out, int stride, int dilation, int depth) {
            layers = child("layers", new ModuleList<>());
            int firstDilation = dilation == 1 || dilation == 2 ? 1 : 2;
            long prev = in;
            for (int i = 0; i < depth; i++) {
                layers.add(new BitBottleneckLayer(config, prev, out, i == 0 ? stride : 1, firstDilation, i == 0));
                prev = out;
                firstDilation = dilation;
            }
        }

        @Override
        public Tensor forward(Tensor x) {
            for (BitBottleneckLayer l : layers.items()) {
                x = l.forward(x);
            }
            return x;
        }
    }

    public static final class BitEncoder extends HfBlock {
        final ModuleList<BitStage> stages;
        final List<Integer> stageChannels = new ArrayList<>();

        BitEncoder(BitConfig config) {
            stages = child("stages", new ModuleList<>());
            long prev = config.embeddingSize;
            int currentStride = 4;
            int dilation = 1;
            int n = Math.min(config.depths.size(), config.hiddenSizes.size());
            for (int i = 0; i < n; i++) {
                int out = makeDiv(config.hiddenSizes.get(i) * (double) config.widthFactor);
                int stride = i == 0 ? 1 : 2;
                if (currentStride >= config.outputStride) {
                    dilation *= stride;
                    stride = 1;
                }
                stages.add(new BitStage(config, prev, out, stride, dilation, config.depths.get(i)));
                stageChannels.add(out);
                prev = out;
                currentStride *= stride;
            }
        }

        /** Stem output followed by each stage's output (BitEncoder's hidden_states). */
        List<Tensor> forwardAll(Tensor embedding) {
            List<Tensor> hs = new ArrayList<>();
            hs.add(embedding);
            Tensor h = embedding;
            for (BitStage s : stages.items()) {
                h = s.forward(h);
                hs.add(h);
            }
            return hs;
        }
    }

    public static final class BitModel extends HfBlock {
        final BitEmbeddings embedder;
        final BitEncoder encoder;

        BitModel(BitConfig config) {
            if (!config.layerType.equals("bottleneck")) {
                throw new ConfigException("BiT layer_type \"" + config.layerType
                        + "\" is not supported; DPT-Hybrid checkpoints use \"bottleneck\"");
            }
            embedder = child("embedder", new BitEmbeddings(config));
            encoder = child("encoder", new BitEncoder(config));
        }
    }

    /** BitBackbone: the feature maps of the stages named in out_features, in stage order. */
    public static final class BitBackbone extends HfBlock {
        final BitModel bit;
        final BitConfig config;
        private final List<Integer> channels = new ArrayList<>();

        public BitBackbone(BitConfig config) {
            this.config = config;
            bit = child("bit", new BitModel(config));
            List<Integer> numFeatures = new ArrayList<>();
            numFeatures.add(config.embeddingSize);
            numFeatures.addAll(bit.encoder.stageChannels);
            for (int i = 0; i < config.stageNames().size(); i++) {
                if (config.outFeatures().contains(config.stageNames().get(i))) {
                    if (i >= numFeatures.size()) {
                        throw new ConfigException("BiT out_features names " + config.stageNames().get(i)
                                + " but the backbone has only " + (numFeatures.size() - 1) + " stages");
                    }
                    channels.add(numFeatures.get(i));
                }
            }
        }

        /** Channel count of each returned feature map. */
        public List<Integer> channels() {
            return channels;
        }

        /** @param capturePrefix where this backbone sits in the model, for captured intermediates */
        public List<Tensor> featureMaps(Tensor pixelValues, ForwardContext ctx, String capturePrefix) {
            Tensor stem = bit.embedder.forward(pixelValues);
            ctx.capture(capturePrefix + "bit.embedder", stem);
            List<Tensor> hs = bit.encoder.forwardAll(stem);
            List<Tensor> maps = new ArrayList<>();
            for (int i = 0; i < config.stageNames().size() && i < hs.size(); i++) {
                if (config.outFeatures().contains(config.stageNames().get(i))) {
                    maps.add(hs.get(i));
                }
            }
            return maps;
        }
    }
}
